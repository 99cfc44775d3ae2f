// The commit protocol of packet-level parallelism on the shared connection's words and reorder
// table (shared-connection.ts): the highest sequence number acknowledged, and the application's
// in-order commit of segments that threads deliver concurrently.

import type { Upper } from '../stacks/layer.js';
import { seqGt } from '../stacks/layers/tcp/control-block.js';
import type { Msg } from '../stacks/message.js';
import { splitSampledAt } from '../stacks/split-time.js';
import { type WordOps, wordOps } from '../stacks/native-memory.js';
import type { LatencySampler } from './latency-sampler.js';
import { REORDER_ENTRY, REORDER_SLOTS, type SharedConnection, SharedWord } from './shared-connection.js';

/** A function that raises words[at] to a value if that is later in sequence space, and answers the result. */
export function raiserOf(words: Int32Array, at: number): (value: number) => number {
  const word = wordOps(words, at);
  return (value) => {
    for (let current = word.load(); ;) {
      if (!seqGt(value, current)) return current;
      const seen = word.cas(current, value);
      if (seen === current) return value;
      current = seen;
    }
  };
}

/** How long a thread waits for another to fill a gap before it calls the stream broken. */
export const STALL_MS = 10_000;

/**
 * The application end under packet-level parallelism. Threads deliver segments concurrently (their
 * decryption overlaps); each checks its message at once, then commits it in stream order: if the
 * stream before it is not yet consumed, the message is parked in a small shared reorder table and
 * the thread moves on; whoever fills the gap commits what was parked behind it. So data is consumed
 * once and in order without one thread waiting for another. `credit` takes the bytes committed
 * (the caller's share of the stream); a segment already committed or parked is a duplicate. `check`
 * answers a tag for the piece, which `inOrder` is given, with its length, as each piece is committed
 * in stream order (under the lock, from whichever thread commits it).
 *
 * Without `inOrder`, the segment the stream waits for is committed without the lock: one CAS moves
 * `committed` past it (the lock, taken once a segment, was 74 ns of PLP's 450 ns receive overhead
 * a packet at one worker over Ethernet). Every move of `committed` is a CAS, so a segment is
 * committed once whichever path commits it. A parker writes `parked` and then reads `committed`; a
 * committer moves `committed` and then reads `parked`; all four sequentially consistent, so at
 * least one of the two sees the other and runs the drain: no parked segment is left behind a
 * position already reached.
 */
export function inOrderApplication(
  shared: SharedConnection,
  check: (m: Msg) => number,
  credit: (bytes: number) => void,
  duplicate: () => void,
  inOrder?: (tag: number, length: number) => void,
  sampler: LatencySampler | null = null,
): Upper {
  const commit = new InOrderCommit(shared, credit, duplicate, inOrder, sampler);
  return { pop: (m: Msg) => commit.commit(m, check(m)) };
}

class InOrderCommit {
  private readonly words: Int32Array;
  private readonly table: Int32Array;
  private readonly committedWord: WordOps;
  private readonly parkedWord: WordOps;
  private readonly waitersWord: WordOps;

  constructor(
    private readonly shared: SharedConnection,
    private readonly credit: (bytes: number) => void,
    private readonly duplicate: () => void,
    private readonly inOrder: ((tag: number, length: number) => void) | undefined,
    /** Records a sampled piece's latency as it is committed, by whichever thread commits it (null: none timed). */
    private readonly sampler: LatencySampler | null,
  ) {
    this.words = shared.words;
    this.table = shared.reorder;
    this.committedWord = wordOps(this.words, SharedWord.committed);
    this.parkedWord = wordOps(this.words, SharedWord.parked);
    this.waitersWord = wordOps(this.words, SharedWord.committedWaiters);
  }

  commit(m: Msg, tag: number): void {
    if (this.inOrder === undefined && this.advance(m.streamSeq, m.streamNext)) {
      // The segment the stream waited for: committed. Whatever was parked behind it is drained.
      if (m.sampledAt !== 0 && this.sampler !== null) this.sampler.end(m);
      let bytes = m.length;
      if (this.parkedWord.load() !== 0) {
        this.shared.reorderLock.acquire();
        bytes += this.drain();
        this.shared.reorderLock.release();
      }
      this.notifyWaiters();
      this.credit(bytes);
      return;
    }
    const lock = this.shared.reorderLock;
    lock.acquire();
    try {
      this.commitLocked(m, tag);
    } finally {
      lock.release();
    }
  }

  /** Moves `committed` from `from` to `to` if no one moved it first; answers whether it did. */
  private advance(from: number, to: number): boolean {
    return this.committedWord.cas(from, to) === from;
  }

  /** Under the reorder lock: commits the segment, or parks it, or (a full table) waits for room. */
  private commitLocked(m: Msg, tag: number): void {
    const words = this.words;
    const table = this.table;
    const E = REORDER_ENTRY;
    const seq = m.streamSeq;
    let deadline = 0;
    for (;;) {
      const committed = this.committedWord.load();
      const parked = words[SharedWord.parked]!;
      if (seqGt(committed, seq)) return this.duplicate();
      if (seq === committed) {
        if (!this.advance(committed, m.streamNext)) continue; // moved meanwhile: look again
        this.inOrder?.(tag, m.length);
        if (m.sampledAt !== 0 && this.sampler !== null) this.sampler.end(m);
        this.credit(m.length + this.drain());
        this.notifyWaiters();
        return;
      }
      if (parked < REORDER_SLOTS) {
        for (let i = 0; i < parked; i++) if (table[E * i] === seq) return this.duplicate();
        table[E * parked] = seq;
        table[E * parked + 1] = m.streamNext;
        table[E * parked + 2] = m.length;
        table[E * parked + 3] = tag;
        splitSampledAt(m, table, E * parked + 4);
        Atomics.store(words, SharedWord.parked, parked + 1);
        // `committed` may have reached this segment meanwhile (the protocol above).
        const bytes = this.drain();
        if (bytes > 0) {
          this.credit(bytes);
          this.notifyWaiters();
        }
        return;
      }
      // A full table: wait (lock released) for the thread holding the gap to commit it; counted
      // in committedWaiters, so a commit notifies only when someone may wait.
      if (deadline === 0) deadline = Date.now() + STALL_MS;
      else if (Date.now() > deadline)
        throw new Error(`in-order delivery stalled at ${committed >>> 0}: a segment before ${seq >>> 0} was lost`);
      Atomics.add(words, SharedWord.committedWaiters, 1);
      this.shared.reorderLock.release();
      Atomics.wait(words, SharedWord.committed, committed, 1);
      this.shared.reorderLock.acquire();
      Atomics.sub(words, SharedWord.committedWaiters, 1);
    }
  }

  /**
   * Under the reorder lock: commits every parked segment the committed position has reached, and
   * drops those it has passed (duplicates); answers the bytes committed, for the caller's credit.
   */
  private drain(): number {
    const table = this.table;
    const E = REORDER_ENTRY;
    let bytes = 0;
    let parked = this.words[SharedWord.parked]!;
    for (let i = 0; i < parked;) {
      const committed = this.committedWord.load();
      const seq = table[E * i]!;
      if (seq === committed && this.advance(committed, table[E * i + 1]!)) {
        bytes += table[E * i + 2]!;
        this.inOrder?.(table[E * i + 3]!, table[E * i + 2]!);
        if ((table[E * i + 4]! | table[E * i + 5]!) !== 0 && this.sampler !== null) this.sampler.endSplit(table, E * i + 4);
      } else if (!seqGt(committed, seq)) {
        i++;
        continue;
      } else {
        this.duplicate();
      }
      parked--;
      table.copyWithin(E * i, E * parked, E * parked + E);
      Atomics.store(this.words, SharedWord.parked, parked);
      i = 0;
    }
    return bytes;
  }

  /** After `committed` moved: wakes a thread waiting for room in a full table (committedWaiters counts them). */
  private notifyWaiters(): void {
    // Atomics.notify takes a process-wide lock even with no one waiting (a tenth of PLP's receive
    // overhead at one worker): only a thread counted in committedWaiters waits.
    if (this.waitersWord.load() !== 0) Atomics.notify(this.words, SharedWord.committed);
  }
}
