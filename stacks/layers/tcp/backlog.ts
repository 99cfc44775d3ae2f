// A shared connection's backlog (Linux's sk_backlog): segments whose input found the connection's
// lock held, queued in shared memory instead of waiting, for whichever thread next releases the
// lock to run. A bounded queue of message slots, many producers (any thread), one consumer at a
// time (the lock's holder), after Vyukov's bounded queue: each slot's sequence word says whether
// it is free for the producer of a lap, or ready for the consumer.

import type { OwnerLock } from '../../layer.js';
import { BufferPool, DEFAULT_SLOT_BYTES, Msg, copyBytes } from '../../message.js';

/** Segments the backlog holds; a producer that finds it full waits for the lock instead. */
export const BACKLOG_SLOTS = 16;
const MASK = BACKLOG_SLOTS - 1;

// Words: the producers' claim counter and the consumer's take counter, a cache line each; then a
// line per slot: its sequence word and the segment's bounds and addresses.
const TAIL = 0;
const TAKEN = 16;
const SLOT_WORDS = 16;
const SLOTS_AT = 32;
const SEQ = 0;
const HEAD = 1;
const END = 2;
const SRC = 3;
const DST = 4;
const WORDS = SLOTS_AT + BACKLOG_SLOTS * SLOT_WORDS;

export class SegmentBacklog {
  /** Bytes the backlog takes in shared memory (at a 64-byte aligned offset). */
  static readonly BYTES = WORDS * 4 + BACKLOG_SLOTS * DEFAULT_SLOT_BYTES;

  private readonly words: Int32Array;
  /** This thread's message over each slot (Msg's bounds are per thread; the bytes are shared). */
  private readonly slots: Msg[] = [];

  constructor(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    /** The lock over the connection's state that the backlog stands in for. */
    readonly owner: OwnerLock,
    /** Segments input runs on, and output sends, under one acquisition: 1 (Linux's backlog), more to batch them. */
    readonly perAcquisition = 1,
  ) {
    if (!Number.isInteger(perAcquisition) || perAcquisition < 1 || perAcquisition > BACKLOG_SLOTS)
      throw new RangeError(`segments per acquisition: 1 to ${BACKLOG_SLOTS}, got ${perAcquisition}`);
    if (byteOffset % 64 !== 0) throw new RangeError(`backlog at ${byteOffset} is not on a 64-byte line`);
    this.words = new Int32Array(buffer, byteOffset, WORDS);
    const start = byteOffset + WORDS * 4;
    const pool = new BufferPool(BACKLOG_SLOTS, DEFAULT_SLOT_BYTES, { buffer, byteOffset: start });
    for (let i = 0; i < BACKLOG_SLOTS; i++) {
      this.slots.push(new Msg(pool.bytes, pool.view, pool.words, start + i * DEFAULT_SLOT_BYTES, start + (i + 1) * DEFAULT_SLOT_BYTES));
    }
  }

  /** Sets up an empty backlog (the thread that opens the connection, before the others use it). */
  reset(): void {
    const w = this.words;
    Atomics.store(w, TAIL, 0);
    Atomics.store(w, TAKEN, 0);
    for (let i = 0; i < BACKLOG_SLOTS; i++) Atomics.store(w, SLOTS_AT + i * SLOT_WORDS + SEQ, i);
  }

  /**
   * Queues a copy of the segment in `msg` (its bytes at the same offset in a slot, so the copy is
   * one aligned move); answers false, queuing nothing, when every slot is taken.
   */
  offer(msg: Msg): boolean {
    if (msg.tail - msg.slotStart > DEFAULT_SLOT_BYTES) return false; // (from a pool of larger slots)
    const w = this.words;
    let pos = Atomics.load(w, TAIL);
    let at = SLOTS_AT + (pos & MASK) * SLOT_WORDS;
    for (;;) {
      const lag = (Atomics.load(w, at + SEQ) - pos) | 0;
      if (lag < 0) return false; // the slot still holds a segment of the lap before
      if (lag === 0 && Atomics.compareExchange(w, TAIL, pos, (pos + 1) | 0) === pos) break;
      pos = Atomics.load(w, TAIL);
      at = SLOTS_AT + (pos & MASK) * SLOT_WORDS;
    }
    const slot = this.slots[pos & MASK]!;
    const head = slot.slotStart + (msg.head - msg.slotStart);
    copyBytes(slot.bytes, head, msg.bytes, msg.head, msg.length);
    w[at + HEAD] = head;
    w[at + END] = head + msg.length;
    w[at + SRC] = msg.srcAddr;
    w[at + DST] = msg.dstAddr;
    Atomics.store(w, at + SEQ, (pos + 1) | 0); // a release: the bytes and bounds before it are seen with it
    return true;
  }

  /** Whether the oldest queued segment is ready to take (a look without the lock). */
  get ready(): boolean {
    const w = this.words;
    const pos = Atomics.load(w, TAKEN);
    return Atomics.load(w, SLOTS_AT + (pos & MASK) * SLOT_WORDS + SEQ) === ((pos + 1) | 0);
  }

  /**
   * Takes the oldest queued segment (the lock held, and `ready`): answers this thread's message
   * over its slot, which stays the taker's until free(msg).
   */
  take(): Msg {
    const w = this.words;
    const pos = w[TAKEN]!;
    const at = SLOTS_AT + (pos & MASK) * SLOT_WORDS;
    const msg = this.slots[pos & MASK]!;
    msg.setRange(w[at + HEAD]!, w[at + END]!);
    msg.srcAddr = w[at + SRC]! >>> 0; // (as IP reads them: unsigned)
    msg.dstAddr = w[at + DST]! >>> 0;
    Atomics.store(w, TAKEN, (pos + 1) | 0);
    return msg;
  }

  /** Gives a taken segment's slot back to the producers (its processing is done). */
  free(msg: Msg): void {
    const w = this.words;
    const i = (msg.slotStart - this.slots[0]!.slotStart) / DEFAULT_SLOT_BYTES;
    const at = SLOTS_AT + i * SLOT_WORDS;
    // The slot's next producer is the one a lap on: its sequence was pos + 1 when ready.
    Atomics.store(w, at + SEQ, (Atomics.load(w, at + SEQ) - 1 + BACKLOG_SLOTS) | 0);
  }
}
