// The commit protocol of packet-level parallelism on the shared connection's words and reorder
// table (shared-connection.ts): the highest sequence number acknowledged, and the application's
// in-order commit of segments that threads deliver concurrently.

import type { Upper } from '../stacks/layer.js';
import { seqGt } from '../stacks/layers/tcp/control-block.js';
import type { Msg } from '../stacks/message.js';
import { REORDER_ENTRY, REORDER_SLOTS, type SharedConnection, SharedWord } from './shared-connection.js';

/** Raises words[at] to `value` if that is later in sequence space; answers the result. */
export function raiseTo(words: Int32Array, at: number, value: number): number {
  for (;;) {
    const current = Atomics.load(words, at);
    if (!seqGt(value, current)) return current;
    if (Atomics.compareExchange(words, at, current, value) === current) return value;
  }
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
 */
export function inOrderApplication(
  shared: SharedConnection,
  check: (m: Msg) => number,
  credit: (bytes: number) => void,
  duplicate: () => void,
  inOrder: (tag: number, length: number) => void = () => {},
): Upper {
  const words = shared.words;
  const table = shared.reorder;
  const E = REORDER_ENTRY;
  return {
    pop: (m: Msg) => {
      const tag = check(m);
      const seq = m.streamSeq;
      const lock = shared.reorderLock;
      let deadline = 0;
      lock.acquire();
      try {
        let committed = words[SharedWord.committed]!;
        let parked = words[SharedWord.parked]!;
        // A full table: wait (lock released) for the thread holding the gap to commit it; counted
        // in committedWaiters under the lock, so a commit notifies only when someone may wait.
        while (seq !== committed && parked === REORDER_SLOTS && !seqGt(committed, seq)) {
          words[SharedWord.committedWaiters]!++;
          lock.release();
          if (deadline === 0) deadline = Date.now() + STALL_MS;
          else if (Date.now() > deadline) {
            lock.acquire(); // the finally below releases it
            words[SharedWord.committedWaiters]!--;
            throw new Error(`in-order delivery stalled at ${committed >>> 0}: a segment before ${seq >>> 0} was lost`);
          }
          Atomics.wait(words, SharedWord.committed, committed, 1);
          lock.acquire();
          words[SharedWord.committedWaiters]!--;
          committed = words[SharedWord.committed]!;
          parked = words[SharedWord.parked]!;
        }
        if (seqGt(committed, seq)) return duplicate();
        if (seq !== committed) {
          for (let i = 0; i < parked; i++) if (table[E * i] === seq) return duplicate();
          table[E * parked] = seq;
          table[E * parked + 1] = m.streamNext;
          table[E * parked + 2] = m.length;
          table[E * parked + 3] = tag;
          words[SharedWord.parked] = parked + 1;
          return;
        }
        let bytes = m.length;
        committed = m.streamNext;
        inOrder(tag, m.length);
        // Commit what was parked behind this segment.
        for (let i = 0; i < parked;) {
          if (table[E * i] !== committed) {
            i++;
            continue;
          }
          committed = table[E * i + 1]!;
          bytes += table[E * i + 2]!;
          inOrder(table[E * i + 3]!, table[E * i + 2]!);
          parked--;
          table.copyWithin(E * i, E * parked, E * parked + E);
          i = 0;
        }
        words[SharedWord.parked] = parked;
        Atomics.store(words, SharedWord.committed, committed);
        // Atomics.notify takes a process-wide lock even with no one waiting (a tenth of PLP's
        // receive overhead at one worker): only a thread counted in committedWaiters waits.
        if (words[SharedWord.committedWaiters] !== 0) Atomics.notify(words, SharedWord.committed);
        credit(bytes);
      } finally {
        lock.release();
      }
    },
  };
}
