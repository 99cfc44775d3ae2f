// A lossy link: a FrameSink that stands in front of any other (a loopback queue, a driver) and,
// with given probabilities drawn from a seeded PRNG, drops a frame, flips one bit of it, sends it
// twice, or holds it back to follow the next frame (the role smoltcp's FaultInjector plays). It
// copies only the frames it changes or holds, into slots of its own: nothing is allocated per frame.

import type { FrameSink } from '../stacks/layer.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { Prng } from './prng.js';

/** Each fault's probability per frame, 0 to 1, and the seed of their draws. */
export interface Faults {
  loss: number;
  duplicate: number;
  reorder: number;
  corrupt: number;
  seed: number;
}

export const NO_FAULTS: Faults = { loss: 0, duplicate: 0, reorder: 0, corrupt: 0, seed: 1 };

/** What the link did, frame by frame. */
export interface FaultCounts {
  offered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Frames handed on (a duplicate counts twice). */
  passed: number;
}

export function noFaultCounts(): FaultCounts {
  return { offered: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, passed: 0 };
}

/** What the lossy links given did, added up (a missing link counts nothing). */
export function sumFaultCounts(links: readonly (FaultLink | null)[]): FaultCounts {
  const sum = noFaultCounts();
  for (const link of links) if (link !== null) addFaultCounts(sum, link.counts);
  return sum;
}

/** Adds `more` into `sum`. */
function addFaultCounts(sum: FaultCounts, more: FaultCounts): void {
  sum.offered += more.offered;
  sum.dropped += more.dropped;
  sum.duplicated += more.duplicated;
  sum.reordered += more.reordered;
  sum.corrupted += more.corrupted;
  sum.passed += more.passed;
}

/** Whether any fault has a probability above 0. */
export function injectsFaults(faults: Faults | undefined): faults is Faults {
  return faults !== undefined && (faults.loss > 0 || faults.duplicate > 0 || faults.reorder > 0 || faults.corrupt > 0);
}

/** A probability as a 31-bit threshold: a draw (Prng.next31) below it means the fault happens. */
function threshold(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`a fault's probability must be from 0 to 1, got ${p}`);
  return Math.round(p * 0x8000_0000);
}

export class FaultLink implements FrameSink {
  readonly counts: FaultCounts = noFaultCounts();
  private readonly prng: Prng;
  private readonly loss: number;
  private readonly duplicate: number;
  private readonly reorder: number;
  private readonly corrupt: number;
  /** A slot for a corrupted copy, and one for the frame held back. */
  private readonly changed: Msg;
  private readonly held: Msg;
  private holding = false;

  constructor(
    private readonly next: FrameSink,
    faults: Faults,
    /** Bytes of link header in front of the network header (frames are placed as receivers place them). */
    private readonly linkHeaderBytes: number,
  ) {
    this.prng = new Prng(faults.seed);
    this.loss = threshold(faults.loss);
    this.duplicate = threshold(faults.duplicate);
    this.reorder = threshold(faults.reorder);
    this.corrupt = threshold(faults.corrupt);
    const pool = new BufferPool(2);
    this.changed = pool.get();
    this.held = pool.get();
  }

  transmit(frame: Msg): void {
    const c = this.counts;
    c.offered++;
    const prng = this.prng;
    if (prng.next31() < this.loss) {
      c.dropped++;
      return;
    }
    let out = frame;
    if (prng.next31() < this.corrupt && frame.length > 0) {
      out = this.changed;
      out.loadFrame(frame.bytes, frame.head, frame.length, this.linkHeaderBytes);
      const bit = prng.next31() % (out.length * 8); // (a small integer: no heap number per frame)
      out.bytes[out.head + (bit >> 3)]! ^= 0x80 >> (bit & 7);
      c.corrupted++;
    }
    if (!this.holding && prng.next31() < this.reorder) {
      // Held back: it goes out right after the next frame.
      this.held.loadFrame(out.bytes, out.head, out.length, this.linkHeaderBytes);
      this.holding = true;
      c.reordered++;
      return;
    }
    this.pass(out);
    if (prng.next31() < this.duplicate) {
      c.duplicated++;
      this.pass(out);
    }
    this.release();
  }

  /** Hands on the frame held back, if any (at the end of a run, or when the sender goes quiet). Answers whether there was one. */
  release(): boolean {
    if (!this.holding) return false;
    this.holding = false;
    this.pass(this.held);
    return true;
  }

  private pass(frame: Msg): void {
    this.counts.passed++;
    this.next.transmit(frame);
  }
}
