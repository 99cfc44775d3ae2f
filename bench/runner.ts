// Runs the configurations: for each stack × side × crypto provider, `runs` runs, each with a new
// seed: build the drivers, warm up (excluded), then measure the steady window on the wall clock.

import { performance } from 'node:perf_hooks';
import { type Enforcement, type Workload, createWorkload, describeDrops } from '../drivers/workload.js';
import type { Side } from '../drivers/workload.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';
import type { Msg } from '../stacks/message.js';
import { type RunDetail, round } from '../results/rows.js';
import type { BenchConfig } from './options.js';

export interface Configuration {
  stack: string;
  side: Side;
  crypto: CryptoProviderName;
}

export interface RunnerHooks {
  /** Called often while measuring (cheap): what runs and how far along it is. */
  progress(status: ProgressStatus): void;
  /** True once the user asked to stop (Ctrl-C): the run under way is abandoned. */
  stopRequested(): boolean;
  /** Sees frames of the first run of each configuration (pcap). */
  tap?: (config: Configuration, frame: Msg) => void;
}

export interface ProgressStatus {
  label: string;
  run: number;
  runs: number;
  phase: 'warm-up' | 'steady';
  /** Seconds spent so far and planned in all, over the whole benchmark. */
  elapsed: number;
  planned: number;
}

export interface BenchOutcome {
  rows: RunDetail[];
  enforcement: (Enforcement & Configuration)[];
  incomplete: boolean;
}

export function configurations(config: BenchConfig): Configuration[] {
  const out: Configuration[] = [];
  for (const crypto of config.cryptos) {
    for (const stack of config.stacks) {
      for (const side of config.sides) out.push({ stack, side, crypto });
    }
  }
  return out;
}

/** Packets per clock reading: enough that reading the clock costs little, few enough to stop on time. */
function batchFor(usPerPacket: number): number {
  return Math.max(1, Math.min(256, Math.floor(200 / Math.max(usPerPacket, 0.01))));
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Measured {
  seconds: number;
  packets: number;
  bytes: number;
}

/**
 * Runs the workloads in turn for `seconds`; answers what was done, or null when stopped.
 * Yields to the event loop every ~50 ms so that signals and the progress line get through.
 */
async function drive(workloads: Workload[], seconds: number, usPerPacketGuess: number, tick: (fraction: number) => void, stop: () => boolean): Promise<Measured | null> {
  let batch = batchFor(usPerPacketGuess);
  const start = performance.now();
  const end = start + seconds * 1000;
  let packets = 0;
  let bytes = 0;
  let now = start;
  let lastYield = start;
  let w = 0;
  while (now < end) {
    bytes += workloads[w]!.run(batch);
    packets += batch;
    w = w + 1 === workloads.length ? 0 : w + 1;
    now = performance.now();
    if (now - lastYield > 50) {
      batch = batchFor(((now - start) * 1000) / packets);
      tick((now - start) / (end - start));
      await yieldToEventLoop();
      if (stop()) return null;
      now = performance.now();
      lastYield = now;
    }
  }
  return { seconds: (now - start) / 1000, packets, bytes };
}

export async function runBenchmarks(config: BenchConfig, hooks: RunnerHooks): Promise<BenchOutcome> {
  const configs = configurations(config);
  const perRun = config.warmupSeconds + config.durationSeconds;
  const planned = configs.length * config.runs * perRun;
  const rows: RunDetail[] = [];
  const enforcement: (Enforcement & Configuration)[] = [];
  let elapsedBefore = 0;

  for (const c of configs) {
    const label = `${c.stack} ${c.side} [${c.crypto}]`;
    let usGuess = 10;
    for (let run = 1; run <= config.runs; run++) {
      const seed = (config.seed + run - 1) >>> 0;
      const workloads: Workload[] = [];
      for (let k = 0; k < config.connections; k++) {
        workloads.push(
          createWorkload({ spec: c.stack, side: c.side, packetSize: config.packetSize, crypto: c.crypto, seed: (seed + k * 0x9e3779b9) >>> 0, verify: config.verify, connection: k }),
        );
      }
      if (run === 1 && hooks.tap) {
        const tap = hooks.tap;
        for (const w of workloads) w.setTap((frame) => tap(c, frame));
      }
      const report = (phase: ProgressStatus['phase'], offset: number, length: number) => (fraction: number) =>
        hooks.progress({ label, run, runs: config.runs, phase, elapsed: elapsedBefore + offset + fraction * length, planned });

      const warm = await drive(workloads, config.warmupSeconds, usGuess, report('warm-up', 0, config.warmupSeconds), hooks.stopRequested);
      if (warm === null) return { rows, enforcement, incomplete: true };
      if (warm.packets > 0) usGuess = (warm.seconds * 1e6) / warm.packets;
      for (const w of workloads) w.setTap(null);
      const before = workloads.map((w) => w.counters());
      const steady = await drive(workloads, config.durationSeconds, usGuess, report('steady', config.warmupSeconds, config.durationSeconds), hooks.stopRequested);
      if (steady === null) return { rows, enforcement, incomplete: true };
      elapsedBefore += perRun;

      const after = workloads.map((w) => w.counters());
      const drops: Record<string, number> = {};
      let dataErrors = 0;
      let ignored = 0;
      for (let k = 0; k < workloads.length; k++) {
        for (const [name, n] of Object.entries(after[k]!.drops)) drops[name] = (drops[name] ?? 0) + n;
        dataErrors += after[k]!.dataErrors;
        ignored += after[k]!.digestMismatchesIgnored - before[k]!.digestMismatchesIgnored;
      }
      const valid = Object.keys(drops).length === 0 && dataErrors === 0;
      if (!valid && config.verify) {
        throw new VerifyError(`${label} run ${run}: ${dataErrors} application data errors; drops: ${describeDrops(drops)}`);
      }
      rows.push({
        stack: c.stack,
        side: c.side,
        mode: 'single',
        workers: 1,
        connections: config.connections,
        packetSize: config.packetSize,
        crypto: c.crypto,
        run,
        seconds: round(steady.seconds),
        packets: steady.packets,
        bytes: steady.bytes,
        throughputMbps: round((steady.bytes * 8) / steady.seconds / 1e6),
        usPerPacket: round((steady.seconds * 1e6) / steady.packets),
        seed,
        drops,
        digestMismatchesIgnored: ignored,
        dataErrors,
        valid,
        observed: workloads.reduce((sum, w) => (sum + w.observed) | 0, 0),
      });
      if (run === 1) enforcement.push({ ...c, ...workloads[0]!.enforcement() });
    }
  }
  return { rows, enforcement, incomplete: false };
}

/** A --verify run found a drop or wrong data. */
export class VerifyError extends Error {
  override name = 'VerifyError';
}
