// The rows a benchmark writes: one per run (results.csv and results.json "runs") and one per
// configuration (results.json "summary"). Field names are a contract read by other tools.

import { round } from './round.js';
import { type LatencyFigures, mergeLatencyFigures } from './latency.js';
import type { RunCpu } from '../parallel/thread-cpu.js';
import { speedupOf } from './speedup.js';
import { mean, median, summarize } from './stats.js';

/** What identifies a configuration: the runs of one are summarized together. */
export interface ConfigFields {
  stack: string;
  side: 'send' | 'recv';
  mode: string;
  workers: number;
  connections: number;
  packetSize: number;
  crypto: string;
  /** PLP only: what TCP's lock covers (state or segment). */
  tcpLockScope?: string;
  /** PLP only: the lock design (state, segment, ticket, backlog, batch; --lock). Files from before it have tcpLockScope alone. */
  lockDesign?: string;
  /** Gateway stacks (packet screen): the dispatch policy, e.g. flat-hash(checksum), rr/session, shared. */
  dispatch?: string;
  /** CLP: thread-per-connection or processor-per-connection. */
  clp?: string;
  /** A lossy wire (--loss, --duplicate, --reorder, --corrupt): the probability a frame was lost, 0 to 0.5. */
  loss?: number;
  /** An open loop (--load): packets a second offered, over all workers. */
  offeredPps?: number;
  /** --load auto: the offered load as a share of the same configuration's closed-loop throughput. */
  loadFraction?: number;
}

export interface RunRow extends ConfigFields {
  run: number;
  seconds: number;
  packets: number;
  bytes: number;
  throughputMbps: number;
  usPerPacket: number;
}

/** The CSV columns, in order. */
export const RUN_COLUMNS: readonly (keyof RunRow)[] = [
  'stack',
  'side',
  'mode',
  'workers',
  'connections',
  'packetSize',
  'crypto',
  'run',
  'seconds',
  'packets',
  'bytes',
  'throughputMbps',
  'usPerPacket',
];

/** open-loop.csv's columns (--load): a run row's, with the load offered (loadFraction empty where packets a second were given). */
export const OPEN_LOOP_COLUMNS: readonly (keyof RunRow)[] = [...RUN_COLUMNS, 'offeredPps', 'loadFraction'];

/** What results.json adds to a run row. */
export interface RunDetail extends RunRow {
  seed: number;
  drops: Record<string, number>;
  digestMismatchesIgnored: number;
  dataErrors: number;
  /** False when the run broke a rule: a drop, a data error, or conservation. */
  valid: boolean;
  /** What broke conservation at the end of the run (offered ≠ delivered + dropped + queued, or the TCP ends disagree). */
  conservation?: string;
  /** Derived from every byte the drivers consumed: shows the work was done, not optimised away. */
  observed: number;
  /** More workers than cores. */
  oversubscribed: boolean;
  /** Receive side: share of packets that reached TCP out of order (and went through reassembly). */
  outOfOrderShare?: number;
  /**
   * TCP stacks: segments the data sender sent again over the window (all, by fast retransmit or
   * partial ACK, by timeout), zero-window probes, and its congestion window at the end (bytes).
   */
  retransmits?: number;
  fastRetransmits?: number;
  timeouts?: number;
  probes?: number;
  cwnd?: number;
  /** A lossy wire: frames it lost, sent twice, held back and corrupted, both ways. */
  wireFaults?: { lost: number; duplicated: number; reordered: number; corrupted: number };
  /** Memory at the start and end of the steady window (MB): heap used (all threads' heaps) and the process's RSS. */
  memory?: MemoryUse;
  /** CLP: the policy, Jain's fairness index over the connections, and each connection's Mbit/s. */
  clp?: string;
  fairness?: number | null;
  perConnectionMbps?: number[];
  /** Gateway stacks: what the screen decided, how the load fell on the workers, what selection cost. */
  gateway?: GatewayRun;
  /** --kill-worker / --heartbeat: throughput and loss before, during and after the crash. */
  crash?: CrashReport;
  /** Each thread's CPU time over the window (on-CPU and run-queue wait), added up: utilisation, µs per packet. */
  cpu?: RunCpu;
  /** Sampled packets' latency through the stack (results/latency.ts): one packet in about 32 timed (drivers/latency-sampler.ts). */
  latency?: LatencyFigures;
  /** PLP: the connection's TCP lock over the steady window, all workers together. */
  lock?: {
    acquisitions: number;
    contended: number;
    meanWaitUs: number;
    meanHoldUs: number;
    /** Time the lock was held ÷ the window: the serial fraction the lock imposes. */
    heldFraction: number;
    /** Time workers spent waiting for it ÷ their total time. */
    waitFraction: number;
  };
}

export interface GatewayRun {
  /** Packets the workers processed, per second (throughputMbps counts their IP bytes). */
  packetsPerSecond: number;
  passed: number;
  blocked: number;
  /** Packets each worker processed. */
  perWorker: number[];
  /**
   * The busiest worker's load ÷ the mean load, by IP bytes and by packets (1 = even). A worker's
   * load is its share of the packets it received (every worker receives every packet, except
   * under shared dispatch, where its load is what it claimed).
   */
  loadMaxMean: number;
  loadMaxMeanPackets: number;
  /** µs per packet to receive a packet and select it away (Benecke's Bsel), mean over workers. */
  selectUs: number;
  /** IPsec receive side: packets the 64-packet anti-replay window refused (delayed past it by parallel processing). */
  replayDropped?: number;
}

export interface CrashPhase {
  seconds: number;
  /** Thousand packets processed per second, all workers together. */
  kpps: number;
  /** Packets lost ÷ packets offered, as a survivor saw them. */
  lossShare: number;
}

export interface CrashReport {
  worker: number;
  atSeconds: number;
  heartbeatMs: number | null;
  /** From the crash: when a survivor proposed the new membership, and when the last survivor switched. */
  detectedAfterMs: number | null;
  reconfiguredAfterMs: number | null;
  /** Benecke's Pcrash: with static selection about 1/n of the packets are lost after a crash. */
  expectedLossShare: number;
  before: CrashPhase | null;
  during: CrashPhase | null;
  after: CrashPhase | null;
  timeline: { t: number; kpps: number; lossShare: number }[];
}

export interface SummaryRow extends ConfigFields {
  meanMbps: number;
  /** The 90% confidence interval of the mean (Student t); null with fewer than two runs. */
  ci90Low: number | null;
  ci90High: number | null;
  /** µs per packet at the mean throughput. */
  usPerPacket: number;
  runs: number;
  /**
   * throughput ÷ the same configuration's at 1 worker, with the propagated 90% error; null without
   * one (the interval null when either has one run).
   */
  speedup: number | null;
  speedupLow: number | null;
  speedupHigh: number | null;
  oversubscribed: boolean;
  /** CLP: mean Jain fairness index over runs. */
  fairness?: number;
  /** CLP: the process's resident set at the window's end, MB (the most over runs; the group's threads alive). */
  rssEndMB?: number;
  /**
   * CLP swept over connections: how much the resident set grew per connection from the fewest
   * connections of the same stack, side and policy to these, KiB (both ends of a connection).
   */
  connectionKiB?: number;
  /** PLP: mean fraction of the window the TCP lock was held, and of workers' time spent waiting for it. */
  lockHeldFraction?: number;
  lockWaitFraction?: number;
  /** PLP: mean share of lock acquisitions that found it held. */
  lockContendedShare?: number;
  /** Sampled packets' latency through the stack, the runs' histograms added. */
  latency?: LatencyFigures;
  /** Receive side: mean share of packets that reached TCP out of order. */
  outOfOrderShare?: number;
  /** TCP stacks: segments sent again ÷ packets, timeouts per run and the congestion window at the end (bytes), means over runs. */
  retransmitShare?: number;
  timeoutsPerRun?: number;
  cwnd?: number;
  /** CPU accounting, pooled over runs: threads busy (Σ on-CPU ÷ window), on-CPU µs per packet; the mean run-queue wait share. */
  busyThreads?: number;
  cpuUsPerPacket?: number;
  runQueueShare?: number;
  /**
   * The speedup decomposed (workers > 1): threads busy at N ÷ at 1, and CPU cost per packet at 1
   * ÷ at N. Their product is the ratio of the pooled packet rates (usPerPacket at 1 ÷ at N).
   */
  busyRatio?: number;
  costRatio?: number;
  /** Per thread CPU µs per packet, medians over threads and runs: cold (first warm-up packets), at the window's start and at its end. */
  threadColdUs?: number;
  threadStartUs?: number;
  threadEndUs?: number;
  /**
   * Throughput ÷ the same run's plain checksum pass (RFC 1071 over the packet), with the 90%
   * error propagated: a figure that means something across machines (calibration).
   */
  checksumRatio?: number;
  /** Null when the row or the checksum pass has a single sample (no interval). */
  checksumRatioLow?: number | null;
  checksumRatioHigh?: number | null;
  /** The primitive that dominates the stack (3des, des, md5), and throughput ÷ its raw throughput. */
  primitive?: string;
  primitiveRatio?: number;
  primitiveRatioLow?: number | null;
  primitiveRatioHigh?: number | null;
  /**
   * Interleaved measurement: the rounds of slices the row's ratios (speedup, checksumRatio,
   * primitiveRatio) were paired over, and how their intervals were made. Absent where the ratios
   * come from the runs' means (gateway stacks), their error propagated.
   */
  pairs?: number;
  method?: string;
  /** Gateway stacks: means over runs of the run fields of the same names. */
  packetsPerSecond?: number;
  loadMaxMean?: number;
  loadMaxMeanPackets?: number;
  selectUs?: number;
  /** Passed ÷ (passed + blocked). */
  passedShare?: number;
  /** IPsec receive side: packets the anti-replay window refused ÷ packets processed. */
  replayDropShare?: number;
}

export interface MemoryUse {
  heapStartMB: number;
  heapEndMB: number;
  rssStartMB: number;
  rssEndMB: number;
  /** Steady windows of 10 s or more: heap and RSS every twentieth of the window. */
  trace?: { seconds: number; heapMB: number; rssMB: number }[];
}

/** The raw throughput of a primitive, timed before and after the stack runs of the same command. */
export interface CalibrationRow {
  primitive: string;
  /** Null for the checksum (the project's own code). */
  crypto: string | null;
  meanMbps: number;
  ci90Low: number | null;
  ci90High: number | null;
  samples: number;
}

/** A TCP configuration's retransmission figures over its runs (none when its runs carry none). */
function transmissionSummary(group: readonly Partial<RunDetail>[]): Partial<SummaryRow> {
  const tcp = group.filter((r) => typeof r.retransmits === 'number');
  if (tcp.length === 0) return {};
  const packets = tcp.reduce((s, r) => s + (r.packets ?? 0), 0);
  return {
    retransmitShare: round(packets > 0 ? tcp.reduce((s, r) => s + r.retransmits!, 0) / packets : 0),
    timeoutsPerRun: round(mean(tcp.map((r) => r.timeouts ?? 0))),
    cwnd: Math.round(mean(tcp.map((r) => r.cwnd ?? 0))),
  };
}

/** The rows measured on a perfect wire (no loss asked, or 0): the lossy ones have a table of their own. */
/** A PLP row's lock design (a file from before --lock names only the scope, which was the design); undefined for other modes. */
export function lockDesignOf(r: Pick<ConfigFields, 'lockDesign' | 'tcpLockScope'>): string | undefined {
  return r.lockDesign ?? r.tcpLockScope;
}

/** Whether a row is PLP under a lock design other than the paper's (state). */
export function otherLock(r: Pick<ConfigFields, 'mode' | 'lockDesign' | 'tcpLockScope'>): boolean {
  return r.mode === 'plp' && (lockDesignOf(r) ?? 'state') !== 'state';
}

export function perfectWire<T extends ConfigFields>(rows: readonly T[]): T[] {
  return rows.filter((r) => !(r.loss !== undefined && r.loss > 0));
}

/** Identifies a configuration across runs and files (what --compare matches rows by). */
export function configKey(r: ConfigFields): string {
  // The lock design takes the place of the scope: state and segment keep the keys they always had.
  const key = [r.stack, r.side, r.mode, r.workers, r.connections, r.packetSize, r.crypto, r.lockDesign ?? r.tcpLockScope ?? ''].join('|');
  // Processor-per-connection (the default) keeps the key it always had.
  const policy = r.mode === 'clp' && r.clp === 'thread-per-connection' ? '|thread-per-connection' : '';
  // A lossy wire's configurations carry their loss; the rest keep the key they always had.
  const loss = r.loss === undefined ? '' : `|loss=${r.loss}`;
  // An open loop's configurations carry their load (a share of saturation, or packets a second).
  const load = r.loadFraction !== undefined ? `|load=${r.loadFraction}x` : r.offeredPps !== undefined ? `|load=${r.offeredPps}pps` : '';
  return (r.dispatch === undefined ? key : `${key}|${r.dispatch}`) + policy + loss + load;
}

/** One summary row per stack × side × mode × workers × connections (× packet size × crypto). */
export function summarizeRuns(rows: readonly (RunRow & Partial<RunDetail>)[]): SummaryRow[] {
  return withConnectionGrowth(summaryRows(rows));
}

/** CLP rows swept over connections: the resident set's growth per connection from the fewest (connectionKiB). */
function withConnectionGrowth(rows: SummaryRow[]): SummaryRow[] {
  const line = (s: SummaryRow) =>
    `${s.stack}|${s.side}|${s.crypto}|${s.packetSize}|${s.clp}|${s.clp === 'thread-per-connection' ? '' : s.workers}`;
  const fewest = new Map<string, SummaryRow>();
  for (const s of rows) {
    if (s.mode !== 'clp' || s.rssEndMB === undefined || s.loss !== undefined) continue;
    const f = fewest.get(line(s));
    if (f === undefined || s.connections < f.connections) fewest.set(line(s), s);
  }
  for (const s of rows) {
    const f = s.mode === 'clp' && s.loss === undefined ? fewest.get(line(s)) : undefined;
    if (f === undefined || s.rssEndMB === undefined || s.connections === f.connections) continue;
    s.connectionKiB = round(((s.rssEndMB - f.rssEndMB!) * 1000 * 1000) / 1024 / (s.connections - f.connections));
  }
  return rows;
}

function summaryRows(rows: readonly (RunRow & Partial<RunDetail>)[]): SummaryRow[] {
  const groups = new Map<string, (RunRow & Partial<RunDetail>)[]>();
  for (const row of rows) {
    const key = configKey(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const stats = new Map<string, ReturnType<typeof summarize>>();
  for (const [key, group] of groups) stats.set(key, summarize(group.map((r) => r.throughputMbps)));
  return [...groups.entries()].map(([key, group]) => {
    const first = group[0]!;
    const s = stats.get(key)!;
    const packets = group.reduce((sum, r) => sum + r.packets, 0);
    const seconds = group.reduce((sum, r) => sum + r.seconds, 0);
    // (An open loop's throughput is what was offered: no speedup.)
    const base = first.offeredPps === undefined ? stats.get(configKey({ ...first, workers: 1 })) : undefined;
    const speedup =
      base !== undefined && group.length > 0
        ? speedupOf({ mean: s.mean, halfWidth: s.halfWidth }, { mean: base.mean, halfWidth: base.halfWidth })
        : null;
    const extra: Partial<SummaryRow> = {};
    const fairness = group.map((r) => r.fairness).filter((f): f is number => typeof f === 'number');
    if (fairness.length > 0) extra.fairness = round(mean(fairness));
    const rss = group.map((r) => r.memory?.rssEndMB).filter((m): m is number => typeof m === 'number');
    if (first.mode === 'clp' && rss.length > 0) extra.rssEndMB = round(Math.max(...rss));
    const outOfOrder = group.map((r) => r.outOfOrderShare).filter((x): x is number => typeof x === 'number');
    if (outOfOrder.length > 0) extra.outOfOrderShare = round(mean(outOfOrder));
    Object.assign(extra, transmissionSummary(group));
    const gateways = group.map((r) => r.gateway).filter((g) => g !== undefined);
    if (gateways.length > 0) {
      extra.packetsPerSecond = round(mean(gateways.map((g) => g.packetsPerSecond)));
      extra.loadMaxMean = round(mean(gateways.map((g) => g.loadMaxMean)));
      extra.loadMaxMeanPackets = round(mean(gateways.map((g) => g.loadMaxMeanPackets)));
      extra.selectUs = round(mean(gateways.map((g) => g.selectUs)));
      const decided = gateways.reduce((s, g) => s + g.passed + g.blocked, 0);
      if (decided > 0) extra.passedShare = round(gateways.reduce((s, g) => s + g.passed, 0) / decided);
      const replay = gateways.filter((g) => g.replayDropped !== undefined);
      if (replay.length > 0)
        extra.replayDropShare = round(
          replay.reduce((s, g) => s + g.replayDropped!, 0) /
            group.filter((r) => r.gateway?.replayDropped !== undefined).reduce((s, r) => s + r.packets, 0),
        );
    }
    Object.assign(extra, cpuSummary(group, groups.get(configKey({ ...first, workers: 1 })), first.workers));
    const latency = mergeLatencyFigures(group.map((r) => r.latency).filter((l) => l !== undefined));
    if (latency !== null) extra.latency = latency;
    const locks = group.map((r) => r.lock).filter((l) => l !== undefined);
    if (locks.length > 0) {
      extra.lockHeldFraction = round(mean(locks.map((l) => l.heldFraction)));
      extra.lockWaitFraction = round(mean(locks.map((l) => l.waitFraction)));
      extra.lockContendedShare = round(mean(locks.map((l) => (l.acquisitions > 0 ? l.contended / l.acquisitions : 0))));
    }
    return {
      stack: first.stack,
      side: first.side,
      mode: first.mode,
      workers: first.workers,
      connections: first.connections,
      packetSize: first.packetSize,
      crypto: first.crypto,
      ...(first.tcpLockScope !== undefined ? { tcpLockScope: first.tcpLockScope } : {}),
      ...(first.lockDesign !== undefined ? { lockDesign: first.lockDesign } : {}),
      ...(first.dispatch !== undefined ? { dispatch: first.dispatch } : {}),
      ...(first.clp !== undefined ? { clp: first.clp } : {}),
      ...(first.loss !== undefined ? { loss: first.loss } : {}),
      ...(first.offeredPps !== undefined ? { offeredPps: first.offeredPps } : {}),
      ...(first.loadFraction !== undefined ? { loadFraction: first.loadFraction } : {}),
      meanMbps: round(s.mean),
      ci90Low: Number.isFinite(s.low) ? round(s.low) : null,
      ci90High: Number.isFinite(s.high) ? round(s.high) : null,
      usPerPacket: round((seconds * 1e6) / packets),
      runs: group.length,
      speedup: speedup && round(speedup.speedup),
      speedupLow: speedup && speedup.speedupLow !== null ? round(speedup.speedupLow) : null,
      speedupHigh: speedup && speedup.speedupHigh !== null ? round(speedup.speedupHigh) : null,
      oversubscribed: group.some((r) => r.oversubscribed === true),
      ...extra,
    };
  });
}

/** The CPU accounting of a summary row, and its speedup's decomposition against the row at 1 worker. */
function cpuSummary(
  group: readonly Partial<RunDetail>[],
  atOne: readonly Partial<RunDetail>[] | undefined,
  workers: number,
): Partial<SummaryRow> {
  // Pooled over runs (as usPerPacket is): busy ÷ cost is then packets ÷ seconds exactly.
  const figures = (rows: readonly Partial<RunDetail>[]) => {
    const known = rows.filter(
      (r) => r.cpu !== undefined && r.cpu.busyThreads !== null && r.seconds !== undefined && r.packets !== undefined,
    );
    if (known.length === 0) return null;
    const seconds = known.reduce((s, r) => s + r.seconds!, 0);
    const cpuSeconds = known.reduce((s, r) => s + r.cpu!.busyThreads! * r.seconds!, 0);
    const shares = known.map((r) => r.cpu!.runQueueShare).filter((x) => x !== null);
    return {
      busy: cpuSeconds / seconds,
      cost: (cpuSeconds * 1e6) / known.reduce((s, r) => s + r.packets!, 0),
      runQueue: shares.length > 0 ? mean(shares) : null,
      cpu: known.map((r) => r.cpu!),
    };
  };
  const mine = figures(group);
  if (mine === null) return {};
  const perThread = (pick: (c: RunCpu) => (number | null)[]) => median(mine.cpu.flatMap((c) => pick(c)).filter((x) => x !== null));
  const out: Partial<SummaryRow> = {
    busyThreads: round(mine.busy),
    cpuUsPerPacket: round(mine.cost),
    ...(mine.runQueue !== null ? { runQueueShare: round(mine.runQueue) } : {}),
  };
  for (const [field, pick] of [
    ['threadColdUs', (c: RunCpu) => c.coldUs],
    ['threadStartUs', (c: RunCpu) => c.startUs],
    ['threadEndUs', (c: RunCpu) => c.endUs],
  ] as const) {
    const m = perThread(pick);
    if (m !== null) out[field] = round(m);
  }
  const one = atOne !== undefined && workers > 1 ? figures(atOne) : null;
  if (one !== null) {
    out.busyRatio = round(mine.busy / one.busy);
    out.costRatio = round(one.cost / mine.cost);
  }
  return out;
}

export { round };
