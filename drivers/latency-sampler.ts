// Which packets a thread times, and the timing. A packet is sampled one in SAMPLE_EVERY on
// average, at random gaps (1 to 2·SAMPLE_EVERY − 1 packets), so no regular pattern of the traffic
// (an ACK every second segment, a cycle of 8 templates) is always or never sampled. A sampled
// packet gets its time of entry (Msg.sampledAt) where it enters the stack; where it leaves (the
// frame with a message's last byte) or is delivered in order, its latency is recorded. Reading the
// clock costs about 45 ns here (kvm-clock), twice a timed packet: timing every packet would cost a
// tenth of a microsecond's packet. One in 16 cost tcp/ip/fddi 1-6% (xkbench ab, 8 configurations,
// -2.9% on average), so one in 32. Nothing here allocates.

import { BufferPool, type Msg } from '../stacks/message.js';
import { TIME_FIELDS, joinTime, splitSampledAt } from '../stacks/split-time.js';
import { type LatencyCounts, LatencyHistogram } from './latency-histogram.js';
import { compileClock, readClock } from './ns-clock.js';
import { Prng } from './prng.js';

/** One packet in this many is timed, on average. */
export const SAMPLE_EVERY = 32;
/**
 * Open loop (--load): one in this many. A run below saturation has time to spare, and its stamps
 * read no clock (they carry the scheduled time), so timing more costs only the reading at the end;
 * at 10% of saturation one in 32 left too few samples for a tail.
 */
export const OPEN_LOOP_SAMPLE_EVERY = 4;

/** What a run's sampling found: packets sampled, and the latencies recorded (under PLP, by whichever thread ended them). */
export interface LatencyRun {
  sampled: number;
  counts: LatencyCounts;
}

/** Several threads' (or runs') LatencyRun as one. */
export function mergeLatencyRuns(runs: readonly LatencyRun[]): LatencyRun {
  const histogram = new LatencyHistogram();
  for (const run of runs) histogram.add(LatencyHistogram.from(run.counts));
  return { sampled: runs.reduce((s, r) => s + r.sampled, 0), counts: histogram.toCounts() };
}

export class LatencySampler {
  /** The latencies recorded on this thread (of packets sampled here or, under PLP, on another thread). */
  readonly histogram = new LatencyHistogram();
  /** Packets sampled on this thread. */
  taken = 0;
  /** [now, a latency]: numbers kept in a typed array, never boxed (see recordAt). */
  private readonly clock = new Float64Array(2);
  private readonly prng: Prng;
  private countdown = 1;
  /** Stamps made since the schedule started. */
  private stamps = 0;
  /** Open loop: when the schedule's first stamp was due, and ns between stamps; 0: closed loop. */
  private scheduleStart = 0;
  private stampNs = 0;

  constructor(
    seed: number,
    /** One packet in this many is timed, on average. */
    private readonly every = SAMPLE_EVERY,
  ) {
    this.prng = new Prng(seed);
    compileClock();
    compileSampler(this);
  }

  /**
   * Sets `msg`'s time of entry, when it is sampled (else 0): now, or in an open loop the time it
   * was due by the schedule, so a packet that waited behind a stalled sender counts its wait (wrk2's
   * correction of coordinated omission).
   */
  stamp(msg: Msg): void {
    const stamp = this.stamps++;
    if (--this.countdown > 0) {
      msg.sampledAt = 0;
      return;
    }
    this.countdown = 1 + (this.prng.next31() % (2 * this.every - 1));
    this.taken++;
    if (this.stampNs !== 0) {
      msg.sampledAt = this.scheduleStart + stamp * this.stampNs;
      return;
    }
    readClock(this.clock, 0);
    msg.sampledAt = this.clock[0]!;
  }

  /**
   * Open loop: stamps from now on carry their scheduled times: stamp k of the schedule is due at
   * `at[slot]` (ns, readClock's) + k × `stampNs` (a packet's slot ÷ the stamps a packet makes), and
   * the next stamp made is stamp `next` (0 for a new schedule; a schedule going on, the stamps made on it).
   */
  schedule(at: Float64Array, slot: number, stampNs: number, next = 0): void {
    this.scheduleStart = at[slot]!;
    this.stampNs = stampNs;
    this.stamps = next;
  }

  /** The sampled packet in `msg` left or was delivered now: its latency is recorded. */
  end(msg: Msg): void {
    const clock = this.clock;
    readClock(clock, 0);
    clock[1] = clock[0]! - msg.sampledAt;
    this.histogram.recordAt(clock, 1);
  }

  /** As end(), for a packet whose time of entry is kept in fields `at` and `at + 1` of a table (stacks/split-time.ts). */
  endSplit(fields: Int32Array, at: number): void {
    const clock = this.clock;
    joinTime(fields, at, clock, 1);
    readClock(clock, 0);
    clock[1] = clock[0]! - clock[1]!;
    this.histogram.recordAt(clock, 1);
  }

  /** What was sampled and recorded since the last reset (a new object: off the data path). */
  run(): LatencyRun {
    return { sampled: this.taken, counts: this.histogram.toCounts() };
  }

  /** Forgets what was sampled and recorded (the steady window starts). */
  reset(): void {
    this.histogram.reset();
    this.taken = 0;
  }

  /** Back to the closed loop: stamps carry the time they are made. */
  unschedule(): void {
    this.stampNs = 0;
  }
}

/**
 * A sampled packet is one in 32, so the recording functions would stay interpreted for the first
 * few hundred thousand packets, boxing each number they pass (about 36 bytes a sample): they are
 * run here until V8 has compiled them (a few ms, once a thread), and the sampler is reset after.
 */
let samplerCompiled = false;
function compileSampler(sampler: LatencySampler): void {
  if (samplerCompiled) return;
  const msg = new BufferPool(1).get();
  const fields = new Int32Array(TIME_FIELDS);
  const start = new Float64Array(1);
  readClock(start, 0);
  for (let i = 0; i < 50_000; i++) {
    // Both kinds of stamp: the clock's, and (open loop) the schedule's.
    if (i === 25_000) sampler.schedule(start, 0, 100);
    sampler.stamp(msg);
    if (msg.sampledAt === 0) continue;
    sampler.end(msg);
    splitSampledAt(msg, fields, 0);
    sampler.endSplit(fields, 0);
  }
  sampler.unschedule();
  sampler.reset();
  samplerCompiled = true;
}
