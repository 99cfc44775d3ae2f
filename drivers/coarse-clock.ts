// The drivers' clock for TCP's timers: whole milliseconds, read from performance.now() only every
// READS_PER_LOOK calls, or at the next call after expire(). A driver asks for the time each time a
// closed window makes it wait, thousands of times a second; a look at the clock allocates (50 to
// 100 bytes in Node 20), so looking every time would allocate per packet. A driver that naps while
// it waits for a timer expires the clock every few naps, so the timers see time pass.

const READS_PER_LOOK = 256;

export class CoarseClock {
  private ms = 0;
  private reads = 0;

  /** Milliseconds (since the process started), at most READS_PER_LOOK calls old. */
  now(): number {
    if (this.ms === 0 || ++this.reads === READS_PER_LOOK) {
      this.reads = 0;
      this.ms = Math.floor(performance.now()) || 1;
    }
    return this.ms;
  }

  /** The next now() looks at the clock. */
  expire(): void {
    this.reads = READS_PER_LOOK - 1;
  }
}
