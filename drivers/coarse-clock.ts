// The drivers' clock for TCP's timers: whole milliseconds of the time the workload has been
// running. It stops while the workload is parked (interleaved measurement runs a configuration in
// slices, the others waiting), so a retransmission timeout waits out its RTO in the connection's
// own time and its wait falls inside the measured slices, as it would in a run of one piece.
//
// The clock is read only every READS_PER_LOOK calls, or at the next call after expire(): a driver
// asks for the time each time a closed window makes it wait, thousands of times a second, and a
// look at the clock allocates (16 to 100 bytes in Node 20), so looking every time would allocate
// per packet. A driver that naps while it waits for a timer expires the clock every few naps. For
// the same reason a stretch of running starts at its first look, not at resume() (a batch of
// packets is a stretch, and a lossy wire closes the window within a few packets of its start).

const READS_PER_LOOK = 256;
/** stretchStart when parked, and when running but not yet looked at. */
const PAUSED = -1;
const NOT_LOOKED = -2;

export class CoarseClock {
  private ms = 0;
  private reads = 0;
  /** Time run before the current stretch (ms), and when the current stretch began (PAUSED, NOT_LOOKED). */
  private ranMs = 0;
  private stretchStart = PAUSED;

  /** The workload runs from now on. */
  resume(): void {
    this.stretchStart = NOT_LOOKED;
    this.expire();
  }

  /** The workload is parked from now on: the clock stands still. */
  pause(): void {
    if (this.stretchStart >= 0) this.ranMs += performance.now() - this.stretchStart;
    this.stretchStart = PAUSED;
    this.expire();
  }

  /** Milliseconds run so far (at least 1), at most READS_PER_LOOK calls old. */
  now(): number {
    if (this.ms === 0 || ++this.reads === READS_PER_LOOK) {
      this.reads = 0;
      let running = 0;
      if (this.stretchStart === NOT_LOOKED) this.stretchStart = performance.now();
      else if (this.stretchStart >= 0) running = performance.now() - this.stretchStart;
      this.ms = Math.floor(this.ranMs + running) + 1;
    }
    return this.ms;
  }

  /** The next now() looks at the clock. */
  expire(): void {
    this.reads = READS_PER_LOOK - 1;
  }
}
