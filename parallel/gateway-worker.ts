// A gateway worker's own work (packet screen, IPsec gateway): where its stream comes from and which
// packets it keeps under the dispatch policy, its steady window when a worker crashes (with or
// without the heartbeat's reconfiguration), its selection cost, and its figures for a run.

import {
  type GatewayCounters,
  type GatewayWorkload,
  LocalCursor,
  type PacketOwner,
  type SharedSa,
  type StreamCursor,
} from '../drivers/gateway.js';
import { CounterBlock } from '../stacks/counter-block.js';
import { ReplayWindow } from '../stacks/replay-window.js';
import { CrashBoard, type CrashPlan, memberList } from './crash.js';
import { type Dispatch, ReplicatedSelector, SharedCursor } from './dispatch.js';
import { AtomicsMutex } from './mutex.js';
import { MAX_BATCH, SharedRun, batchFor, sharedNow } from './shared-run.js';

/** What the gateway functions need of a worker's task. */
export interface GatewayTask {
  dispatch?: Dispatch;
  workers: number;
  buffer: SharedArrayBuffer;
}

export interface CrashRunResult {
  /** Shared-clock ms; 0 when it did not happen. */
  steadyStart: number;
  crashedAt: number;
  detectedAt: number;
  /** When the last survivor switched to the new membership. */
  switchedAt: number;
  bucketMs: number;
  /** Packets processed per bucket, per worker; offered and lost as one survivor saw them. */
  perWorker: number[][];
  offered: number[];
  lost: number[];
}

/** A gateway worker's figures for one run: its counts in the steady window and its selection cost. */
export interface GatewayRunResult extends GatewayCounters {
  /** µs per packet to receive a packet and decide it is another worker's (timed after the window). */
  selectUs: number;
}

/** How long a gateway worker times selection alone after each steady window. */
const SELECTION_TIMING_MS = 100;

/** Sleeps the crashed worker in short steps until `until` (or the run is stopped). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepUntil(run: SharedRun, until: number): void {
  for (let now = sharedNow(); now < until && !run.stopped; now = sharedNow()) Atomics.wait(sleeper, 0, 0, Math.min(50, until - now));
}

/**
 * A gateway's steady window with a crash plan: the planned worker stops at its moment; with a
 * heartbeat, every worker beats every period, and one that hears nothing from a member for three
 * periods proposes the membership without it. Each worker's packets, and the packets one survivor
 * (the counter) saw offered and lost, go to the board's timeline.
 */
export function driveGateway(
  run: SharedRun,
  workload: GatewayWorkload,
  selector: ReplicatedSelector | null,
  board: CrashBoard,
  plan: CrashPlan,
  me: number,
  steadyStart: number,
  until: number,
  /** Told the packets so far after each batch (the progress line). */
  progress: (packets: number, now: number) => void,
): { packets: number; bytes: number } {
  const counter = me === (plan.worker === 0 ? 1 : 0);
  const crashAt = me === plan.worker ? steadyStart + plan.atSeconds * 1000 : Infinity;
  const heartbeat = plan.heartbeatMs;
  let packets = 0;
  let bytes = 0;
  let batch = 1;
  let seenEpoch = 0;
  let lastBeat = 0;
  let pendingSwitch = Infinity;
  let now = sharedNow();
  const started = now;
  while (now < until && !run.stopped) {
    if (now >= crashAt) {
      board.crash(me, now);
      sleepUntil(run, until);
      break;
    }
    if (heartbeat !== null) {
      if (now - lastBeat >= heartbeat) {
        board.beat(me, now);
        lastBeat = now;
      }
      const members = board.members;
      for (let w = 0; w < board.workers; w++) {
        if (w !== me && ((members >>> w) & 1) !== 0 && now - board.lastBeat(w) > 3 * heartbeat) board.propose(members & ~(1 << w), now);
      }
    }
    const epoch = board.epoch;
    if (epoch !== seenEpoch) {
      seenEpoch = epoch;
      pendingSwitch = board.switchAt;
      selector?.reconfigure(memberList(board.members, board.workers), pendingSwitch);
    }
    if (counter) workload.crashedMask = board.crashedMask;
    const kept = workload.kept;
    const lost = workload.lost;
    bytes += workload.run(batch);
    packets += batch;
    now = sharedNow();
    board.publishPosition(me, workload.seen);
    if (workload.seen >= pendingSwitch) {
      board.markSwitched(me, now);
      pendingSwitch = Infinity;
    }
    board.add(me, now, steadyStart, workload.kept - kept);
    if (counter) {
      board.add(board.offeredSeries, now, steadyStart, batch);
      board.add(board.lostSeries, now, steadyStart, workload.lost - lost);
    }
    batch = batchFor(((now - started) * 1000) / packets);
    progress(packets, now);
  }
  return { packets, bytes };
}

/** Where a gateway worker's stream comes from and which packets it keeps, under its dispatch policy. */
export function gatewayDispatch(
  task: GatewayTask,
  me: number,
): { owner: PacketOwner; cursor: StreamCursor; sa: SharedSa | null; selector: ReplicatedSelector | null } {
  const dispatch = task.dispatch!;
  if (dispatch.policy === 'shared') {
    const at = SharedRun.extraOffset(task.workers);
    const sa: SharedSa = {
      sequence: new CounterBlock(task.buffer, at + 64),
      window: new ReplayWindow(task.buffer, at + 128),
      lock: new AtomicsMutex(task.buffer, at + 192),
    };
    return { owner: { keep: () => me >= 0 }, cursor: new SharedCursor(new Int32Array(task.buffer, at, 1), 0), sa, selector: null };
  }
  const selector = new ReplicatedSelector(dispatch, task.workers, me);
  return { owner: selector, cursor: new LocalCursor(), sa: null, selector };
}

/** µs per packet to receive packets and decide they are not this worker's: the selection cost (Benecke's Bsel). */
export function timeSelection(task: GatewayTask, workload: GatewayWorkload): number {
  const { owner, cursor } = gatewayDispatch(task, -1);
  let packets = 0;
  const start = performance.now();
  let now = start;
  while (now - start < SELECTION_TIMING_MS) {
    workload.runWith(owner, cursor, MAX_BATCH);
    packets += MAX_BATCH;
    now = performance.now();
  }
  return ((now - start) * 1000) / packets;
}

export function crashResult(board: CrashBoard, steadyStart: number): CrashRunResult {
  const series = (k: number) => Array.from(board.timeline.subarray(k * board.buckets, (k + 1) * board.buckets));
  let switchedAt = 0;
  for (let w = 0; w < board.workers; w++) switchedAt = Math.max(switchedAt, board.switchedAt(w));
  return {
    steadyStart,
    crashedAt: board.crashedAt,
    detectedAt: board.detectedAt,
    switchedAt,
    bucketMs: board.bucketMs,
    perWorker: Array.from({ length: board.workers }, (_, w) => series(w)),
    offered: series(board.offeredSeries),
    lost: series(board.lostSeries),
  };
}

export function gatewayDelta(after: GatewayCounters, before: GatewayCounters): GatewayCounters {
  return {
    seen: after.seen - before.seen,
    seenBytes: after.seenBytes - before.seenBytes,
    kept: after.kept - before.kept,
    keptBytes: after.keptBytes - before.keptBytes,
    passed: after.passed - before.passed,
    blocked: after.blocked - before.blocked,
  };
}
