// A small seeded PRNG (mulberry32) for reproducible buffers and traffic: the paper fills each
// buffer with a random sequence and starts each test from a different seed.

export class Prng {
  private state: number;

  constructor(seed: number) {
    // Kept as an int32 (the same bits as mulberry32's uint32): a small integer, never a boxed double.
    this.state = seed | 0;
  }

  /** The next 32 random bits, unsigned. */
  next(): number {
    return this.mix() >>> 0;
  }

  /**
   * The next 31 random bits (the top 31 of next()'s): a small integer, so a hot path that draws per
   * packet allocates nothing (an unsigned 32-bit result is a heap number where the call is not inlined).
   */
  next31(): number {
    return this.mix() >>> 1;
  }

  private mix(): number {
    const s = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return t ^ (t >>> 14);
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  fill(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Uint8Array {
    for (let i = 0; i < length; i++) bytes[offset + i] = this.next() & 0xff;
    return bytes;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
