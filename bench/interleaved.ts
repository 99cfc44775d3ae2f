// Interleaved measurement of one group: the configurations of a stack, side and crypto provider
// (every mode, worker count and lock scope) and the primitives their same-run ratios divide by.
// Each run opens every configuration afresh (new worker threads, a new seed) and warms it up, then
// takes rounds: one slice of each member, in an order drawn at random each round, while the others
// are parked. A ratio of two members is taken round by round, and its interval from the runs
// (results/paired-ratios.ts): the machine's drift falls on both sides of a pair alike, and what
// stays with one set of threads for a run (their JIT's luck, where the scheduler put them) varies
// from run to run, so the runs show it.

import { performance } from 'node:perf_hooks';
import { Prng } from '../drivers/prng.js';
import type { ParallelEngine } from '../parallel/engine.js';
import type { ConfigurationTask } from '../parallel/parallel-run.js';
import type { SliceFigures } from '../parallel/sliced-session.js';
import { WorkerFailure } from '../parallel/worker-failure.js';
import type { SliceGroup, SliceSeries } from '../results/paired-ratios.js';
import { configKey } from '../results/rows.js';
import type { Msg } from '../stacks/message.js';
import { calibrationKey, keepSink, sampleMbps } from './calibration.js';
import type { BenchConfig } from './config.js';
import type { Primitive } from './primitives.js';
import type { FailedConfiguration, Measurement } from './measurement.js';
import { type Configuration, configFields, faultsFor } from './plan.js';
import { SingleSession } from './single-session.js';

export interface GroupOutcome {
  measured: Map<Configuration, Measurement[]>;
  failures: FailedConfiguration[];
  slices: SliceGroup;
  stopped: boolean;
  /** The members still measured (a failed one is dropped); how long the last run took is slices.runSeconds. */
  live: Member[];
}

export interface GroupContext {
  stopRequested: () => boolean;
  /** Told where the group is (cheap; called after each slice). */
  progress: (label: string, run: number, phase: 'warm-up' | 'steady') => void;
  label: (c: Configuration) => string;
  failed: (failure: FailedConfiguration) => void;
}

/** One run of one member: warm up, slices, end of run, then its figures. */
export interface Session {
  warm(): Promise<boolean>;
  slice(ms: number): Promise<SliceFigures | null>;
  endRun(): Promise<boolean>;
  /** The run's figures (none when it did not end); the threads are let go. */
  close(): Promise<Measurement[]>;
  /** Ctrl-C: parked workers leave. */
  stop(): void;
}

/** One side of the alternation: a configuration (of this code or, for `ab`, of another) and how to open a run of it. */
export interface Member {
  config: Configuration;
  /** Its series' key: the configKey, with a suffix where two members share a configuration. */
  key: string;
  open(run: number): Session;
}

/** The task a parallel configuration's workers run (run k's seed is seed + k - 1). */
export function configurationTask(c: Configuration, config: BenchConfig, run = 1): ConfigurationTask {
  return {
    spec: c.stack,
    side: c.side,
    packetSize: c.packetSize ?? config.packetSize,
    crypto: c.crypto,
    verify: config.verify,
    tcpLockScope: c.tcpLockScope ?? 'state',
    lockDesign: c.lockDesign ?? 'state',
    ...(c.loss !== undefined ? { faults: faultsFor(c, config, (config.seed + run - 1) >>> 0)!, minRtoMs: config.minRtoMs } : {}),
    runs: 1,
    seed: (config.seed + run - 1) >>> 0,
    warmupSeconds: config.warmupSeconds,
    warmupCpuMs: config.warmupCpuSeconds * 1000,
    durationSeconds: config.durationSeconds,
    mode: c.mode as 'clp' | 'plp',
    // An open loop: the offered load, shared evenly by the workers.
    ...(c.offeredPps !== undefined ? { packetsPerSecond: c.offeredPps / c.workers } : {}),
  };
}

/** A run of `c` on `engine` (a pool of its own), or on this thread for a single-thread configuration. */
export function openRun(
  c: Configuration,
  config: BenchConfig,
  run: number,
  engine: Pick<ParallelEngine, 'open'>,
  Single: typeof SingleSession,
  stopRequested: () => boolean,
  tap: ((frame: Msg) => void) | null = null,
): Session {
  if (c.mode === 'single') return new Single(c, config, run, stopRequested, run === 1 ? tap : null);
  const session = engine.open(configurationTask(c, config, run), c.workers, c.connections);
  return {
    warm: () => session.warm(),
    slice: (ms) => session.slice(ms),
    endRun: () => session.endRun(),
    stop: () => session.stop(),
    close: async () =>
      (await session.close()).map((r) => ({
        ...r,
        fairness: c.mode === 'clp' ? r.fairness : null,
        perConnectionMbps: c.mode === 'clp' ? r.perConnectionMbps : null,
      })),
  };
}

/** The members of a group of this code's configurations. */
export function groupMembers(
  group: readonly Configuration[],
  config: BenchConfig,
  engine: ParallelEngine,
  stopRequested: () => boolean,
  tap: ((c: Configuration, frame: Msg) => void) | null,
): Member[] {
  return group.map((c) => ({
    config: c,
    key: configKey(configFields(c, config.packetSize)),
    open: (run) => openRun(c, config, run, engine, SingleSession, stopRequested, tap ? (f) => tap(c, f) : null),
  }));
}

/**
 * Measures `members` (one stack, side and crypto) with `primitives` in interleaved slices: `runs`
 * more runs, added to `resume` (the group's earlier runs) when given.
 */
/** Shuffles `items` in place (Fisher–Yates) with `order`'s numbers, and answers them. */
function shuffled<T>(order: Prng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = order.below(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export async function measureInterleaved(
  members: readonly Member[],
  primitives: readonly Primitive[],
  config: BenchConfig,
  ctx: GroupContext,
  runs: number,
  resume?: GroupOutcome,
): Promise<GroupOutcome> {
  const outcome = resume ?? newOutcome(members, primitives, config);
  const { slices, measured, failures } = outcome;
  const series = new Map(slices.series.map((s) => [s.key, s]));
  const firstRun = lastRun(outcome) + 1;
  const order = new Prng((config.seed ^ 0x5eed ^ Math.imul(firstRun, 0x9e3779b9)) >>> 0);
  const shuffle = <T>(items: T[]): T[] => shuffled(order, items);

  for (let run = firstRun; run < firstRun + runs && !outcome.stopped && outcome.live.length > 0; run++) {
    const runStart = performance.now();
    const sessions = new Map<Member, Session>();
    /** Runs one step of a member; a worker's failure ends that member (under --verify, everything). */
    const step = async <T>(m: Member, work: (s: Session) => Promise<T>): Promise<T | null> => {
      try {
        return await work(sessions.get(m)!);
      } catch (err) {
        if (!(err instanceof WorkerFailure) || config.verify) throw err;
        const failure: FailedConfiguration = { ...m.config, error: err.message, endedAfterMs: err.endedAfterMs };
        failures.push(failure);
        ctx.failed(failure);
        outcome.live = outcome.live.filter((x) => x !== m);
        measured.delete(m.config);
        sessions.delete(m);
        return null;
      }
    };
    let stopped = false;
    // Opened and warmed in random order: no member is always the first or the last to start.
    for (const m of shuffle([...outcome.live])) {
      sessions.set(m, m.open(run));
      ctx.progress(ctx.label(m.config), run, 'warm-up');
      if ((await step(m, (s) => s.warm())) === false || ctx.stopRequested()) {
        stopped = true;
        break;
      }
    }
    const rounds = Math.max(1, Math.round(config.durationSeconds / (slices.sliceMs / 1000)));
    for (let r = 0; r < rounds && !stopped; r++) {
      const round = slices.rounds++;
      slices.runOfRound.push(run);
      for (const s of series.values()) s.mbps.push(null);
      for (const item of shuffle<Member | Primitive>([...outcome.live, ...primitives])) {
        if ('open' in item) {
          if (!sessions.has(item)) continue;
          const figures = await step(item, (s) => s.slice(slices.sliceMs));
          if (figures === null) {
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
      // A slice on this thread never leaves it: once a round, signals and the progress line get their turn.
      await new Promise((resolve) => setImmediate(resolve));
      if (ctx.stopRequested()) stopped = true;
    }
    for (const m of [...sessions.keys()]) {
      if (stopped) sessions.get(m)!.stop();
      else await step(m, (s) => s.endRun());
    }
    for (const m of [...sessions.keys()]) {
      const ended = await step(m, (s) => s.close());
      if (ended !== null) measured.get(m.config)?.push(...ended);
    }
    outcome.stopped = stopped;
    outcome.slices.runSeconds = Math.round(performance.now() - runStart) / 1000;
  }
  keepSink();
  return outcome;
}

function newOutcome(members: readonly Member[], primitives: readonly Primitive[], config: BenchConfig): GroupOutcome {
  const first = members[0]!.config;
  const series: SliceSeries[] = [
    ...members.map((m) => ({ key: m.key, config: configFields(m.config, config.packetSize), mbps: [] })),
    ...primitives.map((p) => ({ key: calibrationKey(p.name, p.crypto), mbps: [] })),
  ];
  return {
    measured: new Map(members.map((m) => [m.config, []])),
    failures: [],
    slices: { stack: first.stack, side: first.side, crypto: first.crypto, sliceMs: sliceMs(config), rounds: 0, runOfRound: [], series },
    stopped: false,
    live: [...members],
  };
}

/** The number of the last run a group measured (0 before its first). */
export function lastRun(outcome: GroupOutcome): number {
  return outcome.slices.runOfRound[outcome.slices.runOfRound.length - 1] ?? 0;
}

/** The most runs a precision target may add up to. */
export const MAX_RUNS = 1000;

/** The slice length in ms: --slice, but no longer than the steady window. */
export function sliceMs(config: BenchConfig): number {
  return Math.min(config.sliceSeconds, config.durationSeconds) * 1000;
}
