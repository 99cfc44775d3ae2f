// TCP's send buffer (BSD's so_snd): what is sent and not yet acknowledged, kept for retransmission.
// Its bytes are in the control block's send ring, from seq mod the ring's size on, each segment in
// one range (the ring has slack past its end); each segment's end is kept too, in a circular queue
// of slots, so a segment sent again has the bounds it had (each message from above is one segment,
// and the layers above keep their boundaries).
//
// A segment's slot is taken under the state lock; its bytes are copied in outside it, as BSD's
// sosend copies into so_snd outside splnet (on a SharedArrayBuffer the copy costs about 1 µs for
// 4 KB, which under packet-level parallelism would otherwise be serial), and the slot is then
// marked ready with an atomic store. A retransmission, under the lock, skips a segment not ready:
// it has not been sent yet either (the copy comes before the segment goes down).

import { type Msg, copyBytes } from '../../message.js';
import {
  SND_ENTRY,
  SND_RING_BYTES,
  SND_RING_SLACK,
  SND_SEGS,
  SND_SEGS_AT,
  Tcb,
  type TcpControlBlock,
  seqGt,
  seqLeq,
} from './control-block.js';

const RING_MASK = SND_RING_BYTES - 1;
const SLOT_MASK = SND_SEGS - 1;

/** Index in Tcb of send-queue slot `slot`'s end (its ready flag follows). */
function slotAt(slot: number): number {
  return SND_SEGS_AT + SND_ENTRY * (slot & SLOT_MASK);
}

export class SendQueue {
  /**
   * A view of the payload last copied in, kept while messages keep its place and length (a sender
   * reuses its buffer): the copy into the ring is then one native TypedArray.set, with no view
   * made per segment. (The JavaScript copy loop took six times the checksum's time on 4 KB.)
   */
  private source: Uint8Array | null = null;
  /** The message, payload start and length `source` was made for. */
  private sourceMsg: Msg | null = null;
  private sourceHead = 0;
  /** On one buffer (packet-level parallelism's shared block), the copy is copyWithin instead. */
  private sameBuffer = false;

  /**
   * The control block is in shared memory: the ready mark is an atomic store (a release: the
   * ring's bytes before it). One owner needs no ordering, and a plain store costs less.
   */
  private readonly shared: boolean;

  constructor(private readonly tcb: TcpControlBlock) {
    this.shared = tcb.f.buffer instanceof SharedArrayBuffer;
  }

  /** Whether a segment more fits (a slot for its end; its bytes fit, since the send window is at most 65535). Under the lock. */
  get hasRoom(): boolean {
    return this.tcb.f[Tcb.sndSegCount]! < SND_SEGS;
  }

  /** Takes the next slot for the segment [seq, seq + length), not ready. Under the lock; answers the slot. */
  reserve(seq: number, length: number): number {
    if (length > SND_RING_SLACK) throw new RangeError(`tcp: a ${length}-byte segment exceeds the send ring's slack`);
    const f = this.tcb.f;
    const count = f[Tcb.sndSegCount]!;
    const slot = f[Tcb.sndSegHead]! + count;
    const at = slotAt(slot);
    f[at] = (seq + length) | 0;
    f[at + 1] = 0; // (under the lock, which orders it)
    f[Tcb.sndSegCount] = count + 1;
    return slot;
  }

  /** Copies the segment's bytes from `msg`'s payload into the ring and marks its slot ready. Outside the lock. */
  copyIn(msg: Msg, seq: number, length: number, slot: number): void {
    const ring = this.tcb.sndRing;
    const view = this.payloadView(msg, length);
    if (this.sameBuffer) copyBytes(ring, seq & RING_MASK, msg.bytes, msg.head, length);
    else ring.set(view, seq & RING_MASK);
    if (this.shared) Atomics.store(this.tcb.f, slotAt(slot) + 1, 1);
    else this.tcb.f[slotAt(slot) + 1] = 1;
  }

  /** A view of `msg`'s first `length` payload bytes: the one kept, when it is still that. */
  private payloadView(msg: Msg, length: number): Uint8Array {
    const kept = this.source;
    if (kept !== null && msg === this.sourceMsg && msg.head === this.sourceHead && kept.length === length) return kept;
    this.sourceMsg = msg;
    this.sourceHead = msg.head;
    this.sameBuffer = msg.bytes.buffer === this.tcb.sndRing.buffer;
    return (this.source = new Uint8Array(msg.bytes.buffer, msg.bytes.byteOffset + msg.head, length));
  }

  /** Forgets the segments an ACK up to `ack` covers whole. Under the lock. */
  acknowledged(ack: number): void {
    const f = this.tcb.f;
    let head = f[Tcb.sndSegHead]!;
    let count = f[Tcb.sndSegCount]!;
    while (count > 0 && seqLeq(f[slotAt(head)]!, ack)) {
      head = (head + 1) & SLOT_MASK;
      count--;
    }
    f[Tcb.sndSegHead] = head;
    f[Tcb.sndSegCount] = count;
  }

  /**
   * The oldest unacknowledged segment's length, from snd_una to its end: 0 when no data is
   * outstanding (only a SYN or FIN may be) or when it is not in the ring yet (nor sent). RFC 6298
   * 5.4 sends it again. Under the lock.
   */
  oldestLength(): number {
    const f = this.tcb.f;
    if (f[Tcb.sndSegCount] === 0) return 0;
    const at = slotAt(f[Tcb.sndSegHead]!);
    if ((this.shared ? Atomics.load(f, at + 1) : f[at + 1]) === 0) return 0;
    const end = f[at]!;
    const una = f[Tcb.sndUna]!;
    return seqGt(end, una) ? (end - una) | 0 : 0;
  }

  /**
   * Writes the `length` bytes from `seq` on into `msg` as its payload (empty before). `seq` is in a
   * ready segment, and the bytes to its end are one range of the ring. Under the lock.
   */
  copyOut(msg: Msg, seq: number, length: number): void {
    msg.resetPayload(length);
    copyBytes(msg.bytes, msg.head, this.tcb.sndRing, seq & RING_MASK, length);
  }
}
