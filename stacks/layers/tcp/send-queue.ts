// TCP's send buffer (BSD's so_snd): what is sent and not yet acknowledged, kept for retransmission.
// Each segment's end and its sender are kept in the control block, in a circular queue of slots, so
// a segment sent again has the bounds it had (each message from above is one segment, and the
// layers above keep their boundaries). Its bytes are in the sender's own ring, from seq mod the
// ring's size on, each segment in one range (the ring has slack past its end).
//
// Under packet-level parallelism several threads send on one connection. Each keeps the bytes of
// the segments it sent in a ring of its own, in ordinary memory: V8 copies into a SharedArrayBuffer
// with relaxed atomics, about 1 µs for 4 KB against 84 ns, which doubled PLP's send cost. So a
// segment is sent again by the thread that sent it: another thread that finds it due asks for it
// (Tcb.rtxWanted) and the owner serves the request when it next sends, receives or ticks.

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

/** Index in Tcb of send-queue slot `slot`'s end (its owner follows). */
function slotAt(slot: number): number {
  return SND_SEGS_AT + SND_ENTRY * (slot & SLOT_MASK);
}

export class SendQueue {
  /** This sender's ring: the bytes of the segments it sent. */
  private readonly ring = new Uint8Array(SND_RING_BYTES + SND_RING_SLACK);
  /**
   * A view of the payload last copied in, kept while messages keep its place and length (a sender
   * reuses its buffer): the copy into the ring is then one native TypedArray.set, with no view
   * made per segment. (The JavaScript copy loop took six times the checksum's time on 4 KB.)
   */
  private source: Uint8Array | null = null;
  /** The message, payload start and length `source` was made for. */
  private sourceMsg: Msg | null = null;
  private sourceHead = 0;

  constructor(
    private readonly tcb: TcpControlBlock,
    /** This sender's id among the threads on the connection (a stack's instance). */
    readonly owner: number,
  ) {}

  /** Whether a segment more fits (a slot for its end; its bytes fit, since the send window is at most 65535). Under the lock. */
  get hasRoom(): boolean {
    return this.tcb.f[Tcb.sndSegCount]! < SND_SEGS;
  }

  /** Takes the next slot for the segment [seq, seq + length), this sender's. Under the lock. */
  reserve(seq: number, length: number): void {
    if (length > SND_RING_SLACK) throw new RangeError(`tcp: a ${length}-byte segment exceeds the send ring's slack`);
    const f = this.tcb.f;
    const count = f[Tcb.sndSegCount]!;
    const at = slotAt(f[Tcb.sndSegHead]! + count);
    f[at] = (seq + length) | 0;
    f[at + 1] = this.owner;
    f[Tcb.sndSegCount] = count + 1;
  }

  /** Copies the segment's bytes from `msg`'s payload into this sender's ring, before it is sent. No lock: the ring is this sender's. */
  copyIn(msg: Msg, seq: number, length: number): void {
    this.ring.set(this.payloadView(msg, length), seq & RING_MASK);
  }

  /** A view of `msg`'s first `length` payload bytes: the one kept, when it is still that. */
  private payloadView(msg: Msg, length: number): Uint8Array {
    const kept = this.source;
    if (kept !== null && msg === this.sourceMsg && msg.head === this.sourceHead && kept.length === length) return kept;
    this.sourceMsg = msg;
    this.sourceHead = msg.head;
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
    if (count === f[Tcb.sndSegCount]) return; // (no write: under PLP it would move the line to this core)
    f[Tcb.sndSegHead] = head;
    f[Tcb.sndSegCount] = count;
  }

  /** The owner of the oldest unacknowledged segment, or -1 when no data is outstanding. Under the lock. */
  oldestOwner(): number {
    const f = this.tcb.f;
    return f[Tcb.sndSegCount] === 0 ? -1 : f[slotAt(f[Tcb.sndSegHead]!) + 1]!;
  }

  /**
   * The oldest unacknowledged segment's length, from snd_una to its end (0 when no data is
   * outstanding: only a SYN or FIN may be). RFC 6298 5.4 sends it again. Under the lock.
   */
  oldestLength(): number {
    const f = this.tcb.f;
    if (f[Tcb.sndSegCount] === 0) return 0;
    const end = f[slotAt(f[Tcb.sndSegHead]!)]!;
    const una = f[Tcb.sndUna]!;
    return seqGt(end, una) ? (end - una) | 0 : 0;
  }

  /**
   * Writes the `length` bytes from `seq` on into `msg` as its payload (empty before). `seq` is in a
   * segment this sender sent, and the bytes to its end are one range of its ring.
   */
  copyOut(msg: Msg, seq: number, length: number): void {
    msg.resetPayload(length);
    copyBytes(msg.bytes, msg.head, this.ring, seq & RING_MASK, length);
  }
}
