// A mutex on a SharedArrayBuffer word (Drepper, "Futexes Are Tricky", mutex 2): 0 free, 1 held,
// 2 held with waiters. Acquire spins briefly, then sleeps in Atomics.wait; release wakes one
// sleeper only when there may be one. Counts acquisitions and contention for the report, and
// allocates nothing doing so, however contended (test/allocation.test.ts, the contended PLP path).

import type { OwnerLock } from '../stacks/layer.js';
import { type NativeOps, nativeOps } from '../stacks/native-memory.js';
import { compileClock, readClock } from '../drivers/ns-clock.js';

const FREE = 0;
const HELD = 1;
const CONTENDED = 2;

/** Spins (about 10 µs) before sleeping: a lock held for a TCP segment's bookkeeping is usually free again by then. */
export const SPINS = 2000;
/**
 * Hold time is timed on one acquisition in HOLD_SAMPLE, wait time on one contended acquisition in
 * WAIT_SAMPLE, and both scaled up. Reading the clock costs about 50 ns, as much as a short hold:
 * timing every acquisition would cost more than the lock. Sparser samples read a cold clock and
 * measure holds longer (1 in 1024: up to twice as long as 1 in 17); 1 in 127 measured holds 10-20%
 * above 1 in 17's. Primes, so that no regular pattern of acquisitions (two per packet, say) is
 * always sampled at the same step.
 */
const HOLD_SAMPLE = 127;
const WAIT_SAMPLE = 17;

/** Slots of `AtomicsMutex.tally`: counts, the scaled-up totals, and two clock readings. */
const ACQUISITIONS = 0;
const CONTENDED_ACQUISITIONS = 1;
const WAIT_NS = 2;
const HOLD_NS = 3;
const HELD_SINCE = 4;
const WAIT_START = 5;
const NOW = 6;

export interface LockStats {
  acquisitions: number;
  contended: number;
  /** Estimated total ns spent waiting in contended acquisitions (sampled, scaled up). */
  waitNs: number;
  /** Estimated total ns held (sampled, scaled up). */
  holdNs: number;
}

/**
 * A lock's statistics, which every lock design keeps the same way: acquisitions and contended ones
 * counted, hold and wait times sampled (HOLD_SAMPLE, WAIT_SAMPLE) and scaled up, all in typed arrays
 * so that counting makes no heap object. A design supplies the word protocol: tryAcquire (the
 * uncontended path), acquireSlow (after a failed try) and releaseWord.
 */
export abstract class SampledLock implements OwnerLock {
  /** Counts, totals and clock readings, in one typed array: updating them makes no heap object. */
  private readonly tally = new Float64Array(7);
  /** Acquisitions until the next timed hold, contended acquisitions until the next timed wait. */
  private readonly countdown = Int32Array.of(HOLD_SAMPLE, WAIT_SAMPLE);

  /** The design's words, a cache line of their own in shared memory. */
  protected readonly words: Int32Array;
  /** Where they start in their buffer, and that buffer's native operations (null: a plain SharedArrayBuffer, Atomics it is). */
  protected readonly at: number;
  protected readonly native: NativeOps | null;

  constructor(buffer: SharedArrayBuffer, byteOffset: number, words: number) {
    this.words = new Int32Array(buffer, byteOffset, words);
    this.at = byteOffset;
    this.native = nativeOps(buffer);
    compileClock();
  }

  /** What the lock has counted so far (a new object: read it off the data path). */
  get stats(): LockStats {
    const t = this.tally;
    return { acquisitions: t[ACQUISITIONS]!, contended: t[CONTENDED_ACQUISITIONS]!, waitNs: t[WAIT_NS]!, holdNs: t[HOLD_NS]! };
  }

  acquire(): void {
    const t = this.tally;
    const countdown = this.countdown;
    t[ACQUISITIONS]!++;
    if (!this.tryAcquire()) {
      t[CONTENDED_ACQUISITIONS]!++;
      if (--countdown[1]! !== 0) {
        this.acquireSlow();
      } else {
        countdown[1] = WAIT_SAMPLE;
        readClock(t, WAIT_START);
        this.acquireSlow();
        readClock(t, NOW);
        t[WAIT_NS]! += (t[NOW]! - t[WAIT_START]!) * WAIT_SAMPLE;
      }
    }
    this.held();
  }

  /**
   * Takes the lock only if that needs no wait (the backlog design's input). A refusal counts as
   * an acquisition that met contention and waited nothing: the caller queued its work instead.
   */
  tryLock(): boolean {
    const t = this.tally;
    t[ACQUISITIONS]!++;
    if (!this.tryAcquire()) {
      t[CONTENDED_ACQUISITIONS]!++;
      return false;
    }
    this.held();
    return true;
  }

  /** The lock was just taken: on one acquisition in HOLD_SAMPLE, its hold is timed from now. */
  private held(): void {
    const countdown = this.countdown;
    if (--countdown[0]! === 0) {
      countdown[0] = HOLD_SAMPLE;
      readClock(this.tally, HELD_SINCE);
    }
  }

  release(): void {
    const t = this.tally;
    if (t[HELD_SINCE] !== 0) {
      readClock(t, NOW);
      t[HOLD_NS]! += (t[NOW]! - t[HELD_SINCE]!) * HOLD_SAMPLE;
      t[HELD_SINCE] = 0;
    }
    this.releaseWord();
  }

  /** Takes the lock if no one holds it (or waits for it); answers whether it did. */
  protected abstract tryAcquire(): boolean;
  /** Takes the lock after tryAcquire failed: spins, then sleeps. */
  protected abstract acquireSlow(): void;
  protected abstract releaseWord(): void;
}

/** Drepper's mutex 2 on one word: fast when uncontended, but not fair (whoever comes first after a release wins). */
export class AtomicsMutex extends SampledLock {
  static readonly BYTES = 4;

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    super(buffer, byteOffset, 1);
  }

  // The uncontended path's two atomic operations: WebAssembly's in a shared memory (17 ns the pair
  // against 27, stacks/native-memory.ts), on the same word as the Atomics of the paths that wait.
  protected tryAcquire(): boolean {
    const native = this.native;
    return (native !== null ? native.cas(this.at, FREE, HELD) : Atomics.compareExchange(this.words, 0, FREE, HELD)) === FREE;
  }

  protected acquireSlow(): void {
    const word = this.words;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(word, 0) === FREE && Atomics.compareExchange(word, 0, FREE, HELD) === FREE) return;
    }
    let seen = Atomics.exchange(word, 0, CONTENDED);
    while (seen !== FREE) {
      Atomics.wait(word, 0, CONTENDED);
      seen = Atomics.exchange(word, 0, CONTENDED);
    }
  }

  protected releaseWord(): void {
    const native = this.native;
    if ((native !== null ? native.sub(this.at, 1) : Atomics.sub(this.words, 0, 1)) !== HELD) {
      Atomics.store(this.words, 0, FREE);
      Atomics.notify(this.words, 0, 1);
    }
  }
}
