// A worker's turns over its connections: each sends or receives a burst of TURN_PACKETS messages in
// turn, the next turn going on from where the last call stopped. A turn is the same burst however
// many connections share the thread, so what a connection costs to bring back into the cache is
// spread over the same work at 12 connections as at 10 000 (a batch sized to the clock, as before,
// was a dozen packets a turn at 12 and one at 384). The clock is read about every 200 µs of work, not
// once a round: 5 000 connections take tens of milliseconds a round, and a slice must end on time.
// Picking the next connection is a step of a cursor, whatever their number.

import type { Workload } from '../drivers/workload-contract.js';
import { batchFor, sharedNow } from './shared-run.js';

/** Microseconds of work between two readings of the clock. */
const CLOCK_EVERY_US = 200;
/** Messages a connection's turn carries when a thread has several (an application's 32 KiB write in 4 KiB messages). */
export const TURN_PACKETS = 8;

export class ConnectionTurns {
  /** The connection whose turn is next. */
  private next = 0;
  /** Whole rounds since the turns began: every connection has had this many turns at least. */
  rounds = 0;

  constructor(private readonly workloads: readonly Workload[]) {}

  /**
   * Turns until `done(packets, now)` answers true at a reading of the clock (`now` on the shared
   * clock, ms). Adds each connection's bytes to `perConnection` (by its place) when given; answers
   * the packets and bytes.
   */
  run(perConnection: number[] | null, done: (packets: number, now: number) => boolean): { packets: number; bytes: number } {
    const workloads = this.workloads;
    const n = workloads.length;
    let packets = 0;
    let bytes = 0;
    // A thread of one connection reads the clock after a batch sized to it; of several, after turns of TURN_PACKETS.
    let batch = n > 1 ? TURN_PACKETS : 1;
    let turns = 1;
    const started = sharedNow();
    for (;;) {
      for (let t = 0; t < turns; t++) bytes += this.turn(batch, perConnection);
      packets += batch * turns;
      const now = sharedNow();
      if (done(packets, now)) return { packets, bytes };
      // As many turns (up to a round) as fill about CLOCK_EVERY_US.
      const usPerPacket = ((now - started) * 1000) / packets;
      if (n === 1) batch = batchFor(usPerPacket);
      turns = Math.max(1, Math.min(n, Math.floor(CLOCK_EVERY_US / (usPerPacket * batch))));
    }
  }

  /**
   * Runs `packets` messages (an open loop's due ones: parallel/open-loop.ts) over the connections'
   * turns, up to TURN_PACKETS a turn, going on from where the last call stopped; adds each
   * connection's bytes to `perConnection` when given, and answers the bytes.
   */
  offer(packets: number, perConnection: number[] | null): number {
    const most = this.workloads.length === 1 ? packets : TURN_PACKETS;
    let bytes = 0;
    for (let left = packets; left > 0; left -= most) bytes += this.turn(Math.min(most, left), perConnection);
    return bytes;
  }

  /** The next connection's turn of `packets` messages (its bytes added to `perConnection` when given); answers the bytes. */
  private turn(packets: number, perConnection: number[] | null): number {
    const k = this.next;
    const bytes = this.workloads[k]!.run(packets);
    if (perConnection !== null) perConnection[k]! += bytes;
    if (k + 1 === this.workloads.length) {
      this.next = 0;
      this.rounds++;
    } else this.next = k + 1;
    return bytes;
  }

  /** Latency stamps a message makes on this thread's connections (the first's: they run one stack). */
  get stampsPerPacket(): number {
    return this.workloads[0]?.stampsPerPacket ?? 1;
  }
}
