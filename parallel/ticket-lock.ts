// A ticket lock on three SharedArrayBuffer words (Mellor-Crummey & Scott 1991, §2.2): a thread
// takes the next ticket and is served in ticket order, so the lock is fair (FIFO), unlike the
// mutex, where whoever comes first after a release wins. Its cost: every waiter reads the one
// `serving` word, so each release moves that cache line to all of them. Waiters spin, then sleep in
// Atomics.wait on `serving`; a release wakes them only when one sleeps. Statistics as every lock's
// (SampledLock, mutex.ts).

import { SPINS, SampledLock } from './mutex.js';

/** The words, in this order from the lock's offset: the next ticket, the ticket served, the sleepers. */
const NEXT = 0;
const SERVING = 1;
const SLEEPERS = 2;

export class TicketLock extends SampledLock {
  static readonly BYTES = 12;

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    super(buffer, byteOffset, 3);
  }

  /** Takes a ticket only when it would be served at once: no one holds the lock or waits for it. */
  protected tryAcquire(): boolean {
    const serving = Atomics.load(this.words, SERVING);
    return Atomics.compareExchange(this.words, NEXT, serving, (serving + 1) | 0) === serving;
  }

  protected acquireSlow(): void {
    const words = this.words;
    const mine = Atomics.add(words, NEXT, 1);
    for (let i = 0; i < SPINS; i++) if (Atomics.load(words, SERVING) === mine) return;
    for (;;) {
      // Counted before the last look: a release after it sees the sleeper (both sequentially consistent).
      Atomics.add(words, SLEEPERS, 1);
      const serving = Atomics.load(words, SERVING);
      if (serving !== mine) Atomics.wait(words, SERVING, serving);
      Atomics.sub(words, SLEEPERS, 1);
      if (Atomics.load(words, SERVING) === mine) return;
    }
  }

  protected releaseWord(): void {
    Atomics.add(this.words, SERVING, 1);
    // Sleepers wait for different tickets: wake them all, and the one served goes on.
    if (Atomics.load(this.words, SLEEPERS) !== 0) Atomics.notify(this.words, SERVING);
  }
}
