// Which packets a thread times, and the timing. A packet is sampled one in SAMPLE_EVERY on
// average, at random gaps (1 to 2·SAMPLE_EVERY − 1 packets), so no regular pattern of the traffic
// (an ACK every second segment, a cycle of 8 templates) is always or never sampled. A sampled
// packet gets its time of entry (Msg.sampledAt) where it enters the stack; where it leaves (the
// frame with a message's last byte) or is delivered in order, its latency is recorded. Reading the
// clock costs about 45 ns here (kvm-clock), twice a timed packet: timing every packet would cost a
// tenth of a microsecond's packet. One in 16 cost tcp/ip/fddi 1-6% (xkbench ab, 8 configurations,
// -2.9% on average), so one in 32. Nothing here allocates.

import { BufferPool, type Msg } from '../stacks/message.js';
import { type LatencyCounts, LatencyHistogram } from './latency-histogram.js';
import { compileClock, readClock } from './ns-clock.js';
import { Prng } from './prng.js';

/** One packet in this many is timed, on average. */
export const SAMPLE_EVERY = 32;

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

  constructor(seed: number) {
    this.prng = new Prng(seed);
    compileClock();
    compileSampler(this);
  }

  /** Sets `msg`'s time of entry: now, when it is sampled; else 0. */
  stamp(msg: Msg): void {
    if (--this.countdown > 0) {
      msg.sampledAt = 0;
      return;
    }
    this.countdown = 1 + (this.prng.next31() % (2 * SAMPLE_EVERY - 1));
    this.taken++;
    readClock(this.clock, 0);
    msg.sampledAt = this.clock[0]!;
  }

  /** The sampled packet in `msg` left or was delivered now: its latency is recorded. */
  end(msg: Msg): void {
    const clock = this.clock;
    readClock(clock, 0);
    clock[1] = clock[0]! - msg.sampledAt;
    this.histogram.recordAt(clock, 1);
  }

  /** As end(), for a packet whose time of entry is kept as its two 32-bit halves (a shared table's entry). */
  endHalves(high: number, low: number): void {
    const clock = this.clock;
    readClock(clock, 0);
    clock[1] = clock[0]! - (high * 4294967296 + (low >>> 0));
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
  for (let i = 0; i < 50_000; i++) {
    sampler.stamp(msg);
    if (msg.sampledAt !== 0) sampler.end(msg);
    sampler.endHalves(i & 7, i);
  }
  sampler.reset();
  samplerCompiled = true;
}
