// The bytes a transfer with the kernel carries, and the check of what arrived: a seeded random
// sequence with a period of 1 MiB + 4093 bytes (prime to every power of two, so data that lands a
// ring's or a window's size away from its place never matches). Both ends, in their own processes,
// make the same sequence from the seed.

import { Prng } from '../drivers/prng.js';

const PERIOD = (1 << 20) + 4093;
/** The sequence runs on past its period by this much, so any piece up to it is one contiguous view. */
const SPAN = 1 << 16;

export class StreamPattern {
  /** The period, then its first SPAN bytes again. */
  private readonly bytes: Uint8Array;

  constructor(seed: number) {
    this.bytes = new Uint8Array(PERIOD + SPAN);
    new Prng(seed).fill(this.bytes, 0, PERIOD);
    this.bytes.copyWithin(PERIOD, 0, SPAN);
  }

  /** The stream's bytes [position, position + length), length ≤ 64 KiB, as a view (no copy). */
  slice(position: number, length: number): Uint8Array {
    if (length > SPAN) throw new RangeError(`a pattern slice is at most ${SPAN} bytes, not ${length}`);
    const at = position % PERIOD;
    return this.bytes.subarray(at, at + length);
  }

  /** Whether bytes[offset, offset + length) are the stream's bytes from `position` on. */
  matches(bytes: Uint8Array, offset: number, length: number, position: number): boolean {
    for (let done = 0; done < length;) {
      const n = Math.min(SPAN, length - done);
      const want = this.slice(position + done, n);
      const got = bytes.subarray(offset + done, offset + done + n);
      if (Buffer.compare(got, want) !== 0) return false;
      done += n;
    }
    return true;
  }
}
