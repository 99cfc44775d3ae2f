// TCP's send buffer (BSD's so_snd): what is sent and not yet acknowledged, kept for retransmission.
// Its bytes are in the control block's send ring, from seq mod the ring's size on, each segment in
// one range (the ring has slack past its end); the end of each segment is kept too, in a circular
// queue of slots, so a segment sent again has the bounds it had (each message from above is one
// segment, and the layers above keep their boundaries). All of it runs under the state lock: a
// retransmission by another thread must never read bytes still being copied in.

import { type Msg, copyBytes } from '../../message.js';
import { SND_RING_BYTES, SND_RING_SLACK, SND_SEGS, SND_SEGS_AT, Tcb, type TcpControlBlock, seqGt, seqLeq } from './control-block.js';

const RING_MASK = SND_RING_BYTES - 1;
const SLOT_MASK = SND_SEGS - 1; // SND_SEGS is a power of two

export class SendQueue {
  /**
   * A view of the payload last appended, kept while messages keep its place and length (a sender
   * reuses its buffer): the copy into the ring is then one native TypedArray.set, with no view
   * made per segment. (The JavaScript copy loop took six times the checksum's time on 4 KB.)
   */
  private source: Uint8Array | null = null;
  /** The message, payload start and length `source` was made for. */
  private sourceMsg: Msg | null = null;
  private sourceHead = 0;

  constructor(private readonly tcb: TcpControlBlock) {}

  /** Whether a segment more fits (a slot for its end; its bytes fit, since the send window is at most 65535). */
  get hasRoom(): boolean {
    return this.tcb.f[Tcb.sndSegCount]! < SND_SEGS;
  }

  /** Keeps the data of the segment [seq, seq + length), from `msg`'s payload, until it is acknowledged. */
  append(msg: Msg, seq: number, length: number): void {
    if (length > SND_RING_SLACK) throw new RangeError(`tcp: a ${length}-byte segment exceeds the send ring's slack`);
    const f = this.tcb.f;
    this.tcb.sndRing.set(this.payloadView(msg, length), seq & RING_MASK);
    const count = f[Tcb.sndSegCount]!;
    f[SND_SEGS_AT + ((f[Tcb.sndSegHead]! + count) & SLOT_MASK)] = (seq + length) | 0;
    f[Tcb.sndSegCount] = count + 1;
  }

  /** A view of `msg`'s first `length` payload bytes: the one kept, when it is still that. */
  private payloadView(msg: Msg, length: number): Uint8Array {
    const kept = this.source;
    if (kept !== null && msg === this.sourceMsg && msg.head === this.sourceHead && kept.length === length) return kept;
    this.sourceMsg = msg;
    this.sourceHead = msg.head;
    return (this.source = new Uint8Array(msg.bytes.buffer, msg.bytes.byteOffset + msg.head, length));
  }

  /** Forgets the segments an ACK up to `ack` covers whole. */
  acknowledged(ack: number): void {
    const f = this.tcb.f;
    let head = f[Tcb.sndSegHead]!;
    let count = f[Tcb.sndSegCount]!;
    while (count > 0 && seqLeq(f[SND_SEGS_AT + head]!, ack)) {
      head = (head + 1) & SLOT_MASK;
      count--;
    }
    f[Tcb.sndSegHead] = head;
    f[Tcb.sndSegCount] = count;
  }

  /**
   * The oldest unacknowledged segment's length, from snd_una to its end (0 when no data is
   * outstanding: only a SYN or FIN may be). RFC 6298 5.4 sends it again.
   */
  oldestLength(): number {
    const f = this.tcb.f;
    if (f[Tcb.sndSegCount] === 0) return 0;
    const end = f[SND_SEGS_AT + f[Tcb.sndSegHead]!]!;
    const una = f[Tcb.sndUna]!;
    return seqGt(end, una) ? (end - una) | 0 : 0;
  }

  /**
   * Writes the `length` bytes from `seq` on into `msg` as its payload (empty before). `seq` is in a
   * kept segment, and the bytes to its end are one range of the ring.
   */
  copyOut(msg: Msg, seq: number, length: number): void {
    msg.resetPayload(length);
    copyBytes(msg.bytes, msg.head, this.tcb.sndRing, seq & RING_MASK, length);
  }
}
