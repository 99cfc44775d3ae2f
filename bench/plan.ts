// The plan: which configurations a command line asks for, how they are grouped for measurement,
// how long that takes (an estimate printed before any work), and how a plan is fitted into a
// budget. Pure functions of the configuration and the core count, so that the plan for a 64- or
// 256-core machine can be worked out (and tested) on any machine.

import type { PlanEstimate } from '../results/schema.js';
import type { Faults } from '../drivers/fault-link.js';
import type { Side } from '../drivers/workload-contract.js';
import { type Dispatch, dispatchLabel } from '../parallel/dispatch.js';
import { configKey } from '../results/rows.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { type LockDesign, lockScopeOf } from '../parallel/lock-designs.js';
import { cryptoPrimitives, isGatewaySpec, isIpsecSpec } from '../stacks/spec.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { OptionError } from './args.js';
import { type LoadSpec, ppsOf } from './load-spec.js';
import type { ClpPolicy } from '../parallel/parallel-run.js';
import { OPEN_LOOP_WARMUP_MS } from '../parallel/open-loop.js';
import { type BenchConfig, MAX_CONNECTIONS, MAX_THREADS, type Mode, faultsAsked } from './config.js';

export interface Configuration {
  stack: string;
  side: Side;
  crypto: CryptoProviderName;
  mode: Mode;
  workers: number;
  connections: number;
  /** CLP only: how connections map to threads. */
  clp?: ClpPolicy;
  /** PLP only: what TCP's lock covers (the design's scope, kept for the rows that name it). */
  tcpLockScope?: TcpLockScope;
  /** PLP only: the lock design (--lock). */
  lockDesign?: LockDesign;
  /** Gateway stacks: how packets reach the workers. */
  dispatch?: Dispatch;
  /** A lossy wire (any fault asked for): this configuration's loss probability, 0 to 0.5. */
  loss?: number;
  /** Gateway stacks: the packet size of their own (IPsec's frame size; 0 for a screen's mixed sizes) instead of --packet-size. */
  packetSize?: number;
  /** An open loop (--load): packets a second offered, in all (for --load auto, set once the closed loop measured saturation). */
  offeredPps?: number;
  /** --load auto: the offered load as a share of the closed loop's throughput (saturation) of the same configuration. */
  loadFraction?: number;
}

export function configurations(config: BenchConfig): Configuration[] {
  const out: Configuration[] = [];
  for (const crypto of config.cryptos) {
    for (const stack of config.stacks) {
      if (isGatewaySpec(stack)) {
        // A packet screen uses no crypto provider: measured once, under the first.
        if (isIpsecSpec(stack) || crypto === config.cryptos[0]) out.push(...gatewayConfigurations(config, stack, crypto));
        continue;
      }
      for (const side of config.sides) {
        for (const mode of config.modes) {
          const connectionCounts = mode === 'plp' ? [1] : mode === 'clp' ? clpConnections(config) : (config.connections ?? [1]);
          for (const connections of connectionCounts) {
            if (mode === 'plp') {
              for (const workers of config.workers)
                for (const lockDesign of config.locks)
                  out.push({ stack, side, crypto, mode, workers, connections, tcpLockScope: lockScopeOf(lockDesign), lockDesign });
            } else if (mode === 'clp') {
              for (const clp of config.clp) {
                if (clp === 'thread-per-connection' && connections > config.threadLimit) continue; // (threadLimitNote)
                const workerCounts = clp === 'thread-per-connection' ? [connections] : config.workers;
                for (const workers of workerCounts) out.push({ stack, side, crypto, mode, workers, connections, clp });
              }
            } else out.push({ stack, side, crypto, mode, workers: 1, connections });
          }
        }
      }
    }
  }
  // A lossy wire: every connection configuration once per loss probability.
  if (faultsAsked(config)) return out.flatMap((c) => (isGatewaySpec(c.stack) ? [c] : config.losses.map((loss) => ({ ...c, loss }))));
  // An open loop: every connection configuration again at each offered load, after all the closed
  // loop's (a share of saturation is known once its closed-loop twin has run: runner.ts).
  return [
    ...out,
    ...config.loads.flatMap((load) => out.filter((c) => !isGatewaySpec(c.stack)).map((c) => atLoad(c, load, config.packetSize))),
  ];
}

/** `c` offered `load` open-loop (a share of saturation: its packets a second are set when its closed loop has run). */
function atLoad(c: Configuration, load: LoadSpec, packetSize: number): Configuration {
  const pps = ppsOf(load, c.packetSize ?? packetSize);
  if (pps !== null) return { ...c, offeredPps: Math.round(pps) };
  return { ...c, loadFraction: (load as { fraction: number }).fraction };
}

/**
 * A gateway stack's configurations: each side it has (a screen only receives), each frame size
 * (IPsec; a screen's traffic mix has its own sizes, written as packet size 0), each dispatch policy
 * and unit, each worker count.
 */
function gatewayConfigurations(config: BenchConfig, stack: string, crypto: CryptoProviderName): Configuration[] {
  const out: Configuration[] = [];
  const ipsec = isIpsecSpec(stack);
  for (const side of ipsec ? config.sides : (['recv'] as const)) {
    for (const packetSize of ipsec ? config.frameSizes : [0]) {
      for (const policy of config.dispatches) {
        for (const unit of config.dispatchUnits) {
          if (policy === 'shared' && unit === 'session') continue; // the shared queue knows no sessions
          for (const workers of config.workers)
            out.push({
              stack,
              side,
              crypto,
              mode: 'plp',
              workers,
              connections: 1,
              packetSize,
              dispatch: { policy, unit, hashField: config.hashField },
            });
        }
      }
    }
  }
  return out;
}

export interface MeasurementGroup {
  /** Measured in interleaved slices (every stack but the gateways, which run whole windows). */
  interleaved: boolean;
  members: Configuration[];
}

/**
 * Configurations measured together. A gateway's speedup divides throughput at N workers by
 * throughput at 1, so their runs take turns (run 1 at each worker count, then run 2, …). Every
 * other stack's configurations of one side and crypto provider form one interleaved group; when
 * several connection counts are swept, each count is a group of its own, so that a run does not
 * keep the threads of every count alive at once (thread-per-connection at 12 … 384 would be 756).
 * Thread-per-connection is a group of its own too: its threads, parked, slowed the slices of the
 * other policy beside them (processor-per-connection at 48 connections measured 32 900 Mbit/s with
 * 48 parked threads alive and 54 000 alone; at 384, 3 200 against 43 700), so its ratio to the
 * other policy comes from the runs' means, not from slices in alternation.
 */
export function measurementGroups(configs: readonly Configuration[]): MeasurementGroup[] {
  const counts = new Set(configs.filter((c) => c.mode !== 'plp').map((c) => c.connections));
  const byCount = counts.size > 1;
  const key = (c: Configuration) =>
    c.dispatch === undefined
      ? `${c.stack}|${c.side}|${c.crypto}${byCount ? `|${c.connections}` : ''}${c.clp === 'thread-per-connection' ? '|tpc' : ''}` +
        loadKey(c)
      : configKey({ ...configFields(c, 0), workers: 0 });
  const groups = new Map<string, MeasurementGroup>();
  for (const c of configs) {
    const k = key(c);
    const group = groups.get(k);
    if (group !== undefined) group.members.push(c);
    else groups.set(k, { interleaved: c.dispatch === undefined, members: [c] });
  }
  return [...groups.values()];
}

/** An open loop's load, for its group's key: each load a group of its own, its members compared at that load ('' for the closed loop). */
function loadKey(c: Configuration): string {
  return c.loadFraction !== undefined ? `|load=${c.loadFraction}x` : c.offeredPps !== undefined ? `|load=${c.offeredPps}pps` : '';
}

/** The fields that identify a configuration's rows. */
export function configFields(c: Configuration, packetSize: number) {
  const { dispatch, ...rest } = c;
  return { ...rest, packetSize: c.packetSize ?? packetSize, ...(dispatch !== undefined ? { dispatch: dispatchLabel(dispatch) } : {}) };
}

/**
 * Memory maps one busy worker thread adds to the process (its heap's spaces, its stacks): measured
 * here, 22 121 maps with 395 threads alive (bench:fig11's thread-per-connection at 384).
 */
const MAPS_PER_THREAD = 56;

/**
 * The most threads one run may keep alive: MAX_THREADS, or fewer where the kernel's limit on a
 * process's memory maps (vm.max_map_count, 65 530 by default) runs out first, half of it kept free
 * for the heaps to grow into (1 000 threads of 56 maps each stopped a run: "Committing semi space
 * failed"). Read from /proc; MAX_THREADS where it cannot be.
 */
export function threadLimit(maxMapCount = readMaxMapCount()): number {
  return maxMapCount === null ? MAX_THREADS : Math.min(MAX_THREADS, Math.floor(maxMapCount / (2 * MAPS_PER_THREAD)));
}

/** What sets a thread limit below MAX_THREADS, in words ('' at MAX_THREADS). */
function threadLimitWhy(threads: number): string {
  return threads >= MAX_THREADS
    ? ''
    : ` (vm.max_map_count leaves room for about that many threads of ${MAPS_PER_THREAD} memory maps, half kept free)`;
}

function readMaxMapCount(): number | null {
  try {
    const value = Number(fs.readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim());
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/**
 * Thread-per-connection runs a thread for each connection, threadLimit() at most: the counts above
 * it run processor-per-connection only. Answers the sentence that says so, or null when none is left
 * out; throws OptionError when thread-per-connection is all --clp asks for.
 */
export function threadLimitNote(config: Pick<BenchConfig, 'modes' | 'clp' | 'connections' | 'workers' | 'threadLimit'>): string | null {
  if (!config.modes.includes('clp') || !config.clp.includes('thread-per-connection')) return null;
  const limit = { threads: config.threadLimit, why: threadLimitWhy(config.threadLimit) };
  const beyond = clpConnections(config).filter((n) => n > limit.threads);
  if (beyond.length === 0) return null;
  if (!config.clp.includes('processor-per-connection'))
    throw new OptionError(
      `--connections: thread-per-connection runs a thread a connection, at most ${limit.threads}${limit.why}; ${beyond.join(', ')} ` +
        `would need more (processor-per-connection holds up to ${MAX_CONNECTIONS}: --clp processor-per-connection)`,
    );
  return (
    `thread-per-connection stops at ${limit.threads} threads${limit.why}: ${beyond.join(', ')} connections run ` +
    'processor-per-connection only'
  );
}

/** CLP's default connection count: the paper's 12, or more when more workers are swept. */
const CLP_DEFAULT_CONNECTIONS = 12;

/** The connection counts CLP runs: --connections, or the paper's 12 raised to the most workers swept. */
export function clpConnections(config: Pick<BenchConfig, 'connections' | 'workers'>): number[] {
  return config.connections ?? [Math.max(CLP_DEFAULT_CONNECTIONS, ...config.workers)];
}

/** The default worker sweep: 1, 2, 4, … below the cores, and the core count. */
export function defaultWorkerSweep(cores: number): number[] {
  const sweep: number[] = [];
  for (let n = 1; n < cores; n *= 2) sweep.push(n);
  sweep.push(cores);
  return sweep;
}

/**
 * CPU seconds it takes to start one worker thread (a V8 isolate, our modules loaded): measured on
 * the 2-vCPU development machine, 2 to 192 threads took 40–46 ms each, both cores busy.
 */
const THREAD_START_CPU_SECONDS = 0.085;

/**
 * Wall seconds a configuration's run costs beyond its warm-up, slices and thread starts (opening
 * and ending the session, the warm-up's last check, joining its threads): measured on a 2-vCPU AMD
 * EPYC, the default run took 202 s against the 172 s the other parts add up to (0.23 s for each of
 * its 128 configuration runs), and two stacks × 4 configurations × 3 runs took 3.4-4.3 s more than
 * them (0.14-0.18 s each) whether its slices were 25, 50 or 100 ms: a cost per run, not per slice.
 */
const RUN_OVERHEAD_SECONDS = 0.2;

export type { PlanEstimate };

/** How long the runs asked for take (the precision target may add runs, up to the budget). */
export function estimatePlan(config: BenchConfig): PlanEstimate {
  const groups = measurementGroups(configurations(config));
  let warmup = 0;
  let slices = 0;
  let starts = 0;
  let peakThreads = 0;
  let peakConnections = 0;
  for (const g of groups) {
    const threads = g.members.reduce((sum, c) => sum + (c.mode === 'single' ? 0 : c.workers), 0);
    peakThreads = Math.max(peakThreads, g.interleaved ? threads : Math.max(...g.members.map((c) => c.workers)));
    const connections = g.members.map((c) => (c.mode === 'clp' ? c.connections : 1));
    peakConnections = Math.max(peakConnections, g.interleaved ? connections.reduce((a, b) => a + b, 0) : Math.max(...connections));
    starts += (threads * THREAD_START_CPU_SECONDS) / Math.max(1, Math.min(config.cores, threads));
    // Warm-up by work: at least --warmup, and until every thread has had --warmup-cpu on a core.
    for (const c of g.members) {
      const n = c.mode === 'single' ? 1 : c.workers;
      warmup += Math.max(config.warmupSeconds, (n * config.warmupCpuSeconds) / Math.min(config.cores, n));
      // An open loop warms up on its schedule too (parallel/open-loop.ts).
      if (c.offeredPps !== undefined || c.loadFraction !== undefined) warmup += OPEN_LOOP_WARMUP_MS / 1000;
    }
    // An interleaved group's window is its rounds: a slice of each member and primitive each.
    const primitives = g.interleaved ? 1 + cryptoPrimitives(g.members[0]!.stack).length : 0;
    slices += (g.members.length + primitives) * config.durationSeconds;
  }
  const runs = config.runs;
  const overhead = groups.reduce((n, g) => n + g.members.length, 0) * RUN_OVERHEAD_SECONDS;
  return {
    configurations: groups.reduce((n, g) => n + g.members.length, 0),
    groups: groups.length,
    runs,
    peakThreads,
    peakConnections,
    seconds: runs * (warmup + slices + starts + overhead),
    warmupSeconds: runs * warmup,
    sliceSeconds: runs * slices,
    threadStartSeconds: runs * starts,
    runOverheadSeconds: runs * overhead,
  };
}

/**
 * Resident memory one worker thread costs, in MiB, besides its connections: an idle piscina thread
 * measured 12.4–14.1 MB (npm run bench:fig11, the process's RSS against the threads alive).
 */
export const THREAD_MEMORY_MIB = 14;
/**
 * Resident memory one connection costs at its window's end, both ends and the application's data,
 * in KiB: the busiest stack's measured figure (CONNECTION_MEMORY_NOTE), rounded up.
 */
export const CONNECTION_MEMORY_KIB = 160;

/** Why the threads and connections one run keeps alive would not fit in this machine's memory (three quarters of it), or null. */
export function threadMemoryProblem(config: BenchConfig, totalBytes = os.totalmem()): string | null {
  const { peakThreads: threads, peakConnections: connections } = estimatePlan(config);
  const connectionsMiB = (connections * CONNECTION_MEMORY_KIB) / 1024;
  const needMiB = threads * THREAD_MEMORY_MIB + connectionsMiB;
  const allowMiB = (0.75 * totalBytes) / 1048576;
  if (needMiB <= allowMiB) return null;
  const most = Math.floor((allowMiB - connectionsMiB) / THREAD_MEMORY_MIB);
  return (
    `--workers/--connections: one run keeps ${threads} threads and ${connections} connections alive, about ` +
    `${(needMiB / 1024).toFixed(1)} GiB at ${THREAD_MEMORY_MIB} MiB a thread and ${CONNECTION_MEMORY_KIB} KiB a ` +
    `connection, more than three quarters of this machine's ${(totalBytes / 2 ** 30).toFixed(1)} GiB: allowed up to ` +
    `about ${Math.max(0, most)} threads at once (fewer connections, or one connection count a run)`
  );
}

/** The least a window may be fitted down to: four rounds of slices. */
const MIN_WINDOW_SLICES = 4;
/** The fewest runs a fitted plan keeps: two give an interval (a wide one). */
const MIN_FITTED_RUNS = 2;

/**
 * Fits the plan into `budgetSeconds`: shorter windows (fewer pairs) down to four rounds, then fewer
 * worker counts (1 and the most are kept, the ones between thinned), then fewer runs down to two.
 * Answers the fitted configuration and what was changed, in words; throws OptionError when even the
 * smallest plan does not fit.
 */
export function fitPlan(config: BenchConfig, budgetSeconds: number): { config: BenchConfig; changes: string[] } {
  // With a precision target the budget also holds the runs it adds: the plan gets two thirds of it.
  const room = config.targetCiPercent !== null ? budgetSeconds / 1.5 : budgetSeconds;
  const fits = (c: BenchConfig) => estimatePlan(c).seconds <= room;
  if (fits(config)) return { config, changes: [] };
  const changes: string[] = [];
  let fitted = { ...config };
  const floor = Math.min(config.durationSeconds, MIN_WINDOW_SLICES * config.sliceSeconds);
  const atFloor = { ...fitted, durationSeconds: floor };
  if (fits(atFloor)) {
    // The longest window that fits: the estimate is linear in it.
    const a = estimatePlan(atFloor).seconds;
    const b = estimatePlan(fitted).seconds;
    const window = floor + ((config.durationSeconds - floor) * (room - a)) / (b - a);
    fitted = { ...fitted, durationSeconds: Math.max(floor, Math.floor(window * 1000) / 1000) };
  } else fitted = atFloor;
  if (fitted.durationSeconds !== config.durationSeconds)
    changes.push(`window ${seconds(config.durationSeconds)} → ${seconds(fitted.durationSeconds)} (fewer pairs)`);
  while (!fits(fitted) && fitted.workers.length > 2) fitted = { ...fitted, workers: thinned(fitted.workers) };
  if (fitted.workers.length !== config.workers.length) changes.push(`workers ${config.workers.join(',')} → ${fitted.workers.join(',')}`);
  while (!fits(fitted) && fitted.runs > MIN_FITTED_RUNS) fitted = { ...fitted, runs: fitted.runs - 1 };
  if (fitted.runs !== config.runs) changes.push(`runs ${config.runs} → ${fitted.runs}`);
  if (!fits(fitted)) {
    const least = estimatePlan(fitted).seconds * (budgetSeconds / room);
    throw new OptionError(
      `--budget ${seconds(budgetSeconds)} is too short for these stacks and modes: the smallest plan ` +
        `(${fitted.workers.length} worker counts, ${fitted.runs} runs of ${seconds(fitted.durationSeconds)}) ` +
        `takes about ${seconds(least)}; give more, or fewer --stacks or --side`,
    );
  }
  return { config: fitted, changes };
}

/** Every other worker count between the first and the last dropped (1,2,4,8,16 → 1,4,16). */
export function thinned(workers: readonly number[]): number[] {
  const last = workers.length - 1;
  return workers.filter((_, i) => i === 0 || i === last || i % 2 === 0);
}

/** A duration for people: 450ms, 2.5s, 3m 05s, 1h 02m. */
export function seconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 2 : 1))}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The plan in one line, printed before any work. */
export function planLine(config: BenchConfig, estimate: PlanEstimate, changes: readonly string[]): string {
  const parts = [
    `warm-ups ${seconds(estimate.warmupSeconds)}`,
    `windows ${seconds(estimate.sliceSeconds)}`,
    `thread starts ${seconds(estimate.threadStartSeconds)}`,
    `set-up and ends ${seconds(estimate.runOverheadSeconds)}`,
  ];
  const extra =
    config.targetCiPercent !== null
      ? `; the ±${config.targetCiPercent}% target may add runs, up to ${seconds(config.budgetSeconds ?? 1.5 * estimate.seconds)} in all`
      : '';
  const fitted =
    changes.length > 0
      ? `; to fit${config.budgetSeconds !== null ? ` --budget ${seconds(config.budgetSeconds)}` : ''}: ${changes.join(', ')}`
      : '';
  return (
    `plan: ${estimate.configurations} configurations × ${estimate.runs} runs on ${config.cores} cores ` +
    `(workers ${config.workers.join(',')}, up to ${estimate.peakThreads} threads at once) ≈ ` +
    `${seconds(estimate.seconds)} (${parts.join(', ')})${extra}${fitted}`
  );
}

/** The lossy wire of configuration `c` in the run seeded `seed` (undefined: a perfect wire). */
export function faultsFor(c: Configuration, config: BenchConfig, seed: number): Faults | undefined {
  if (c.loss === undefined) return undefined;
  return { loss: c.loss, duplicate: config.duplicate, reorder: config.reorder, corrupt: config.corrupt, seed };
}
