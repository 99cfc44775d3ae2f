// Interleaved measurement of one group: the configurations of a stack, side and crypto provider
// (every mode, worker count and lock scope) and the primitives their same-run ratios divide by.
// Each run warms every configuration up, then takes rounds: one slice of each member, in an order
// drawn at random each round, while the others are parked. A ratio of two members is then taken
// round by round (results/paired-ratios.ts), so the machine's drift falls on both sides alike.

import { performance } from 'node:perf_hooks';
import { Prng } from '../drivers/prng.js';
import type { ParallelEngine, ParallelRun } from '../parallel/engine.js';
import type { SliceFigures, SlicedSession } from '../parallel/sliced-session.js';
import { WorkerFailure } from '../parallel/worker-failure.js';
import { type SliceGroup, type SliceSeries, withinTarget } from '../results/paired-ratios.js';
import type { Msg } from '../stacks/message.js';
import { calibrationKey, keepSink, sampleMbps } from './calibration.js';
import type { BenchConfig } from './options.js';
import type { Primitive } from './primitives.js';
import type { Configuration, FailedConfiguration, Measurement } from './runner.js';
import { configFields } from './runner.js';
import { SingleSession } from './single-session.js';
import { configKey } from '../results/rows.js';

export interface GroupOutcome {
  measured: Map<Configuration, Measurement[]>;
  failures: FailedConfiguration[];
  slices: SliceGroup;
  stopped: boolean;
}

export interface GroupContext {
  engine: ParallelEngine;
  stopRequested: () => boolean;
  /** Told where the group is (cheap; called after each slice). */
  progress: (label: string, run: number, phase: 'warm-up' | 'steady') => void;
  label: (c: Configuration) => string;
  /** Sees the frames of a single-thread configuration's first warm-up (pcap). */
  tap: ((c: Configuration, frame: Msg) => void) | null;
  /** performance.now() by which this group should end its extra runs (the --budget share). */
  allowanceEnd: number;
  failed: (failure: FailedConfiguration) => void;
}

interface Member {
  config: Configuration;
  key: string;
  session: SingleSession | SlicedSession;
  single: boolean;
}

/** Measures `group` (same stack, side and crypto) with `primitives` in interleaved slices. */
export async function measureInterleaved(group: readonly Configuration[], primitives: readonly Primitive[], config: BenchConfig, ctx: GroupContext): Promise<GroupOutcome> {
  const first = group[0]!;
  const lanes = new Map<number, number>();
  const members: Member[] = group.map((c) => {
    const key = configKey(configFields(c, config.packetSize));
    if (c.mode === 'single') return { config: c, key, single: true, session: new SingleSession(c, config, ctx.stopRequested, ctx.tap ? (f) => ctx.tap!(c, f) : null) };
    const lane = lanes.get(c.workers) ?? 0;
    lanes.set(c.workers, lane + 1);
    const task = { spec: c.stack, side: c.side, packetSize: c.packetSize ?? config.packetSize, crypto: c.crypto, verify: config.verify, tcpLockScope: c.tcpLockScope ?? 'state', runs: 0, seed: config.seed, warmupSeconds: config.warmupSeconds, durationSeconds: config.durationSeconds, mode: c.mode as 'clp' | 'plp' };
    return { config: c, key, single: false, session: ctx.engine.open(task, c.workers, c.connections, lane) };
  });
  const series = new Map<string, SliceSeries>();
  for (const m of members) series.set(m.key, { key: m.key, config: configFields(m.config, config.packetSize), mbps: [] });
  for (const p of primitives) series.set(calibrationKey(p.name, p.crypto), { key: calibrationKey(p.name, p.crypto), mbps: [] });
  const slices: SliceGroup = { stack: first.stack, side: first.side, crypto: first.crypto, sliceMs: sliceMs(config), rounds: 0, series: [...series.values()] };
  const failures: FailedConfiguration[] = [];
  const failed = new Set<Member>();
  let live = [...members];
  const order = new Prng((config.seed ^ 0x5eed) >>> 0);

  /** Runs one step of a member; a worker's failure ends that member (under --verify, everything). */
  const step = async <T>(m: Member, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof WorkerFailure) || config.verify) throw err;
      const failure: FailedConfiguration = { ...m.config, error: err.message, endedAfterMs: err.endedAfterMs };
      failures.push(failure);
      failed.add(m);
      ctx.failed(failure);
      live = live.filter((x) => x !== m);
      return null;
    }
  };

  let stopped = false;
  let runMs = 0;
  for (let run = 1; !stopped && live.length > 0; run++) {
    const runStart = performance.now();
    for (const m of [...live]) {
      ctx.progress(ctx.label(m.config), run, 'warm-up');
      if ((await step(m, () => m.session.warm())) === false || ctx.stopRequested()) stopped = true;
      if (stopped) break;
    }
    const rounds = Math.max(1, Math.round(config.durationSeconds / (slices.sliceMs / 1000)));
    for (let r = 0; r < rounds && !stopped; r++) {
      const round = slices.rounds++;
      for (const s of series.values()) s.mbps.push(null);
      const items: (Member | Primitive)[] = [...live, ...primitives];
      for (let i = items.length - 1; i > 0; i--) {
        const j = order.below(i + 1);
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      for (const item of items) {
        if ('session' in item) {
          if (!live.includes(item)) continue;
          const figures: SliceFigures | null | undefined = await step(item, () => item.session.slice(slices.sliceMs));
          if (figures === undefined || figures === null) {
            if (ctx.stopRequested()) stopped = true;
            continue;
          }
          series.get(item.key)!.mbps[round] = figures.seconds > 0 ? (figures.bytes * 8) / figures.seconds / 1e6 : null;
          ctx.progress(ctx.label(item.config), run, 'steady');
        } else {
          series.get(calibrationKey(item.name, item.crypto))!.mbps[round] = sampleMbps(item, config.packetSize, slices.sliceMs);
        }
        if (ctx.stopRequested()) {
          stopped = true;
          break;
        }
      }
    }
    if (stopped) break;
    for (const m of [...live]) await step(m, () => m.session.endRun());
    runMs = Math.max(runMs, performance.now() - runStart);
    if (run < config.runs) continue;
    // The runs asked for are done: more only for a precision target not yet met, within the budget.
    if (config.targetCiPercent === null || run >= MAX_RUNS || withinTarget([slices], config.targetCiPercent)) break;
    if (performance.now() + runMs > ctx.allowanceEnd) break;
  }
  keepSink();

  const measured = new Map<Configuration, Measurement[]>();
  for (const m of members) {
    if (failed.has(m)) continue; // its pool is gone, its figures with it
    if (stopped && !m.single) (m.session as SlicedSession).stop();
    const runs = await step(m, async () => (m.single ? (m.session as SingleSession).runs : parallelMeasurements(m.config, await (m.session as SlicedSession).close())));
    if (runs !== null) measured.set(m.config, runs);
  }
  return { measured, failures, slices, stopped };
}

/** The most runs a precision target may add up to. */
const MAX_RUNS = 1000;

/** The slice length in ms: --slice, but no longer than the steady window. */
export function sliceMs(config: BenchConfig): number {
  return Math.min(config.sliceSeconds, config.durationSeconds) * 1000;
}

function parallelMeasurements(c: Configuration, runs: ParallelRun[]): Measurement[] {
  return runs.map((r) => ({ ...r, fairness: c.mode === 'clp' ? r.fairness : null, perConnectionMbps: c.mode === 'clp' ? r.perConnectionMbps : null }));
}
