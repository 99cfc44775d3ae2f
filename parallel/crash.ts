// Crash and reconfiguration (Benecke §7): a worker stops at a set moment ("crash" failure: it
// processes nothing more and sends no more heartbeats); with static hash selection about 1/n of
// the packets then go to nobody. With heartbeats the survivors notice the silence and divide the
// hash space among themselves. Every replica must switch at the same packet, or a packet would be
// taken twice or by nobody: the survivor that notices first proposes the new membership together
// with a stream position a little ahead of every survivor's, and each survivor switches at exactly
// that position.
//
// The board in shared memory: control words, one cache line per worker (heartbeat time, stream
// position, when it switched), and the timeline: packets each worker processed, and the packets
// offered and lost (as one survivor saw them) in each time bucket of the steady window.

import { MAX_BATCH } from './shared-run.js';

// Int32: crashed mask, epoch, members mask, proposing; Float64 at 16: switch position, at 24: crash
// time, at 32: detection time.
const CONTROL_BYTES = 64;
const LINE = 64;

/** Stream positions a proposal leaves between the survivors and the switch: three batches (a worker publishes its position after each). */
export const SWITCH_MARGIN = 3 * MAX_BATCH;

export interface CrashPlan {
  /** The worker that crashes, and when, in seconds into the steady window. */
  worker: number;
  atSeconds: number;
  /** Heartbeat period (ms); null: static selection, nobody notices. */
  heartbeatMs: number | null;
}

export class CrashBoard {
  private readonly control: Int32Array;
  private readonly times: Float64Array;
  private readonly lines: Float64Array;
  /** Per worker, then offered, then lost: `buckets` Float64 each. */
  readonly timeline: Float64Array;

  static bytes(workers: number, buckets: number): number {
    return CONTROL_BYTES + workers * LINE + (workers + 2) * buckets * 8;
  }

  constructor(
    buffer: SharedArrayBuffer,
    at: number,
    readonly workers: number,
    readonly buckets: number,
    /** Width of a timeline bucket, ms. */
    readonly bucketMs: number,
  ) {
    this.control = new Int32Array(buffer, at, 4);
    this.times = new Float64Array(buffer, at, CONTROL_BYTES / 8);
    this.lines = new Float64Array(buffer, at + CONTROL_BYTES, (workers * LINE) / 8);
    this.timeline = new Float64Array(buffer, at + CONTROL_BYTES + workers * LINE, (workers + 2) * buckets);
  }

  /** Before a run's steady window (one thread, while the others wait at the barrier). */
  reset(now: number): void {
    this.control.fill(0);
    this.times.fill(0, 2);
    Atomics.store(this.control, 2, (1 << this.workers) - 1);
    this.lines.fill(0);
    for (let w = 0; w < this.workers; w++) this.lines[w * 8] = now;
    this.timeline.fill(0);
  }

  get crashedMask(): number {
    return Atomics.load(this.control, 0);
  }

  crash(worker: number, now: number): void {
    this.times[3] = now;
    Atomics.or(this.control, 0, 1 << worker);
  }

  get crashedAt(): number {
    return this.times[3]!;
  }

  beat(worker: number, now: number): void {
    this.lines[worker * 8] = now;
  }

  lastBeat(worker: number): number {
    return this.lines[worker * 8]!;
  }

  publishPosition(worker: number, position: number): void {
    this.lines[worker * 8 + 1] = position;
  }

  switchedAt(worker: number): number {
    return this.lines[worker * 8 + 2]!;
  }

  markSwitched(worker: number, now: number): void {
    this.lines[worker * 8 + 2] = now;
  }

  get epoch(): number {
    return Atomics.load(this.control, 1);
  }

  /** The members (a bit per worker) and the stream position from which they divide the packets. */
  get members(): number {
    return Atomics.load(this.control, 2);
  }

  get switchAt(): number {
    return this.times[2]!;
  }

  get detectedAt(): number {
    return this.times[4]!;
  }

  /**
   * Proposes `members` from a position beyond every member's: answers false when another survivor
   * is proposing at the same moment (it will have seen the same silence).
   */
  propose(members: number, now: number): boolean {
    if (Atomics.compareExchange(this.control, 3, 0, 1) !== 0) return false;
    let furthest = 0;
    for (let w = 0; w < this.workers; w++) if ((members >>> w) & 1) furthest = Math.max(furthest, this.lines[w * 8 + 1]!);
    this.times[2] = furthest + SWITCH_MARGIN;
    this.times[4] = now;
    Atomics.store(this.control, 2, members);
    Atomics.add(this.control, 1, 1); // readers see the new epoch after the fields above
    Atomics.store(this.control, 3, 0);
    return true;
  }

  /** Adds to a worker's (or offered/lost's) count in the bucket of `now`. */
  add(series: number, now: number, steadyStart: number, count: number): void {
    const bucket = Math.min(this.buckets - 1, Math.max(0, Math.floor((now - steadyStart) / this.bucketMs)));
    this.timeline[series * this.buckets + bucket]! += count;
  }

  /** Series numbers of the offered and lost counts. */
  get offeredSeries(): number {
    return this.workers;
  }

  get lostSeries(): number {
    return this.workers + 1;
  }
}

/** Members as a list of worker ids, lowest first. */
export function memberList(mask: number, workers: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < workers; w++) if ((mask >>> w) & 1) out.push(w);
  return out;
}
