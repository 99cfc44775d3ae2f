// Runs the configurations: for each stack × side × crypto provider, `runs` runs (more for a
// precision target), each with a new seed: build the drivers, warm up (excluded), then measure the
// steady window on the wall clock, in slices taken in turn with the group's other configurations
// (interleaved.ts), or whole for gateway stacks.

import { latencyFigures } from '../results/latency.js';
import { calibrateConfiguration, calibrationPass, calibrationPrimitives, calibrationRows } from './calibration.js';
import { performance } from 'node:perf_hooks';
import { createWorkload } from '../drivers/workload.js';
import { describeDrops } from '../stacks/drops.js';
import { enforcementFor } from '../drivers/workload-contract.js';
import type { Enforcement } from '../drivers/workload-contract.js';
import { ParallelEngine, WorkerFailure } from '../parallel/engine.js';
import type { Msg } from '../stacks/message.js';
import {
  type CalibrationRow,
  type CrashPhase,
  type CrashReport,
  type RunDetail,
  configKey,
  lockDesignOf,
  otherLock,
  round,
} from '../results/rows.js';
import type { WorkerTask } from '../parallel/worker.js';
import type { BenchConfig } from './config.js';
import type { FailedConfiguration, Measurement } from './measurement.js';
import { type Configuration, configFields, configurations, estimatePlan, measurementGroups } from './plan.js';

import { dispatchLabel } from '../parallel/dispatch.js';
import { cryptoPrimitives, isIpsecSpec, isTcpSpec, stackShape } from '../stacks/spec.js';
import type { Transmission } from '../drivers/transmission.js';
import type { Primitive } from './primitives.js';
import { type SliceGroup, pairedRatios } from '../results/paired-ratios.js';
import {
  type GroupContext,
  type GroupOutcome,
  MAX_RUNS,
  type Member,
  configurationTask,
  groupMembers,
  lastRun,
  measureInterleaved,
} from './interleaved.js';
import type { CrashRunResult, GatewayRunResult } from '../parallel/gateway-worker.js';

export interface RunnerHooks {
  /** Called often while measuring (cheap): what runs and how far along it is. */
  progress(status: ProgressStatus): void;
  /** True once the user asked to stop (Ctrl-C): the run under way is abandoned. */
  stopRequested(): boolean;
  /** Sees frames of the first run of each configuration (pcap). */
  tap?: (config: Configuration, frame: Msg) => void;
  /** Called before each gateway configuration starts (its calibration; the others have their primitives in their slices). */
  starting?: (config: Configuration) => void;
  /** Told at once when a configuration fails (the run goes on with the next). */
  failed?: (failure: FailedConfiguration) => void;
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
  failures: FailedConfiguration[];
  /** The primitives' raw throughput, timed before and after the stack runs (see calibration.ts). */
  calibration: CalibrationRow[];
  /** The same, timed just before each gateway configuration (by configKey): what its ratios divide by. */
  calibrationByConfiguration: Map<string, CalibrationRow[]>;
  /** Every configuration but the gateways', measured in interleaved slices: each group's Mbit/s round by round. */
  slices: SliceGroup[];
  /** --load: the open loop's runs, one row each (their offered load named), apart from the closed loop's. */
  openLoopRows: RunDetail[];
  /** Seconds the runs asked for took (before a precision target's added runs): what the plan estimated. */
  plannedPassSeconds: number;
}

type StackOutcome = Omit<BenchOutcome, 'calibration' | 'calibrationByConfiguration'>;
type FinishedRows = Pick<StackOutcome, 'rows' | 'enforcement' | 'incomplete'>;

export async function runBenchmarks(config: BenchConfig, hooks: RunnerHooks): Promise<BenchOutcome> {
  const primitives = calibrationPrimitives(config.stacks, config.cryptos, config.packetSize);
  const samples = new Map<string, number[]>();
  calibrationPass(primitives, config.packetSize, samples);
  const byConfiguration = new Map<string, CalibrationRow[]>();
  const outcome = await runStacks(config, primitives, {
    ...hooks,
    starting: (c) =>
      byConfiguration.set(
        configKey(configFields(c, config.packetSize)),
        calibrateConfiguration(primitives, c.stack, c.crypto, config.packetSize),
      ),
  });
  if (!outcome.incomplete) calibrationPass(primitives, config.packetSize, samples);
  return { ...outcome, calibration: calibrationRows(primitives, samples), calibrationByConfiguration: byConfiguration };
}

/** The primitives a group's same-run ratios divide by: the checksum pass and every crypto primitive of its stack. */
function groupPrimitives(primitives: readonly Primitive[], c: Configuration): Primitive[] {
  const used: string[] = cryptoPrimitives(c.stack);
  return primitives.filter((p) => p.name === 'checksum' || (used.includes(p.name) && p.crypto === c.crypto));
}

async function runStacks(config: BenchConfig, primitives: readonly Primitive[], hooks: RunnerHooks): Promise<StackOutcome> {
  const configs = configurations(config);
  const started = performance.now();
  const planned = estimatePlan(config).seconds;
  const deadline = started + (config.budgetSeconds ?? 1.5 * planned) * 1000;
  const rows: RunDetail[] = [];
  const enforcement: (Enforcement & Configuration)[] = [];
  const failures: FailedConfiguration[] = [];
  const slices: SliceGroup[] = [];
  const engine = new ParallelEngine();
  const labelOf = (c: Configuration): string => {
    const how = c.dispatch !== undefined ? dispatchLabel(c.dispatch) : `${c.mode}${otherLock(c) ? `/${lockDesignOf(c)}` : ''}`;
    const load =
      c.loadFraction !== undefined ? ` @${Math.round(c.loadFraction * 100)}%` : c.offeredPps !== undefined ? ` @${c.offeredPps} pkt/s` : '';
    const workers = c.mode === 'single' ? '' : ` ×${c.workers}`;
    return `${c.stack} ${c.side} ${how}${workers}${c.dispatch !== undefined ? '' : ` [${c.crypto}]`}${load}`;
  };
  const progress = (label: string, run: number, phase: ProgressStatus['phase']) =>
    hooks.progress({ label, run, runs: config.runs, phase, elapsed: (performance.now() - started) / 1000, planned });
  const ctx: GroupContext = { stopRequested: hooks.stopRequested, progress, label: labelOf, failed: (f) => hooks.failed?.(f) };
  try {
    // Each group's figures, kept until the end so that the rows come out in group order.
    const done: { measured: Map<Configuration, Measurement[]>; stopped: boolean }[] = [];
    const sliced: SlicedGroup[] = [];
    let stopped = false;
    const openLoopDone: { measured: Map<Configuration, Measurement[]> }[] = [];
    const openLoopFailures: FailedConfiguration[] = [];
    for (const group of measurementGroups(configs)) {
      const openLoop = group.members.some((c) => c.offeredPps !== undefined || c.loadFraction !== undefined);
      if (openLoop) {
        // Each share of saturation becomes packets a second from its closed-loop twin's throughput.
        const members = group.members.filter((c) => offerShare(c, done) !== null);
        if (members.length === 0) continue;
        const measuredOpen = groupMembers(members, config, engine, hooks.stopRequested, null);
        const outcome = await measureInterleaved(measuredOpen, [], config, ctx, config.runs);
        openLoopDone.push(outcome);
        openLoopFailures.push(...outcome.failures);
        stopped = outcome.stopped;
        if (stopped) break;
        continue;
      }
      for (const c of group.members) enforcement.push({ ...c, ...enforcementFor({ spec: c.stack, side: c.side, verify: config.verify }) });
      for (const c of group.members) if (hooks.tap && c.mode !== 'single') capture(c, config, hooks.tap);
      if (group.interleaved) {
        const members = groupMembers(group.members, config, engine, hooks.stopRequested, hooks.tap ?? null);
        const mine = groupPrimitives(primitives, group.members[0]!);
        const outcome = await measureInterleaved(members, mine, config, ctx, config.runs);
        sliced.push({ members, primitives: mine, outcome });
        done.push(outcome);
      } else done.push(await runWholeWindows(group.members, config, hooks, engine, progress, labelOf, failures));
      stopped = done[done.length - 1]!.stopped;
      if (stopped) break;
    }
    const plannedPassSeconds = (performance.now() - started) / 1000;
    // The precision target: one more run at a time for the group whose ratio is furthest from it,
    // while the budget lasts (runs are independent: a group can take one later).
    const target = config.targetCiPercent;
    while (!stopped && target !== null) {
      const next = groupToWiden(sliced, target);
      if (next === null || performance.now() + (next.outcome.slices.runSeconds ?? 0) * 1000 > deadline) break;
      await measureInterleaved(next.members, next.primitives, config, ctx, 1, next.outcome);
      stopped = next.outcome.stopped;
    }
    for (const g of sliced) {
      failures.push(...g.outcome.failures);
      slices.push(g.outcome.slices);
    }
    for (const d of done) for (const [c, runs] of d.measured) finish(rows, enforcement, c, runs, config, stopped);
    const openLoopRows: RunDetail[] = [];
    for (const d of openLoopDone) for (const [c, runs] of d.measured) finish(openLoopRows, [], c, runs, config, stopped);
    failures.push(...openLoopFailures);
    return { rows, enforcement, incomplete: stopped, failures, slices, plannedPassSeconds, openLoopRows };
  } finally {
    await engine.close();
  }
}

/**
 * An open-loop configuration's offered packets a second: as given, or its share of saturation,
 * the packets a second its closed-loop twin (the same configuration, no load) ran at over its runs.
 * Sets it on `c`; null when the twin has no runs (it failed, or the run stopped).
 */
function offerShare(c: Configuration, closed: readonly { measured: Map<Configuration, Measurement[]> }[]): number | null {
  if (c.offeredPps !== undefined) return c.offeredPps;
  const key = configKey(configFields({ ...c, loadFraction: undefined }, 0));
  for (const d of closed)
    for (const [twin, runs] of d.measured) {
      if (configKey(configFields(twin, 0)) !== key || runs.length === 0) continue;
      const packets = runs.reduce((sum, m) => sum + m.packets, 0);
      const seconds = runs.reduce((sum, m) => sum + m.seconds, 0);
      if (!(packets > 0 && seconds > 0)) return null;
      c.offeredPps = Math.max(1, Math.round((c.loadFraction! * packets) / seconds));
      return c.offeredPps;
    }
  return null;
}

/**
 * Gateway stacks: each run a whole steady window, the worker counts of a configuration taking
 * turns (run 1 at each worker count, then run 2, …) so that drift falls on all alike.
 */
async function runWholeWindows(
  group: readonly Configuration[],
  config: BenchConfig,
  hooks: RunnerHooks,
  engine: ParallelEngine,
  progress: (label: string, run: number, phase: ProgressStatus['phase']) => void,
  labelOf: (c: Configuration) => string,
  failures: FailedConfiguration[],
): Promise<{ measured: Map<Configuration, Measurement[]>; stopped: boolean }> {
  for (const c of group) hooks.starting?.(c);
  const measured = new Map<Configuration, Measurement[]>(group.map((c) => [c, []]));
  let stopped = false;
  for (let run = 1; run <= config.runs && !stopped; run++) {
    for (const c of group) {
      const done = measured.get(c);
      if (done === undefined) continue; // failed earlier
      const label = labelOf(c);
      let runs;
      try {
        runs = await engine.run(
          { ...configurationTask(c, config, run), ...(c.dispatch !== undefined ? { dispatch: c.dispatch } : {}), ...crashTask(c, config) },
          c.workers,
          c.connections,
          (p) => progress(label, run, p.phase === 'steady' ? 'steady' : 'warm-up'),
          hooks.stopRequested,
        );
      } catch (err) {
        // The engine stopped the other workers and dropped the pool; this configuration has no
        // figures, the others are measured on a new pool.
        if (config.verify) throw err;
        failures.push({ ...c, error: (err as Error).message, ...(err instanceof WorkerFailure ? { endedAfterMs: err.endedAfterMs } : {}) });
        hooks.failed?.(failures[failures.length - 1]!);
        measured.delete(c);
        continue;
      }
      if (runs.length === 0) {
        stopped = true;
        break;
      }
      done.push(...runs.map((r) => ({ ...r, fairness: null, perConnectionMbps: null })));
    }
  }
  return { measured, stopped };
}

interface SlicedGroup {
  members: Member[];
  primitives: Primitive[];
  outcome: GroupOutcome;
}

/**
 * The group whose ratio misses `target` by most (null when all meet it): the group the ratio
 * belongs to, or, for one stack's speedup ÷ another's, the one whose own ratios are wider.
 */
function groupToWiden(groups: readonly SlicedGroup[], target: number): SlicedGroup | null {
  const open = groups.filter((g) => g.outcome.live.length > 0 && lastRun(g.outcome) < MAX_RUNS);
  const groupOf = (key: string) => open.find((g) => g.outcome.slices.series.some((s) => s.key === key));
  const widths = new Map(open.map((g) => [g, Math.max(0, ...pairedRatios([g.outcome.slices]).map((r) => r.halfWidthPercent ?? Infinity))]));
  const width = (g: SlicedGroup) => widths.get(g)!;
  let worst: { group: SlicedGroup; miss: number } | null = null;
  for (const r of pairedRatios(
    groups.map((g) => g.outcome.slices),
    target,
  )) {
    if (r.metTarget) continue;
    const candidates = [groupOf(r.of), ...(r.kind === 'speedup-vs-stack' ? [groupOf(r.over)] : [])].filter((g) => g !== undefined);
    const group = candidates.sort((a, b) => width(b) - width(a))[0];
    const miss = r.halfWidthPercent ?? Infinity;
    if (group !== undefined && (worst === null || miss > worst.miss)) worst = { group, miss };
  }
  return worst?.group ?? null;
}

/**
 * Drops TCP recovers from, not faults of the run: on a lossy wire every drop its faults cause
 * (corrupted headers caught at whichever layer, duplicates, segments beyond a hole); on a perfect
 * one, duplicates up to the segments sent again (a spurious fast retransmit when parallel threads
 * reorder segments, as RFC 5681 3.2 expects of reordering). The stream must still arrive whole.
 */
function recovered(reason: string, m: Measurement, c: Configuration): boolean {
  if (c.loss !== undefined) return true;
  return reason === 'tcp-duplicate' && m.transmission !== undefined && (m.drops[reason] ?? 0) <= m.transmission.retransmits;
}

/** Whether run `i` kept every rule: no unexplained drop, no data error, conservation (under --verify, throws when not). */
function validRun(m: Measurement, c: Configuration, config: BenchConfig, i: number): boolean {
  // A gateway's anti-replay window refusing packets that parallel processing delayed past it is the
  // protocol at work, reported (replayDropped), not a fault of the run; --verify still counts it as loss.
  const faults = Object.keys(m.drops).filter(
    (reason) => (c.dispatch === undefined || config.verify || !REPLAY_DROPS.includes(reason)) && !recovered(reason, m, c),
  );
  const valid = faults.length === 0 && m.dataErrors === 0 && m.conservation === null;
  if (!valid && config.verify) {
    throw new VerifyError(
      `${c.stack} ${c.side} ${c.mode} ×${c.workers} run ${i + 1}: ${m.dataErrors} application data errors; ` +
        `drops: ${describeDrops(m.drops)}${m.conservation ? `; conservation: ${m.conservation}` : ''}`,
    );
  }
  return valid;
}

/** Turns measured runs into rows (throwing under --verify when a run broke a rule). */
function finish(
  rows: RunDetail[],
  enforcement: BenchOutcome['enforcement'],
  c: Configuration,
  measured: Measurement[],
  config: BenchConfig,
  incomplete: boolean,
): FinishedRows {
  measured.forEach((m, i) => {
    const valid = validRun(m, c, config, i);
    const row: RunDetail = {
      stack: c.stack,
      side: c.side,
      mode: c.mode,
      workers: c.workers,
      connections: c.connections,
      packetSize: c.packetSize ?? config.packetSize,
      crypto: c.crypto,
      run: i + 1,
      seconds: round(m.seconds),
      packets: m.packets,
      bytes: m.bytes,
      throughputMbps: round((m.bytes * 8) / m.seconds / 1e6),
      usPerPacket: round((m.seconds * 1e6) / m.packets),
      seed: (config.seed + i) >>> 0,
      drops: m.drops,
      digestMismatchesIgnored: m.digestMismatchesIgnored,
      dataErrors: m.dataErrors,
      valid,
      observed: m.observed,
      oversubscribed: c.workers > config.cores,
    };
    const mb = (bytes: number): number => round(bytes / 1048576);
    row.memory = {
      heapStartMB: mb(m.memory.heapStart),
      heapEndMB: mb(m.memory.heapEnd),
      rssStartMB: mb(m.memory.rssStart),
      rssEndMB: mb(m.memory.rssEnd),
    };
    if (m.memory.trace !== undefined)
      row.memory.trace = m.memory.trace.map((p) => ({ seconds: Math.round(p.seconds * 10) / 10, heapMB: mb(p.heap), rssMB: mb(p.rss) }));
    if (c.side === 'recv') row.outOfOrderShare = round(m.packets > 0 ? m.outOfOrder / m.packets : 0);
    if (c.loss !== undefined) row.loss = c.loss;
    if (c.offeredPps !== undefined) row.offeredPps = c.offeredPps;
    if (c.loadFraction !== undefined) row.loadFraction = c.loadFraction;
    if (c.dispatch === undefined && isTcpSpec(c.stack)) Object.assign(row, transmissionFields(m.transmission, c.loss !== undefined));
    if (c.tcpLockScope !== undefined) row.tcpLockScope = c.tcpLockScope;
    if (c.lockDesign !== undefined) row.lockDesign = c.lockDesign;
    if (c.dispatch !== undefined) row.dispatch = dispatchLabel(c.dispatch);
    if (m.gateway !== null) {
      row.gateway = gatewayRun(m.gateway, m.seconds, c.dispatch?.policy === 'shared');
      if (isIpsecSpec(c.stack) && c.side === 'recv')
        row.gateway.replayDropped = REPLAY_DROPS.reduce((sum, reason) => sum + (m.drops[reason] ?? 0), 0);
    }
    if (m.crash) row.crash = crashReport(m.crash, c, config);
    if (m.cpu !== undefined) row.cpu = m.cpu;
    const latency = latencyFigures(m.latency); // (absent from another build's runs under ab)
    if (latency !== null) row.latency = latency;
    if (m.conservation !== null) row.conservation = m.conservation;
    if (c.mode === 'clp') {
      row.clp = c.clp ?? 'processor-per-connection';
      row.fairness = m.fairness === null ? null : round(m.fairness);
      row.perConnectionMbps = (m.perConnectionMbps ?? []).map(round);
    }
    if (m.lock !== null) {
      const busy = m.seconds * 1e9 * c.workers;
      row.lock = {
        acquisitions: m.lock.acquisitions,
        contended: m.lock.contended,
        meanWaitUs: round(m.lock.contended > 0 ? m.lock.waitNs / m.lock.contended / 1000 : 0),
        meanHoldUs: round(m.lock.acquisitions > 0 ? m.lock.holdNs / m.lock.acquisitions / 1000 : 0),
        heldFraction: round(m.lock.holdNs / (m.seconds * 1e9)),
        waitFraction: round(m.lock.waitNs / busy),
      };
    }
    rows.push(row);
  });
  return { rows, enforcement, incomplete };
}

/** A gateway configuration's crash plan for the workers, when --kill-worker or --heartbeat applies to it. */
function crashTask(c: Configuration, config: BenchConfig): { crash?: NonNullable<WorkerTask['crash']> } {
  if (c.dispatch === undefined) return {};
  const kill = config.killWorker !== null && c.workers > config.killWorker.worker ? config.killWorker : null;
  if (kill === null && config.heartbeatMs === null) return {};
  const bucketMs = Math.max(10, (config.durationSeconds * 1000) / 200);
  return {
    crash: {
      worker: kill?.worker ?? -1,
      atSeconds: kill?.atSeconds ?? 0,
      heartbeatMs: config.heartbeatMs,
      bucketMs,
      buckets: Math.ceil((config.durationSeconds * 1000) / bucketMs) + 1,
    },
  };
}

/** Throughput and loss before the crash, until the survivors switched, and after, from the board's buckets. */
function crashReport(r: CrashRunResult, c: Configuration, config: BenchConfig): CrashReport {
  const ms = r.bucketMs;
  const since = (t: number): number | null => (t > 0 ? t - r.steadyStart : null);
  const crashed = since(r.crashedAt);
  const switched = r.switchedAt > 0 && r.switchedAt >= r.crashedAt ? since(r.switchedAt) : null;
  const whole = Math.floor((config.durationSeconds * 1000) / ms); // buckets wholly inside the window
  const processed = (b: number) => r.perWorker.reduce((sum, w) => sum + w[b]!, 0);
  const phase = (inside: (b: number) => boolean): CrashPhase | null => {
    let count = 0;
    let packets = 0;
    let offered = 0;
    let lost = 0;
    for (let b = 0; b < whole; b++) {
      if (!inside(b)) continue;
      count++;
      packets += processed(b);
      offered += r.offered[b]!;
      lost += r.lost[b]!;
    }
    if (count === 0) return null;
    const seconds = (count * ms) / 1000;
    return { seconds: round(seconds), kpps: round(packets / seconds / 1000), lossShare: round(offered > 0 ? lost / offered : 0) };
  };
  const end = (b: number) => (b + 1) * ms;
  const start = (b: number) => b * ms;
  return {
    worker: config.killWorker?.worker ?? -1,
    atSeconds: config.killWorker?.atSeconds ?? 0,
    heartbeatMs: config.heartbeatMs,
    detectedAfterMs: crashed !== null && r.detectedAt > 0 ? round(r.detectedAt - r.crashedAt) : null,
    reconfiguredAfterMs: crashed !== null && switched !== null ? round(switched - crashed) : null,
    expectedLossShare: round(1 / c.workers),
    before: phase((b) => crashed === null || end(b) <= crashed),
    during: crashed === null ? null : phase((b) => start(b) >= crashed && (switched === null || end(b) <= switched)),
    after: crashed === null || switched === null ? null : phase((b) => start(b) >= switched),
    timeline: Array.from({ length: whole }, (_, b) => ({
      t: round((start(b) + ms / 2) / 1000),
      kpps: round(processed(b) / (ms / 1000) / 1000),
      lossShare: round(r.offered[b]! > 0 ? r.lost[b]! / r.offered[b]! : 0),
    })),
  };
}

/** Drops by the IPsec anti-replay window. */
const REPLAY_DROPS = ['esp-replay', 'ah-replay'];

/** A gateway run's figures from its workers' counts. */
function gatewayRun(workers: GatewayRunResult[], seconds: number, shared: boolean): NonNullable<RunDetail['gateway']> {
  // A worker's load: its share of what it received (under shared dispatch, of what all claimed).
  const totalBytes = workers.reduce((s, w) => s + w.keptBytes, 0);
  const totalPackets = workers.reduce((s, w) => s + w.kept, 0);
  const byBytes = workers.map((w) => (shared ? w.keptBytes / totalBytes : w.keptBytes / w.seenBytes));
  const byPackets = workers.map((w) => (shared ? w.kept / totalPackets : w.kept / w.seen));
  const maxMean = (loads: number[]): number => Math.max(...loads) / (loads.reduce((a, b) => a + b, 0) / loads.length);
  return {
    packetsPerSecond: round(totalPackets / seconds),
    passed: workers.reduce((s, w) => s + w.passed, 0),
    blocked: workers.reduce((s, w) => s + w.blocked, 0),
    perWorker: workers.map((w) => w.kept),
    loadMaxMean: round(maxMean(byBytes)),
    loadMaxMeanPackets: round(maxMean(byPackets)),
    selectUs: round(workers.reduce((s, w) => s + w.selectUs, 0) / workers.length),
  };
}

/** For --pcap under plp and clp (whose frames live in the workers): a few hundred packets of the configuration, on this thread. */
function capture(c: Configuration, config: BenchConfig, tap: NonNullable<RunnerHooks['tap']>): void {
  const w = createWorkload({
    spec: c.stack,
    side: c.side,
    packetSize: c.packetSize ?? config.packetSize,
    crypto: c.crypto,
    seed: config.seed,
    verify: config.verify,
    connection: 0,
  });
  w.setTap((frame) => tap(c, frame));
  w.run(stackShape(c.stack).primitives.some((p) => p === 'des' || p === '3des') ? 20 : 500);
}

/** A --verify run found a drop or wrong data. */
export class VerifyError extends Error {
  override name = 'VerifyError';
}

/** A TCP run's retransmission figures for its row (and, on a lossy wire, what the wire did). */
function transmissionFields(t: Transmission | undefined, lossy: boolean): Partial<RunDetail> {
  if (t === undefined || !t.reported) return {}; // no TCP sender reported (a template replay), or another build's run under ab
  const fields: Partial<RunDetail> = {
    retransmits: t.retransmits,
    fastRetransmits: t.fastRetransmits,
    timeouts: t.timeouts,
    probes: t.probes,
    cwnd: t.cwnd,
  };
  if (lossy) fields.wireFaults = { lost: t.linkLost, duplicated: t.linkDuplicated, reordered: t.linkReordered, corrupted: t.linkCorrupted };
  return fields;
}
