// TCP's out-of-order queue (Net/2 tcp_reass) and its receive ring, both in the control block. The
// queue holds (seq, length, data state) entries sorted by seq; the ring holds their data, indexed
// by seq mod its size, on pages mapped as entries are queued and given back when the queue is
// empty (ring-pages.ts). Every method but the ring copies runs under the state lock; the copies run
// outside it (packet-level parallelism), and an entry's data state says which copy is under way.

import type { Msg } from '../../message.js';
import { Drop } from './actions.js';
import {
  RCV_RING_BYTES,
  RCV_WINDOW,
  REASS_ENTRY,
  REASS_SLOTS,
  ReassData,
  Tcb,
  type TcpControlBlock,
  countDelivered,
  seqLeq,
  seqLt,
} from './control-block.js';

/** Index in Tcb of the out-of-order queue's entry `slot`. */
function entry(slot: number): number {
  return Tcb.reass + REASS_ENTRY * slot;
}

export class ReassemblyQueue {
  /** What enqueue() queued for copyPendingIn(): this thread's own, so no lock is needed for them. */
  private pendingSeq = 0;
  private pendingAt = 0;
  private pendingLength = 0;

  constructor(private readonly tcb: TcpControlBlock) {}

  /**
   * Inserts [seq, seq + length) into the sorted queue, trimming it against what is queued, as
   * pending: the caller copies the data into the ring after the lock is released
   * (copyPendingIn). Answers -1 when queued, or the drop code when nothing new was kept.
   */
  enqueue(dataAt: number, seq: number, length: number): number {
    const f = this.tcb.f;
    let count = f[Tcb.reassCount]!;
    let slot = 0;
    while (slot < count && seqLeq(f[entry(slot)]!, seq)) slot++;
    if (slot > 0) {
      const prev = entry(slot - 1);
      const overlap = (f[prev]! + f[prev + 1]! - seq) | 0;
      if (overlap > 0) {
        seq = (seq + overlap) | 0;
        dataAt += overlap;
        length -= overlap;
      }
    }
    // Later entries the new data covers are trimmed or removed; a pending one is kept whole and
    // the new data stops in front of it.
    while (slot < count && length > 0) {
      const next = entry(slot);
      const overlap = (seq + length - f[next]!) | 0;
      if (overlap <= 0) break;
      if (f[next + 2] === ReassData.CopyingIn) {
        length = (f[next]! - seq) | 0;
        break;
      }
      if (overlap < f[next + 1]!) {
        f[next] = (f[next]! + overlap) | 0;
        f[next + 1] = f[next + 1]! - overlap;
        break;
      }
      this.removeEntry(slot);
      count--;
    }
    if (length <= 0) {
      f[Tcb.duplicates]!++;
      return Drop.Duplicate;
    }
    if (count === REASS_SLOTS) return Drop.ReassemblyFull;
    f.copyWithin(entry(slot + 1), entry(slot), entry(count));
    const at = entry(slot);
    f[at] = seq;
    f[at + 1] = length;
    f[at + 2] = ReassData.CopyingIn;
    f[Tcb.reassCount] = count + 1;
    this.tcb.ring.map(seq, length);
    this.pendingSeq = seq;
    this.pendingAt = dataAt;
    this.pendingLength = length;
    return -1;
  }

  /** Where the data enqueue() just queued starts (its entry's seq). */
  get pendingStart(): number {
    return this.pendingSeq;
  }

  /** Copies the data enqueue() just queued (from the segment in `msg`) into the ring. Outside the lock. */
  copyPendingIn(msg: Msg): void {
    this.copyIntoRing(msg.bytes, this.pendingAt, this.pendingSeq, this.pendingLength);
  }

  /** Marks the pending entry's data as in the ring. Under the lock. */
  pendingReady(): void {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    const seq = this.pendingSeq;
    // An entry being copied in is never trimmed or removed, so it still starts at seq.
    for (let slot = 0; slot < count; slot++) {
      if (f[entry(slot)] === seq && f[entry(slot) + 2] === ReassData.CopyingIn) {
        f[entry(slot) + 2] = ReassData.Ready;
        return;
      }
    }
  }

  /** The first entry not being copied out: entries behind rcv_nxt being copied out lead the queue. */
  private firstQueued(): number {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    let slot = 0;
    while (slot < count && f[entry(slot) + 2] === ReassData.CopyingOut) slot++;
    return slot;
  }

  /** The first queued entry starts at rcv_nxt and its data is in the ring. */
  headReady(): boolean {
    const f = this.tcb.f;
    const slot = this.firstQueued();
    const at = entry(slot);
    return slot < f[Tcb.reassCount]! && f[at] === f[Tcb.rcvNxt] && f[at + 2] === ReassData.Ready;
  }

  /**
   * Takes the first entry (headReady() answered true) as delivered: rcv_nxt moves past it, and
   * either its data is copied out into `msg` and the entry removed now, or (`copyOutside`) the
   * entry stays, marked CopyingOut, for copyOut() after the lock is released. Answers its seq.
   */
  takeHead(msg: Msg, copyOutside: boolean): number {
    const f = this.tcb.f;
    const first = this.firstQueued();
    const at = entry(first);
    const seq = f[at]!;
    const length = f[at + 1]!;
    f[Tcb.rcvNxt] = (seq + length) | 0;
    f[Tcb.reassDelivered]!++;
    countDelivered(f, length);
    msg.resetPayload(length);
    msg.streamSeq = seq;
    msg.streamNext = (seq + length) | 0;
    if (copyOutside) {
      f[at + 2] = ReassData.CopyingOut;
    } else {
      this.copyFromRing(msg.bytes, msg.head, seq, length);
      this.removeEntry(first);
    }
    return seq;
  }

  /** Copies a taken entry's data into `msg` (filled by takeHead). Outside the lock. */
  copyOut(msg: Msg): void {
    this.copyFromRing(msg.bytes, msg.head, msg.streamSeq, msg.length);
  }

  /**
   * Where the receive window ends: RCV_WINDOW past rcv_nxt, and never so far that data would land
   * on ring bytes still being copied out (the oldest such entry leads the queue).
   */
  windowEnd(rcvNxt: number): number {
    const f = this.tcb.f;
    const end = (rcvNxt + RCV_WINDOW) | 0;
    if (f[Tcb.reassCount] === 0 || f[Tcb.reass + 2] !== ReassData.CopyingOut) return end;
    const ringEnd = (f[Tcb.reass]! + RCV_RING_BYTES) | 0;
    return seqLt(ringEnd, end) ? ringEnd : end;
  }

  /** The window to advertise with an ACK of rcv_nxt: what windowEnd() accepts. */
  advertisedWindow(rcvNxt: number): number {
    return Math.max((this.windowEnd(rcvNxt) - rcvNxt) | 0, 0);
  }

  /**
   * The window is whole again (no copy out of the ring under way) but the peer was last told of a
   * smaller one: it must hear of the reopened window, or a sender that has filled the smaller
   * window would wait for an ACK that never comes (there is no persist timer).
   */
  windowReopened(): boolean {
    const f = this.tcb.f;
    const rcvNxt = f[Tcb.rcvNxt]!;
    return seqLt(f[Tcb.rcvAdv]!, this.windowEnd(rcvNxt)) && this.windowEnd(rcvNxt) === ((rcvNxt + RCV_WINDOW) | 0);
  }

  /** How much of in-order [seq, seq + length) lies before the first entry still being copied in. */
  clipToPending(seq: number, length: number): number {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    for (let slot = 0; slot < count; slot++) {
      const at = entry(slot);
      if (f[at + 2] !== ReassData.CopyingIn) continue;
      const before = (f[at]! - seq) | 0;
      return before < length ? Math.max(before, 0) : length;
    }
    return length;
  }

  private removeEntry(slot: number): void {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    f.copyWithin(entry(slot), entry(slot + 1), entry(count));
    f[Tcb.reassCount] = count - 1;
    if (count === 1) this.tcb.ring.releaseAll();
  }

  /** Drops queued data that in-order data has just covered (never an entry being copied in: see clipToPending). */
  trimCovered(): void {
    const f = this.tcb.f;
    const rcvNxt = f[Tcb.rcvNxt]!;
    const first = this.firstQueued();
    while (first < f[Tcb.reassCount]!) {
      const at = entry(first);
      const covered = (rcvNxt - f[at]!) | 0;
      if (covered <= 0) return;
      if (covered < f[at + 1]!) {
        f[at] = rcvNxt;
        f[at + 1] = f[at + 1]! - covered;
        return;
      }
      this.removeEntry(first);
    }
  }

  /** Removes the entry that was being copied out from `seq` (its copy is done). */
  removeCopiedOut(seq: number): void {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    for (let slot = 0; slot < count; slot++) {
      if (f[entry(slot)] === seq && f[entry(slot) + 2] === ReassData.CopyingOut) {
        this.removeEntry(slot);
        return;
      }
    }
  }

  private copyIntoRing(src: Uint8Array, at: number, seq: number, length: number): void {
    this.tcb.ring.write(seq, src, at, length);
  }

  private copyFromRing(dst: Uint8Array, at: number, seq: number, length: number): void {
    this.tcb.ring.read(seq, dst, at, length);
  }
}
