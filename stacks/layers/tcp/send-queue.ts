// TCP's send buffer (BSD's so_snd): what the application wrote and is not yet acknowledged, kept
// for retransmission. Its bytes are in the control block's send ring, each write from its offset in
// the stream mod the ring's size on; the ring's pages are mapped as writes take them and given back
// as ACKs free them (ring-pages.ts). Each write's end and length are kept in a circular queue of
// slots. Segments are cut from a write at multiples of the segment size, never across two writes,
// so a segment sent again has the bounds it had and a layer above that sizes its records to
// segments (DES) keeps them.
//
// A write's slot (and its pages) is taken under the state lock; its bytes are copied in outside it,
// as BSD's sosend copies into so_snd outside splnet (on a SharedArrayBuffer the copy costs about
// 1 µs for 4 KB, which under packet-level parallelism would otherwise be serial), and the slot is
// then marked ready with an atomic store. Nothing of a write that is not ready is sent, first or again.

import { DEFAULT_HEADROOM, type Msg } from '../../message.js';
import {
  SND_ENTRY,
  SND_PAGED_FROM,
  SND_RING_BYTES,
  SND_SEGS,
  SND_SEGS_AT,
  Tcb,
  type TcpControlBlock,
  seqGt,
  seqLeq,
} from './control-block.js';

const RING_MASK = SND_RING_BYTES - 1;
const SLOT_MASK = SND_SEGS - 1;
/** A slot's fields, from slotAt(): the write's end (seq), whether its bytes are in the ring, its length. */
const END = 0;
const READY = 1;
const LENGTH = 2;

/** Index in Tcb of send-queue slot `slot`'s end (its ready flag and length follow). */
function slotAt(slot: number): number {
  return SND_SEGS_AT + SND_ENTRY * (slot & SLOT_MASK);
}

export class SendQueue {
  /**
   * A view of the payload last copied in from another buffer, kept while messages keep its place and
   * length (a sender reuses its buffer): the copy into the ring is then one native TypedArray.set,
   * with no view made per segment. (The JavaScript copy loop took six times the checksum's time on 4 KB.)
   */
  private source: Uint8Array | null = null;
  /** The message, payload start and length `source` was made for. */
  private sourceMsg: Msg | null = null;
  private sourceHead = 0;

  /**
   * The control block is in shared memory: the ready mark is an atomic store (a release: the
   * ring's bytes before it). One owner needs no ordering, and a plain store costs less.
   */
  private readonly shared: boolean;

  constructor(private readonly tcb: TcpControlBlock) {
    this.shared = tcb.f.buffer instanceof SharedArrayBuffer;
  }

  /** Whether a write more fits (a slot for it). Under the lock. */
  get hasRoom(): boolean {
    return this.tcb.f[Tcb.sndSegCount]! < SND_SEGS;
  }

  /**
   * Where the next write goes: the end of the last write in the queue (BSD's snd_una + sb_cc), or
   * `sndNxt` when the queue is empty. While data may be written (no FIN sent), a queue whose
   * writes are all sent ends at snd_nxt. Under the lock.
   */
  writtenEnd(sndNxt: number): number {
    const f = this.tcb.f;
    const count = f[Tcb.sndSegCount]!;
    return count === 0 ? sndNxt : f[slotAt(f[Tcb.sndSegHead]! + count - 1) + END]!;
  }

  /** Whether every write is sent whole: nothing waits to be sent (the FIN may go). Under the lock. */
  get allSent(): boolean {
    return this.tcb.f[Tcb.sndSegsSent] === this.tcb.f[Tcb.sndSegCount];
  }

  /**
   * Takes the next slot for the write [seq, seq + length), not ready; `sent`: it goes out now as
   * one segment (so nothing before it waits either). Under the lock; answers the slot.
   */
  reserve(seq: number, length: number, sent: boolean): number {
    const f = this.tcb.f;
    const count = f[Tcb.sndSegCount]!;
    if (count === 0) f[SND_PAGED_FROM] = seq;
    this.tcb.sndRing.map(this.ringAt(seq), length);
    const slot = f[Tcb.sndSegHead]! + count;
    const at = slotAt(slot);
    f[at + END] = (seq + length) | 0;
    f[at + READY] = 0; // (under the lock, which orders it)
    f[at + LENGTH] = length;
    f[Tcb.sndSegCount] = count + 1;
    if (sent) f[Tcb.sndSegsSent] = count + 1;
    return slot;
  }

  /** Copies the write's bytes from `msg`'s payload into the ring and marks its slot ready. Outside the lock. */
  copyIn(msg: Msg, seq: number, length: number, slot: number): void {
    const ring = this.tcb.sndRing;
    const position = this.ringAt(seq);
    if (msg.bytes.buffer !== ring.bytes.buffer && ring.contiguous(position, length))
      ring.bytes.set(this.payloadView(msg, length), ring.absolute(position));
    else ring.write(position, msg.bytes, msg.head, length);
    if (this.shared) Atomics.store(this.tcb.f, slotAt(slot) + READY, 1);
    else this.tcb.f[slotAt(slot) + READY] = 1;
  }

  /**
   * Where `seq` lies in the ring: its offset from the stream's first byte (ISS + 1), not the
   * sequence number itself, so writes of a multiple of 8 bytes stay 8-byte aligned whatever the
   * ISS, as the messages' payloads are, and the copies between them take V8's fast memmove on a
   * SharedArrayBuffer (copyBytes).
   */
  private ringAt(seq: number): number {
    return (seq - this.tcb.f[Tcb.iss]! - 1) & RING_MASK;
  }

  /** A view of `msg`'s first `length` payload bytes: the one kept, when it is still that. */
  private payloadView(msg: Msg, length: number): Uint8Array {
    const kept = this.source;
    if (kept !== null && msg === this.sourceMsg && msg.head === this.sourceHead && kept.length === length) return kept;
    this.sourceMsg = msg;
    this.sourceHead = msg.head;
    return (this.source = new Uint8Array(msg.bytes.buffer, msg.bytes.byteOffset + msg.head, length));
  }

  /** Forgets the writes an ACK up to `ack` covers whole (all sent: ack ≤ snd_nxt). Under the lock. */
  acknowledged(ack: number): void {
    const f = this.tcb.f;
    let head = f[Tcb.sndSegHead]!;
    let count = f[Tcb.sndSegCount]!;
    let sent = f[Tcb.sndSegsSent]!;
    while (sent > 0 && seqLeq(f[slotAt(head) + END]!, ack)) {
      head = (head + 1) & SLOT_MASK;
      count--;
      sent--;
    }
    // Emptied: the next write takes the first slot again, so the slots a connection touches are the
    // few it has in flight, on lines still in the cache, not a walk through all SND_SEGS of them.
    if (count === 0) head = 0;
    f[Tcb.sndSegHead] = head;
    f[Tcb.sndSegCount] = count;
    f[Tcb.sndSegsSent] = sent;
    this.releasePages(count === 0 ? ack : (f[slotAt(head) + END]! - f[slotAt(head) + LENGTH]!) | 0);
  }

  /** Gives back the pages wholly before `start`, where what the ring holds now begins; with nothing held, all. */
  private releasePages(start: number): void {
    const f = this.tcb.f;
    const ring = this.tcb.sndRing;
    if (f[Tcb.sndSegCount] === 0) ring.releaseAll();
    else ring.releaseBefore(this.ringAt(f[SND_PAGED_FROM]!), (start - f[SND_PAGED_FROM]!) | 0);
    f[SND_PAGED_FROM] = start;
  }

  private ready(at: number): boolean {
    return (this.shared ? Atomics.load(this.tcb.f, at + READY) : this.tcb.f[at + READY]) !== 0;
  }

  /**
   * The oldest unacknowledged segment's length: from snd_una to the end of its write, at most
   * `mss` and no further than what was sent (snd_nxt). 0 when no data is outstanding (only a SYN or
   * FIN may be) or when its bytes are not in the ring yet (nor sent). RFC 6298 5.4 sends it again.
   * Under the lock.
   */
  oldestLength(mss: number): number {
    const f = this.tcb.f;
    if (f[Tcb.sndSegCount] === 0) return 0;
    const at = slotAt(f[Tcb.sndSegHead]!);
    if (!this.ready(at)) return 0;
    const una = f[Tcb.sndUna]!;
    const end = seqGt(f[at + END]!, f[Tcb.sndNxt]!) ? f[Tcb.sndNxt]! : f[at + END]!;
    return seqGt(end, una) ? Math.min((end - una) | 0, mss) : 0;
  }

  /**
   * The next segment to send from snd_nxt (`seq`): its length, at most `mss` and never past its
   * write's end; 0 when nothing waits or the write's bytes are not in the ring yet. Under the lock.
   */
  nextLength(seq: number, mss: number): number {
    const f = this.tcb.f;
    if (this.allSent) return 0;
    const at = slotAt(f[Tcb.sndSegHead]! + f[Tcb.sndSegsSent]!);
    if (!this.ready(at)) return 0;
    return Math.min((f[at + END]! - seq) | 0, mss);
  }

  /** The segment [seq, seq + length) that nextLength() offered is sent: at its write's end, the write is. Under the lock. */
  sent(seq: number, length: number): void {
    const f = this.tcb.f;
    const sent = f[Tcb.sndSegsSent]!;
    if (f[slotAt(f[Tcb.sndSegHead]! + sent) + END] === ((seq + length) | 0)) f[Tcb.sndSegsSent] = sent + 1;
  }

  /**
   * Where in the ring `seq` is: in the oldest write (a retransmission), or in the next write to
   * send (`next`). Under the lock; the copy (copyOut) may follow outside it, since nothing frees
   * bytes before they are sent and acknowledged.
   */
  positionOf(seq: number, next: boolean): number {
    const f = this.tcb.f;
    const at = slotAt(f[Tcb.sndSegHead]! + (next ? f[Tcb.sndSegsSent]! : 0));
    const start = (f[at + END]! - f[at + LENGTH]!) | 0;
    return this.ringAt(start) + ((seq - start) | 0);
  }

  /**
   * Writes `length` ring bytes from `position` (positionOf) into `msg` as its payload, which starts
   * 4 bytes further into the slot when that makes it 8-byte congruent with the ring (a segment cut
   * at a multiple of 1460 bytes, say): the copy is then a native memmove (copyBytes).
   */
  copyOut(msg: Msg, position: number, length: number): void {
    const ring = this.tcb.sndRing;
    const ringByte = ring.bytes.byteOffset + ring.absolute(position);
    const payloadByte = msg.bytes.byteOffset + msg.slotStart + DEFAULT_HEADROOM;
    msg.resetPayload(length, DEFAULT_HEADROOM + ((ringByte - payloadByte) & 4));
    ring.read(position, msg.bytes, msg.head, length);
  }
}
