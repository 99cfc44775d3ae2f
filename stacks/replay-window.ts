// The IPsec receiver's anti-replay window (RFC 2401 §3.4.3 and Appendix C; RFC 2406 §3.4.3): the
// highest sequence number accepted and a 64-bit map of the 64 numbers up to it. A packet is
// refused when its number is 0, already seen, or older than the window; the window moves only
// once the packet's integrity is verified (check, verify, then accept). In a typed-array block,
// so packet-level parallelism can share it (under the SA's lock) and dispatch replicas can each
// keep their own.

export const REPLAY_WINDOW = 64;

export const ReplayVerdict = { Fresh: 0, Zero: 1, TooOld: 2, Duplicate: 3 } as const;
export type ReplayVerdict = (typeof ReplayVerdict)[keyof typeof ReplayVerdict];

export class ReplayWindow {
  static readonly BYTES = 16;
  /** [highest accepted, map of highest-31..highest (bit 0 = highest), map of highest-63..highest-32]. */
  readonly words: Int32Array;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(ReplayWindow.BYTES), byteOffset = 0) {
    this.words = new Int32Array(buffer, byteOffset, 3);
  }

  get highest(): number {
    return this.words[0]! >>> 0;
  }

  /** Whether a packet with this sequence number may be accepted (nothing changes). */
  check(seq: number): ReplayVerdict {
    seq >>>= 0;
    if (seq === 0) return ReplayVerdict.Zero;
    const highest = this.words[0]! >>> 0;
    if (seq > highest) return ReplayVerdict.Fresh;
    const behind = highest - seq;
    if (behind >= REPLAY_WINDOW) return ReplayVerdict.TooOld;
    const word = behind < 32 ? this.words[1]! : this.words[2]!;
    return (word >>> (behind & 31)) & 1 ? ReplayVerdict.Duplicate : ReplayVerdict.Fresh;
  }

  /** Marks a verified packet's number as seen, sliding the window forward past a new highest. */
  accept(seq: number): void {
    seq >>>= 0;
    const w = this.words;
    const highest = w[0]! >>> 0;
    if (seq > highest) {
      const shift = seq - highest;
      let lo = w[1]! >>> 0;
      let hi = w[2]! >>> 0;
      if (shift >= REPLAY_WINDOW) {
        lo = 0;
        hi = 0;
      } else if (shift >= 32) {
        hi = lo << (shift - 32);
        lo = 0;
      } else {
        hi = (hi << shift) | (lo >>> (32 - shift));
        lo = lo << shift;
      }
      w[0] = seq | 0;
      w[1] = lo | 1;
      w[2] = hi | 0;
      return;
    }
    const behind = highest - seq;
    if (behind < 32) w[1] = w[1]! | (1 << behind);
    else if (behind < REPLAY_WINDOW) w[2] = w[2]! | (1 << (behind - 32));
  }

  reset(): void {
    this.words.fill(0);
  }
}
