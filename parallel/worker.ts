// A pool worker's one long-lived task per configuration: for each run it builds its drivers, meets
// the others at the start barrier, warms up, measures the common steady window and reports through
// shared memory. Packets never cross threads as messages: each worker drives its own connections.
//
// Interleaved measurement (`sliced`): after the warm-up the workers park in Atomics.wait, and the
// steady window is the slices the main thread asks for, while other configurations' workers park.
//
// Connection-level parallelism (CLP): the connections this worker owns, each a private stack, no
// lock on the fast path. Packet-level parallelism (PLP): every worker works on the same connection,
// whose TCP state sits in shared memory under an Atomics mutex; worker 0 opens it each run and the
// others join. A gateway worker's dispatch, crash and selection timing are in gateway-worker.ts.

import type { Faults } from '../drivers/fault-link.js';
import { GatewayWorkload } from '../drivers/gateway.js';
import {
  type CrashRunResult,
  type GatewayRunResult,
  crashResult,
  driveGateway,
  gatewayDelta,
  gatewayDispatch,
  timeSelection,
} from './gateway-worker.js';
import { type SharedConnection, sharedConnection } from '../drivers/shared-connection.js';
import { ARENA_CONNECTIONS, arenasFor } from '../stacks/connection-arena.js';
import { ConnectionTurns } from './connection-turns.js';
import { createWorkload } from '../drivers/workload.js';
import { LatencySampler, OPEN_LOOP_SAMPLE_EVERY, SAMPLE_EVERY } from '../drivers/latency-sampler.js';
import { OPEN_LOOP_WARMUP_MS, OpenLoop } from './open-loop.js';
import { connectionSeed, countsSince } from '../drivers/run-counts.js';
import { type SharedAccount, type Side, type Workload, firstBroken } from '../drivers/workload-contract.js';
import { memoryBetween } from './memory-trace.js';
import type { RunFigures } from './run-figures.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { CounterField } from './counters.js';
import { type Dispatch, GATEWAY_SHARED_BYTES, ReplicatedSelector } from './dispatch.js';
import { CrashBoard, type CrashPlan } from './crash.js';
import { AtomicsMutex, type LockStats, type SampledLock } from './mutex.js';
import { type LockDesign, backlogBatchOf, makeLock } from './lock-designs.js';
import { CpuAccount, ThreadCpu, type ThreadCpuFigures } from './thread-cpu.js';
import { Command, Mark, Phase, SharedRun, sharedNow } from './shared-run.js';
import { type SharedMemory, adoptMemory } from '../stacks/native-memory.js';

export interface WorkerTask {
  buffer: SharedArrayBuffer;
  /** The shared WebAssembly memory whose buffer `buffer` is: copies within it are native (stacks/native-memory.ts). */
  memory?: SharedMemory;
  workers: number;
  index: number;
  spec: string;
  side: Side;
  crypto: CryptoProviderName;
  packetSize: number;
  /** Connection numbers this worker owns. */
  connections: number[];
  runs: number;
  /** Seed of run 1; run k uses seed + k - 1 (and each connection its own stream from it). */
  seed: number;
  warmupSeconds: number;
  /** Warm-up by work: each thread warms up until it has had this much CPU time (and a few packets), however long --warmup is. */
  warmupCpuMs: number;
  durationSeconds: number;
  verify: boolean;
  mode: 'clp' | 'plp';
  tcpLockScope: TcpLockScope;
  /** PLP: the design of the lock over the connection's TCP state. */
  lockDesign: LockDesign;
  /** A lossy wire's faults (the seed is run 1's; run k adds k - 1), or none. */
  faults?: Faults;
  /** TCP's smallest retransmission timeout, ms. */
  minRtoMs?: number;
  /** A gateway stack (packet screen): how packets are dispatched to workers. */
  dispatch?: Dispatch;
  /** Gateway stacks: a worker to crash and the heartbeat that may notice (with the timeline's buckets). */
  crash?: CrashPlan & { buckets: number; bucketMs: number };
  /** An open loop (--load): the packets a second this worker offers, on a fixed schedule (parallel/open-loop.ts); absent: closed loop. */
  packetsPerSecond?: number;
  /**
   * Interleaved measurement: runs start on Command.warm and measure the slices the main thread
   * commands until Command.endRun; `runs` and the durations are then the main thread's to decide.
   */
  sliced?: boolean;
}

/** What the crash board held at the end of a run (worker 0 reports it). */
/** One worker's share of a run: its own connections' figures (under PLP, the lock as this worker used it; memory: this thread's heap). */
export interface WorkerRunResult extends RunFigures {
  /** Shared-clock ms at which this worker stopped measuring. */
  stoppedAt: number;
  /** Bytes per owned connection, in the order of `connections`. */
  perConnection: number[];
  /** PLP: this worker's share of the shared connection's accounting (added up by the engine). */
  account: SharedAccount | null;
  /** This thread's CPU over the window and its warm-up. */
  cpu: ThreadCpuFigures;
  /** Gateway stacks only. */
  gateway: GatewayRunResult | null;
  /** --kill-worker / --heartbeat runs, worker 0 only. */
  crash: CrashRunResult | null;
}

export interface WorkerResult {
  index: number;
  runs: WorkerRunResult[];
  /** Steady-window start of each run (shared clock ms), as the last worker to arrive set it. */
  steadyStarts: number[];
}

const BARRIER_TIMEOUT_MS = 120_000;
/** How often a worker refreshes its heap figure in shared memory (the main thread's memory trace reads it). */
const HEAP_PUBLISH_MS = 250;
let heapPublishedAt = 0;

/** Packets so far, live for the progress line; now and then, this thread's heap used. */
function publishProgress(run: SharedRun, packetsSlot: number, packets: number, now: number): void {
  run.counters.f[packetsSlot] = packets;
  if (now - heapPublishedAt < HEAP_PUBLISH_MS) return;
  heapPublishedAt = now;
  run.counters.f[packetsSlot - CounterField.packets + CounterField.heapUsed] = process.memoryUsage().heapUsed;
}

/**
 * Runs the connections' turns until the shared clock reaches `until`, as fast as they go or (an
 * open loop) on its schedule; answers packets, bytes, per connection.
 */
function driveUntil(
  run: SharedRun,
  turns: ConnectionTurns,
  until: number,
  perConnection: number[] | null,
  slot: number,
  openLoop: OpenLoop | null = null,
): { packets: number; bytes: number } {
  if (sharedNow() >= until || run.stopped) return { packets: 0, bytes: 0 };
  if (openLoop !== null) {
    return openLoop.run(
      (packets) => turns.offer(packets, perConnection),
      (packets) => {
        const now = sharedNow();
        publishProgress(run, slot, packets, now);
        return now >= until || run.stopped;
      },
    );
  }
  return turns.run(perConnection, (packets, now) => {
    publishProgress(run, slot, packets, now);
    return now >= until || run.stopped;
  });
}

/**
 * The warm-up, by work: until the shared clock reaches `until`, this thread has had its share of
 * the CPU (`account.warmedUp`), so that its JIT has settled however many threads share the cores,
 * and every connection has had a turn (a bounded amount of work, however many there are).
 */
function warmUp(run: SharedRun, turns: ConnectionTurns, until: number, minCpuMs: number, account: CpuAccount, slot: number): void {
  account.startWarmup();
  const rounds = turns.rounds;
  turns.run(null, (packets, now) => {
    publishProgress(run, slot, packets, now);
    return run.stopped || (account.warmedUp(packets, minCpuMs) && now >= until && turns.rounds > rounds);
  });
}

/**
 * An open loop's warm-up on its schedule (OPEN_LOOP_WARMUP_MS), after the closed loop's, through
 * the same calls the window makes (driveUntil): other closures or a null `perConnection` there made
 * V8 drop the loop's compiled code again in the window's first slices.
 */
function warmUpOpenLoop(ctx: WorkerContext, turns: ConnectionTurns, packetsPerSecond: number, connections: number): void {
  const loop = new OpenLoop(packetsPerSecond, ctx.sampler, turns.stampsPerPacket);
  const perConnection = new Array<number>(connections).fill(0);
  driveUntil(ctx.shared, turns, sharedNow() + OPEN_LOOP_WARMUP_MS, perConnection, ctx.packetsSlot, loop);
}

/**
 * A fault the robustness tests inject through the environment: XKBENCH_FAULT="throw|exit,worker=K,
 * stack=SPEC,side=SIDE" makes worker K of that configuration throw, or exit its thread, halfway
 * through run 1's steady window. Unset in normal use.
 */
function injectedFault(task: WorkerTask, run: number): 'throw' | 'exit' | null {
  const spec = process.env.XKBENCH_FAULT;
  if (spec === undefined || run !== 1) return null;
  const [kind, ...pairs] = spec.split(',');
  const want = Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
  if (
    (kind !== 'throw' && kind !== 'exit') ||
    Number(want.worker) !== task.index ||
    want.stack !== task.spec ||
    (want.side !== undefined && want.side !== task.side)
  )
    return null;
  return kind;
}

/**
 * A sliced run's steady window: parked between commands, each slice driven until Mark.sliceEnd and
 * its packets, bytes and end published in this worker's counters. Answers the window's totals and
 * the last command's generation when the run ends, or null when stopped.
 */
function measureSlices(
  task: WorkerTask,
  run: number,
  shared: SharedRun,
  turns: ConnectionTurns,
  perConnection: number[],
  seen: number,
  account: CpuAccount,
  openLoop: OpenLoop | null,
): { packets: number; bytes: number; generation: number } | null {
  const slot = (field: number) => shared.counters.at(task.index, field);
  let packets = 0;
  let bytes = 0;
  let fault = injectedFault(task, run);
  for (;;) {
    const next = shared.nextCommand(seen);
    seen = next.generation;
    if (next.kind === Command.endRun) return { packets, bytes, generation: seen };
    if (next.kind !== Command.slice) return null;
    let until = shared.marks[Mark.sliceEnd]!;
    if (fault !== null) until = (shared.marks[Mark.sliceStart]! + until) / 2; // robustness tests: fail halfway through the first slice
    account.startSlice();
    const done = driveUntil(shared, turns, until, perConnection, slot(CounterField.packets), openLoop);
    account.endSlice(done.packets);
    if (fault === 'exit') process.exit(70);
    if (fault === 'throw') throw new Error('injected fault (XKBENCH_FAULT)');
    fault = null;
    packets += done.packets;
    bytes += done.bytes;
    shared.counters.f[slot(CounterField.packets)] = done.packets;
    shared.counters.f[slot(CounterField.bytes)] = done.bytes;
    shared.counters.f[slot(CounterField.sliceStoppedAt)] = sharedNow();
    shared.acknowledge();
  }
}

/** The run's workloads: a gateway node with its dispatch replica, or this worker's connections. */
function buildWorkloads(task: WorkerTask, seed: number, connection: SharedConnection | null, latency: LatencySampler): Built {
  if (task.dispatch !== undefined) {
    const { owner, cursor, sa, selector } = gatewayDispatch(task, task.index);
    const options = { spec: task.spec, side: task.side, packetSize: task.packetSize, crypto: task.crypto, seed, verify: task.verify };
    const workloads = [new GatewayWorkload(options, owner, cursor, sa)];
    return { workloads, turns: new ConnectionTurns(workloads), selector };
  }
  // Connections of this thread's own share arenas (a buffer and a pool of ring pages each).
  const arenas = connection === null ? arenasFor(task.connections.length) : [];
  const workloads = task.connections.map((k, i) =>
    createWorkload(
      {
        spec: task.spec,
        side: task.side,
        packetSize: task.packetSize,
        crypto: task.crypto,
        seed: connectionSeed(seed, k),
        verify: task.verify,
        connection: k,
        tcpLockScope: task.tcpLockScope,
        ...(task.faults !== undefined ? { faults: { ...task.faults, seed: connectionSeed(seed, k) } } : {}),
        ...(task.minRtoMs !== undefined ? { minRtoMs: task.minRtoMs } : {}),
        ...(connection === null ? { arena: arenas[Math.floor(i / ARENA_CONNECTIONS)]! } : {}),
        latency,
      },
      connection,
    ),
  );
  return { workloads, turns: new ConnectionTurns(workloads), selector: null };
}

/** A run's workloads, the turns they take, and (gateways) the dispatch replica. */
interface Built {
  workloads: Workload[];
  turns: ConnectionTurns;
  selector: ReplicatedSelector | null;
}

/** The lock's use between a reading of its stats and now (null without a lock). */
function lockUseSince(lock: SampledLock | null, before: LockStats | null): LockStats | null {
  if (lock === null || before === null) return null;
  const now = lock.stats;
  return {
    acquisitions: now.acquisitions - before.acquisitions,
    contended: now.contended - before.contended,
    waitNs: now.waitNs - before.waitNs,
    holdNs: now.holdNs - before.holdNs,
  };
}

/** This worker's state across runs: the shared run, its PLP connection and lock, the crash board, its CPU account. */
interface WorkerContext {
  task: WorkerTask;
  shared: SharedRun;
  connection: SharedConnection | null;
  lock: SampledLock | null;
  board: CrashBoard | null;
  account: CpuAccount;
  /** This thread's latency sampler, reset as each steady window starts. */
  sampler: LatencySampler;
  packetsSlot: number;
  abandon: () => boolean;
}

function workerContext(task: WorkerTask): WorkerContext {
  // Before any view of the buffer is made: its views' copies are then native.
  if (task.memory !== undefined) adoptMemory(task.memory);
  const shared = new SharedRun(task.buffer, task.workers);
  const context: WorkerContext = {
    task,
    shared,
    connection: null,
    lock: null,
    board: null,
    account: new CpuAccount(new ThreadCpu()), // opened on this thread: it reads this thread's figures
    sampler: new LatencySampler(
      (task.seed ^ (task.index * 0x9e3779b9)) >>> 0,
      task.packetsPerSecond !== undefined ? OPEN_LOOP_SAMPLE_EVERY : SAMPLE_EVERY,
    ),
    packetsSlot: shared.counters.at(task.index, CounterField.packets),
    abandon: () => shared.stopped,
  };
  if (task.mode === 'plp' && task.dispatch === undefined) {
    context.connection = sharedConnection(
      task.buffer,
      SharedRun.extraOffset(task.workers),
      task.index,
      (buffer, at) => {
        // The first is the measured connection's TCP lock, of the design asked for; the peer's and the reorder table's are mutexes.
        const lock = context.lock === null ? makeLock(task.lockDesign, buffer, at) : new AtomicsMutex(buffer, at);
        context.lock ??= lock;
        return lock;
      },
      backlogBatchOf(task.lockDesign),
    );
  }
  if (task.crash !== undefined) {
    const at = SharedRun.extraOffset(task.workers) + GATEWAY_SHARED_BYTES;
    context.board = new CrashBoard(task.buffer, at, task.workers, task.crash.buckets, task.crash.bucketMs);
  }
  return context;
}

/** Builds run `run`'s workloads (the PLP leader's first) and warms them up; null when the run was stopped. */
function prepareRun(ctx: WorkerContext, run: number): Built | null {
  const { task, shared, connection, abandon } = ctx;
  const seed = (task.seed + run - 1) >>> 0;
  let built: Built = { workloads: [], turns: new ConnectionTurns([]), selector: null };
  // PLP: the leader opens the shared connection before the others join it.
  if (connection === null || connection.leader) built = buildWorkloads(task, seed, connection, ctx.sampler);
  if (connection !== null) {
    shared.barrier.arriveAndWait(BARRIER_TIMEOUT_MS, abandon);
    if (shared.stopped) return null;
    if (!connection.leader) built = buildWorkloads(task, seed, connection, ctx.sampler);
  }
  shared.barrier.arriveAndWait(BARRIER_TIMEOUT_MS, abandon, () => {
    shared.marks[Mark.warmupEnd] = sharedNow() + task.warmupSeconds * 1000;
    shared.setProgress(run, Phase.WarmUp);
  });
  if (shared.stopped) return null;
  warmUp(shared, built.turns, shared.marks[Mark.warmupEnd]!, task.warmupCpuMs, ctx.account, ctx.packetsSlot);
  if (task.packetsPerSecond !== undefined) warmUpOpenLoop(ctx, built.turns, task.packetsPerSecond, built.workloads.length);
  shared.barrier.arriveAndWait(BARRIER_TIMEOUT_MS, abandon, () => {
    const now = sharedNow();
    shared.marks[Mark.steadyStart] = now;
    shared.marks[Mark.steadyEnd] = now + task.durationSeconds * 1000;
    ctx.board?.reset(now);
    shared.setProgress(run, Phase.Steady);
  });
  return shared.stopped ? null : built;
}

/** The whole steady window at once (not sliced); an injected fault fails halfway through it. */
function wholeWindow(
  ctx: WorkerContext,
  run: number,
  { workloads, turns, selector }: Built,
  perConnection: number[],
  openLoop: OpenLoop | null,
): { packets: number; bytes: number } {
  const { task, shared, board, account, packetsSlot } = ctx;
  const steadyStart = shared.marks[Mark.steadyStart]!;
  const fault = injectedFault(task, run);
  if (fault !== null) {
    // Robustness tests: fail halfway through the steady window, as a crashing worker would.
    driveUntil(shared, turns, steadyStart + (task.durationSeconds * 1000) / 2, perConnection, packetsSlot);
    if (fault === 'exit') process.exit(70);
    throw new Error('injected fault (XKBENCH_FAULT)');
  }
  const gateway = workloads[0] instanceof GatewayWorkload ? workloads[0] : null;
  account.startSlice();
  const steadyEnd = shared.marks[Mark.steadyEnd]!;
  const done =
    board !== null && gateway !== null
      ? driveGateway(shared, gateway, selector, board, task.crash!, task.index, steadyStart, steadyEnd, (packets, now) =>
          publishProgress(shared, packetsSlot, packets, now),
        )
      : driveUntil(shared, turns, steadyEnd, perConnection, packetsSlot, openLoop);
  account.endSlice(done.packets);
  return done;
}

export default function runWorker(task: WorkerTask): WorkerResult {
  const ctx = workerContext(task);
  const { shared, board, account, abandon } = ctx;
  const result: WorkerResult = { index: task.index, runs: [], steadyStarts: [] };
  let seen = 0; // the last command's generation (sliced)
  for (let run = 1; !shared.stopped; run++) {
    if (task.sliced) {
      const next = shared.nextCommand(seen);
      seen = next.generation;
      if (next.kind !== Command.warm) break;
    } else if (run > task.runs) break;
    const prepared = prepareRun(ctx, run);
    if (prepared === null) break;
    const { workloads } = prepared;
    const steadyStart = shared.marks[Mark.steadyStart]!;
    const memoryStart = process.memoryUsage();
    const before = workloads.map((w) => w.counters());
    const gateway = workloads[0] instanceof GatewayWorkload ? workloads[0] : null;
    const gatewayBefore = gateway?.gatewayCounters() ?? null;
    const lockBefore = ctx.lock?.stats ?? null; // a copy: the getter makes a new object
    ctx.sampler.reset();
    const perConnection = workloads.map(() => 0);
    const openLoop =
      task.packetsPerSecond !== undefined ? new OpenLoop(task.packetsPerSecond, ctx.sampler, prepared.turns.stampsPerPacket) : null;
    let done: { packets: number; bytes: number };
    if (task.sliced) {
      shared.acknowledge(); // warmed up, parked
      const sliced = measureSlices(task, run, shared, prepared.turns, perConnection, seen, account, openLoop);
      if (sliced === null) break;
      seen = sliced.generation;
      done = sliced;
    } else {
      done = wholeWindow(ctx, run, prepared, perConnection, openLoop);
    }
    const stoppedAt = sharedNow();
    const memoryEnd = process.memoryUsage();
    let gatewayResult: GatewayRunResult | null = null;
    if (gateway !== null && gatewayBefore !== null) {
      const counts = gatewayDelta(gateway.gatewayCounters(), gatewayBefore);
      // Every worker times its selection at the same time, after the window (shared: on one counter).
      shared.barrier.arriveAndWait(BARRIER_TIMEOUT_MS, abandon);
      if (shared.stopped) break;
      gatewayResult = { ...counts, selectUs: timeSelection(task, gateway) };
      done.packets = counts.kept;
    }
    // Everyone stops before anyone reads its counters or (PLP) the leader reopens the connection.
    shared.barrier.arriveAndWait(BARRIER_TIMEOUT_MS, abandon);
    if (shared.stopped) break;
    shared.counters.f[shared.counters.at(task.index, CounterField.bytes)] = done.bytes;
    result.runs.push({
      ...done,
      stoppedAt,
      perConnection,
      ...countsSince(workloads, before),
      observed: workloads.reduce((s, w) => (s + w.observed) | 0, 0),
      lock: lockUseSince(ctx.lock, lockBefore),
      conservation: firstBroken(workloads, task.connections),
      account: workloads[0]?.sharedAccount() ?? null,
      memory: memoryBetween(memoryStart, memoryEnd),
      latency: workloads[0] instanceof GatewayWorkload ? null : ctx.sampler.run(),
      cpu: { ...account.figures },
      gateway: gatewayResult,
      crash: board !== null && task.index === 0 ? crashResult(board, steadyStart) : null,
    });
    result.steadyStarts.push(steadyStart);
    if (task.sliced) shared.acknowledge(); // the run's figures are in; parked for the next command
  }
  account.close();
  return result;
}
