// An open loop (--load): packets offered on a fixed schedule, a packet every 1/R s, instead of as
// fast as the stack takes them. A packet is offered when it is due; one the thread is late for is
// offered at once, back to back with the others it is late for, and its latency counts from when
// it was due (LatencySampler.schedule), so a stall shows in the tail instead of lowering the rate
// (coordinated omission, as wrk2 measures it). Between packets the thread spins on the clock, or
// sleeps when the next is far off. A window measured in slices runs the schedule a slice at a time:
// the pause between two slices is taken out of it (the schedule moves on by the pause), so the
// packets a slice ended late for are the next slice's first, their lateness kept, and the pause,
// when the thread was parked for other configurations, is nobody's delay.

import type { LatencySampler } from '../drivers/latency-sampler.js';
import { readClock } from '../drivers/ns-clock.js';

/**
 * An open loop's own warm-up (ms), after the closed loop's: offering a few packets at a time sends
 * the stack's code down paths and types the closed loop's warm-up did not (V8 dropped and rebuilt
 * the send driver, the reassembly's pop and the turns in the first slices: a stall of 4 ms in one
 * slice of 20, p99 4 ms at 10% of saturation). tcp/ip/fddi receiving at 140 000 packets a second,
 * 20 slices of 50 ms: p99 3 955 µs without it, 37-48 µs after 200 ms, 34 µs after 500 ms (p99.9 1.4-1.8 ms, 73 µs).
 */
export const OPEN_LOOP_WARMUP_MS = 500;

/** Most packets offered between two looks at the clock when behind the schedule (a stop or a slice's end is seen after them). */
const MOST_AT_ONCE = 64;
/** A wait longer than this (ns) sleeps until about this long before the packet is due; a shorter one spins. */
const SPIN_NS = 200_000;

const START = 0;
const NOW = 1;
/** When the next packet is due. */
const DUE = 2;
/** When the last run() stopped. */
const STOPPED = 3;
/** When done() is next asked. */
const CHECK = 4;
/**
 * How often done() is asked (ns): it reads clocks of its own, which allocate now and then (a
 * performance.now() V8 did not inline boxes its double), and asked after every packet at light
 * loads that made a scavenge every few hundred ms, a stall of up to 8 ms that the schedule then
 * counted in the tail (p99.9 6.7 ms at 137 000 packets a second, against 9 µs asked this often).
 */
const CHECK_NS = 100_000;

export class OpenLoop {
  /** ns between two packets of this thread's schedule. */
  readonly packetNs: number;
  /** [the schedule's start, now, the next packet due, the last stop, the next look at done()], ns on readClock's clock. */
  private readonly times = new Float64Array(5);
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  /** Packets offered on the schedule so far, over every run(). */
  private offered = 0;

  constructor(
    /** Packets a second this thread offers. */
    packetsPerSecond: number,
    /** The thread's sampler: its stamps carry the packets' scheduled times. */
    private readonly sampler: LatencySampler | null,
    /** Stamps a packet makes (Workload.stampsPerPacket). */
    private readonly stampsPerPacket: number,
  ) {
    if (!(packetsPerSecond > 0)) throw new RangeError(`an open loop's rate must be above 0, got ${packetsPerSecond}`);
    this.packetNs = 1e9 / packetsPerSecond;
  }

  /**
   * Offers packets on the schedule (which starts at the first call, and goes on from where the last
   * call stopped), until `done(packets)` answers true (asked every CHECK_NS or so, and after a sleep);
   * `offer(n)` processes n packets and answers their bytes. Answers this call's packets and bytes.
   */
  run(offer: (packets: number) => number, done: (packets: number) => boolean): { packets: number; bytes: number } {
    const times = this.times;
    const packetNs = this.packetNs;
    readClock(times, NOW);
    if (times[STOPPED] === 0) times[START] = times[NOW]!;
    else times[START]! += times[NOW]! - times[STOPPED]!; // the pause since the last call, taken out
    this.sampler?.schedule(times, START, packetNs / this.stampsPerPacket, this.offered * this.stampsPerPacket);
    let packets = 0;
    let bytes = 0;
    times[CHECK] = 0;
    for (;;) {
      readClock(times, NOW);
      const due = Math.floor((times[NOW]! - times[START]!) / packetNs) + 1 - this.offered;
      if (due > 0) {
        const n = Math.min(due, MOST_AT_ONCE);
        bytes += offer(n);
        packets += n;
        this.offered += n;
      } else {
        // Ahead of the schedule: sleep while the next packet is far off, then spin on the clock
        // (only the clock, which allocates nothing) until it is due.
        times[DUE] = times[START]! + this.offered * packetNs;
        const wait = times[DUE]! - times[NOW]!;
        if (wait > SPIN_NS) {
          Atomics.wait(this.nap, 0, 0, (wait - SPIN_NS) / 1e6);
          times[CHECK] = 0; // (after a sleep, a look at once)
        } else spinUntilDue(times);
      }
      if (times[NOW]! < times[CHECK]!) continue;
      if (done(packets)) break;
      times[CHECK] = times[NOW]! + CHECK_NS;
    }
    readClock(times, STOPPED);
    this.sampler?.unschedule();
    return { packets, bytes };
  }
}

/** Reads the clock into times[NOW] until it reaches times[DUE]. */
function spinUntilDue(times: Float64Array): void {
  for (;;) {
    readClock(times, NOW);
    if (times[NOW]! >= times[DUE]!) return;
  }
}
