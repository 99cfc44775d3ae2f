// A receiver's bookkeeping without its data: which sequence ranges have arrived, for a driver that
// plays the receiving TCP on a lossy wire (the send side's sink). It keeps rcv_nxt and the ranges
// beyond a hole, and says when a real receiver would ACK at once (RFC 5681 4.2: a segment out of
// order, one that fills a hole, a duplicate) rather than for every second segment.

import { seqGt, seqLeq, seqLt } from '../stacks/layers/tcp/control-block.js';

/** Ranges kept beyond holes: more than a 64 KiB window of the smallest segments the bench sends over loss. */
const RANGES = 256;

export class Scoreboard {
  /** Everything before it has arrived. */
  rcvNxt: number;
  /** Sorted, disjoint [start, end) pairs above rcvNxt. */
  private readonly ranges = new Int32Array(2 * RANGES);
  private count = 0;

  constructor(rcvNxt: number) {
    this.rcvNxt = rcvNxt | 0;
  }

  /** Whether data beyond a hole is held. */
  get holes(): boolean {
    return this.count > 0;
  }

  /** Segment [seq, end) arrived. Answers whether a receiver would ACK it at once. */
  take(seq: number, end: number): boolean {
    if (seqLeq(end, this.rcvNxt)) return true; // a duplicate
    if (seqLeq(seq, this.rcvNxt)) {
      this.rcvNxt = end;
      if (this.count === 0) return false;
      this.mergeFromFront();
      return true; // a hole filled
    }
    this.insert(seq, end);
    return true; // out of order
  }

  /** Pulls rcvNxt over the ranges it now reaches. */
  private mergeFromFront(): void {
    const r = this.ranges;
    let first = 0;
    while (first < this.count && seqLeq(r[2 * first]!, this.rcvNxt)) {
      if (seqGt(r[2 * first + 1]!, this.rcvNxt)) this.rcvNxt = r[2 * first + 1]!;
      first++;
    }
    r.copyWithin(0, 2 * first, 2 * this.count);
    this.count -= first;
  }

  /** Adds [seq, end) to the sorted ranges, merged with those it touches (when full, it is forgotten: sent again later). */
  private insert(seq: number, end: number): void {
    const r = this.ranges;
    let i = 0;
    while (i < this.count && seqLt(r[2 * i + 1]!, seq)) i++;
    if (i < this.count && seqLeq(r[2 * i]!, end)) {
      // Overlaps or touches range i (and maybe those after it): widen i, then swallow the rest.
      if (seqLt(seq, r[2 * i]!)) r[2 * i] = seq;
      if (seqGt(end, r[2 * i + 1]!)) r[2 * i + 1] = end;
      let j = i + 1;
      while (j < this.count && seqLeq(r[2 * j]!, r[2 * i + 1]!)) {
        if (seqGt(r[2 * j + 1]!, r[2 * i + 1]!)) r[2 * i + 1] = r[2 * j + 1]!;
        j++;
      }
      r.copyWithin(2 * (i + 1), 2 * j, 2 * this.count);
      this.count -= j - i - 1;
      return;
    }
    if (this.count === RANGES) return;
    r.copyWithin(2 * (i + 1), 2 * i, 2 * this.count);
    r[2 * i] = seq;
    r[2 * i + 1] = end;
    this.count++;
  }
}
