// One connection shared by all workers (packet-level parallelism): both ends' TCP control blocks,
// IP identification and AH sequence counters, and the drivers' own shared words, laid out in one
// SharedArrayBuffer region. The lock implementation comes from the caller (an Atomics mutex).

import { CounterBlock } from '../stacks/counter-block.js';
import { DataStream } from './data-stream.js';
import { DEFAULT_SLOT_BYTES, type PoolRegion } from '../stacks/message.js';
import type { Lock, OwnerLock } from '../stacks/layer.js';
import { SegmentBacklog } from '../stacks/layers/tcp/backlog.js';
import { TcpControlBlock } from '../stacks/layers/tcp/control-block.js';

/**
 * Indexes into `SharedConnection.words`. Each word that different threads write sits on a cache
 * line of its own (16 Int32 apart), so a CAS on one does not steal the line holding another.
 */
export const SharedWord = {
  /** Receive source: the next sequence number to hand out. */
  nextSeq: 0,
  /** Send sink: the highest segment end any worker has transmitted (what the peer acknowledges). */
  maxAck: 16,
  /** Receive application: stream position up to which data has been consumed, in order. */
  committed: 32,
  /** Verify: the next application message number. */
  messageIndex: 48,
  /** The locks' words, a cache line each (a mutex takes one Int32, a ticket lock three). */
  measuredLock: 64,
  peerLock: 80,
  /** Guards the application's reorder table; `parked`, used under it, shares its line. */
  reorderLock: 96,
  /** How many entries the reorder table holds. */
  parked: 97,
  /** Verify under the reorder lock: the message the committed stream is in, and the offset in it reached. */
  streamIndex: 98,
  streamOffset: 99,
  /** Threads waiting (under the reorder lock's protocol) for `committed` to move: only then is a commit notified. */
  committedWaiters: 100,
} as const;

const CACHE_LINE = 64;
const WORDS = 7 * (CACHE_LINE / 4);
/** Entries in the application's reorder table: REORDER_ENTRY words each (more than a window of segments). */
export const REORDER_SLOTS = 128;
/**
 * An entry's words: [seq, next, bytes, tag, sampled high, sampled low] (the tag: what the receiver's
 * check learnt of the piece; sampled: its Msg.sampledAt, the 32-bit halves of a time in ns, or 0).
 */
export const REORDER_ENTRY = 6;
const TCB = TcpControlBlock.BYTES; // a multiple of 8

export interface SharedConnection {
  /** Worker 0: opens the connection and initialises the shared words; the others join it. */
  leader: boolean;
  worker: number;
  /** The measured end's TCP control block, and the other end's. */
  measuredTcb: TcpControlBlock;
  peerTcb: TcpControlBlock;
  measuredIdent: CounterBlock;
  measuredSequence: CounterBlock;
  peerIdent: CounterBlock;
  peerSequence: CounterBlock;
  /** Guards measuredTcb; peerLock guards peerTcb (used when the peer is shared too, under verify). */
  lock: Lock;
  peerLock: Lock;
  /** The backlog designs: the measured end's backlog, whose owner is `lock`; null in the other designs. */
  backlog: SegmentBacklog | null;
  /** Guards `reorder` and the committed position. */
  reorderLock: Lock;
  words: Int32Array;
  /** Segments decrypted and checked ahead of the committed position: REORDER_SLOTS × REORDER_ENTRY words. */
  reorder: Int32Array;
  /** This worker's WORKER_MESSAGES message slots (a BufferPool is made over them per run). */
  messages: PoolRegion;
  /** This worker's application bytes, APPLICATION_BYTES from here: what it sends or replays, beside the rings it is copied into. */
  application: PoolRegion;
}

/**
 * Message slots each worker keeps in the shared block: its receive frame and its two stacks' TCP
 * messages (four each). In the same buffer as the reassembly ring, copies into and out of the ring are native.
 */
export const WORKER_MESSAGES = 12;
/**
 * Each worker's application bytes in the shared block: the message it writes and the data it fills
 * it from (sending), or the frames it replays (receiving). In the same memory as the rings and
 * frames they are copied into, those copies are native too (stacks/native-memory.ts): from a private
 * buffer into a SharedArrayBuffer V8 copies with relaxed atomics, 190 ns for 4 KB against 50.
 * Room for a message slot and the data stream's messages at the largest payload a slot holds.
 */
export const APPLICATION_BYTES = (DataStream.MESSAGES + 1) * DEFAULT_SLOT_BYTES;
const WORKER_MESSAGE_BYTES = WORKER_MESSAGES * DEFAULT_SLOT_BYTES + APPLICATION_BYTES;

/** IP identification and AH sequence counters: one cache line each, as every thread advances them. */
const COUNTER_STRIDE = CACHE_LINE;

const BACKLOG_AT = align64(2 * TCB + 4 * COUNTER_STRIDE + WORDS * 4 + REORDER_SLOTS * REORDER_ENTRY * 4);
const MESSAGES_AT = BACKLOG_AT + SegmentBacklog.BYTES;

/** Bytes of the shared block for a connection processed by `workers` threads. */
export function sharedConnectionBytes(workers: number): number {
  return MESSAGES_AT + workers * WORKER_MESSAGE_BYTES;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Where a block's shared words start (the lock words among them). */
function wordsByteOffset(offset: number): number {
  return offset + 2 * TCB + 4 * COUNTER_STRIDE;
}

/** The byte offset of the measured end's lock word in the block at `offset` (for a thread that only takes the lock). */
export function measuredLockByteOffset(offset: number): number {
  return wordsByteOffset(offset) + 4 * SharedWord.measuredLock;
}

export function sharedConnection(
  buffer: SharedArrayBuffer,
  offset: number,
  worker: number,
  makeLock: (buffer: SharedArrayBuffer, byteOffset: number) => Lock,
  /**
   * The backlog designs: the measured end's TCP queues input that finds its lock held (the lock
   * must be an OwnerLock), and runs this many queued segments to an acquisition; 0: no backlog.
   */
  backlogBatch = 0,
): SharedConnection {
  if (offset % 64 !== 0) throw new RangeError(`shared connection block at ${offset} is not on a 64-byte line`);
  const counters = offset + 2 * TCB;
  const wordsAt = wordsByteOffset(offset);
  const lock = makeLock(buffer, measuredLockByteOffset(offset));
  let backlog: SegmentBacklog | null = null;
  if (backlogBatch > 0) {
    if (!('tryLock' in lock)) throw new TypeError('the backlog design needs a lock that can be tried without waiting');
    backlog = new SegmentBacklog(buffer, offset + BACKLOG_AT, lock as OwnerLock, backlogBatch);
    // Before any run: the others use the backlog only after the leader reaches a run's start barrier.
    if (worker === 0) backlog.reset();
  }
  return {
    leader: worker === 0,
    worker,
    measuredTcb: new TcpControlBlock(buffer, offset),
    peerTcb: new TcpControlBlock(buffer, offset + TCB),
    measuredIdent: new CounterBlock(buffer, counters),
    measuredSequence: new CounterBlock(buffer, counters + COUNTER_STRIDE),
    peerIdent: new CounterBlock(buffer, counters + 2 * COUNTER_STRIDE),
    peerSequence: new CounterBlock(buffer, counters + 3 * COUNTER_STRIDE),
    lock,
    backlog,
    peerLock: makeLock(buffer, wordsAt + 4 * SharedWord.peerLock),
    reorderLock: makeLock(buffer, wordsAt + 4 * SharedWord.reorderLock),
    words: new Int32Array(buffer, wordsAt, WORDS),
    reorder: new Int32Array(buffer, wordsAt + WORDS * 4, REORDER_SLOTS * REORDER_ENTRY),
    messages: { buffer, byteOffset: offset + MESSAGES_AT + worker * WORKER_MESSAGE_BYTES },
    application: { buffer, byteOffset: offset + MESSAGES_AT + worker * WORKER_MESSAGE_BYTES + WORKER_MESSAGES * DEFAULT_SLOT_BYTES },
  };
}
