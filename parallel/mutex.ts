// A mutex on a SharedArrayBuffer word (Drepper, "Futexes Are Tricky", mutex 2): 0 free, 1 held,
// 2 held with waiters. Acquire spins briefly, then sleeps in Atomics.wait; release wakes one
// sleeper only when there may be one. Counts acquisitions and contention for the report.

import type { Lock } from '../stacks/layer.js';

const FREE = 0;
const HELD = 1;
const CONTENDED = 2;

/** Spins (about 10 µs) before sleeping: a lock held for a TCP segment's bookkeeping is usually free again by then. */
const SPINS = 2000;
/**
 * Hold time is timed on one acquisition in HOLD_SAMPLE, wait time on one contended acquisition in
 * WAIT_SAMPLE, and both scaled up. Reading the clock costs about 100 ns, as much as a short hold,
 * and on Node 20 every reading allocates (performance.now() a heap number, hrtime.bigint() a
 * BigInt): timing every acquisition would make garbage per packet. Sparser samples read a cold
 * clock and measure holds longer (1 in 1024: up to twice as long as 1 in 17); 1 in 127 keeps the
 * garbage under a byte a packet and measured holds 10-20% above 1 in 17's. Primes, so that no regular
 * pattern of acquisitions (two per packet, say) is always sampled at the same step.
 */
const HOLD_SAMPLE = 127;
const WAIT_SAMPLE = 17;

export interface LockStats {
  acquisitions: number;
  contended: number;
  /** Estimated total ns spent waiting in contended acquisitions (sampled, scaled up). */
  waitNs: number;
  /** Estimated total ns held (sampled, scaled up). */
  holdNs: number;
}

export class AtomicsMutex implements Lock {
  static readonly BYTES = 4;
  private readonly word: Int32Array;
  /** performance.now() when a sampled hold began, else 0. */
  private heldSince = 0;
  readonly stats: LockStats = { acquisitions: 0, contended: 0, waitNs: 0, holdNs: 0 };

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.word = new Int32Array(buffer, byteOffset, 1);
  }

  acquire(): void {
    const word = this.word;
    const stats = this.stats;
    stats.acquisitions++;
    if (Atomics.compareExchange(word, 0, FREE, HELD) !== FREE) {
      if (++stats.contended % WAIT_SAMPLE !== 0) {
        this.acquireSlow();
      } else {
        const start = performance.now();
        this.acquireSlow();
        stats.waitNs += (performance.now() - start) * 1e6 * WAIT_SAMPLE;
      }
    }
    if (stats.acquisitions % HOLD_SAMPLE === 0) this.heldSince = performance.now();
  }

  private acquireSlow(): void {
    const word = this.word;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(word, 0) === FREE && Atomics.compareExchange(word, 0, FREE, HELD) === FREE) return;
    }
    let seen = Atomics.exchange(word, 0, CONTENDED);
    while (seen !== FREE) {
      Atomics.wait(word, 0, CONTENDED);
      seen = Atomics.exchange(word, 0, CONTENDED);
    }
  }

  release(): void {
    if (this.heldSince !== 0) {
      this.stats.holdNs += (performance.now() - this.heldSince) * 1e6 * HOLD_SAMPLE;
      this.heldSince = 0;
    }
    if (Atomics.sub(this.word, 0, 1) !== HELD) {
      Atomics.store(this.word, 0, FREE);
      Atomics.notify(this.word, 0, 1);
    }
  }
}
