// TCP's send buffer (BSD's so_snd): what is sent and not yet acknowledged, kept for retransmission.
// Its bytes are in the control block's send ring, indexed by seq mod the ring's size; the end of
// each segment is kept too, in a circular queue of slots, so a segment sent again has the bounds it
// had (each message from above is one segment, and the layers above keep their boundaries). All of
// it runs under the state lock: a retransmission by another thread must never read bytes still
// being copied in.

import { type Msg, copyBytes } from '../../message.js';
import { SND_RING_BYTES, SND_SEGS, SND_SEGS_AT, Tcb, type TcpControlBlock, seqGt, seqLeq } from './control-block.js';

const RING_MASK = SND_RING_BYTES - 1;

export class SendQueue {
  constructor(private readonly tcb: TcpControlBlock) {}

  /** Whether a segment more fits (a slot for its end; its bytes fit, since the send window is at most 65535). */
  get hasRoom(): boolean {
    return this.tcb.f[Tcb.sndSegCount]! < SND_SEGS;
  }

  /** Keeps the data of the segment [seq, seq + length), from `msg`'s payload, until it is acknowledged. */
  append(msg: Msg, seq: number, length: number): void {
    const f = this.tcb.f;
    const ring = this.tcb.sndRing;
    const pos = seq & RING_MASK;
    const first = Math.min(length, SND_RING_BYTES - pos);
    copyBytes(ring, pos, msg.bytes, msg.head, first);
    if (first < length) copyBytes(ring, 0, msg.bytes, msg.head + first, length - first);
    const count = f[Tcb.sndSegCount]!;
    f[SND_SEGS_AT + ((f[Tcb.sndSegHead]! + count) % SND_SEGS)] = (seq + length) | 0;
    f[Tcb.sndSegCount] = count + 1;
  }

  /** Forgets the segments an ACK up to `ack` covers whole. */
  acknowledged(ack: number): void {
    const f = this.tcb.f;
    let head = f[Tcb.sndSegHead]!;
    let count = f[Tcb.sndSegCount]!;
    while (count > 0 && seqLeq(f[SND_SEGS_AT + head]!, ack)) {
      head = (head + 1) % SND_SEGS;
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

  /** Writes the `length` bytes from `seq` on into `msg` as its payload (empty before). */
  copyOut(msg: Msg, seq: number, length: number): void {
    msg.resetPayload(length);
    const ring = this.tcb.sndRing;
    const pos = seq & RING_MASK;
    const first = Math.min(length, SND_RING_BYTES - pos);
    copyBytes(msg.bytes, msg.head, ring, pos, first);
    if (first < length) copyBytes(msg.bytes, msg.head + first, ring, 0, length - first);
  }
}
