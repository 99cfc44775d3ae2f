// The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum.
// The sum is byte-order independent (RFC 1071 §2B), so aligned data is summed 32 bits at a time
// in the machine's order and swapped once at the end.

import { LITTLE_ENDIAN, wordView } from './message.js';

/** Folds a non-negative sum (up to 2^53) to 16 bits with end-around carry. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/**
 * Adds bytes [offset, offset + length) of `bytes`, as big-endian 16-bit words (an odd last byte
 * padded with zero), to `sum`. Returns an unfolded sum: chain calls, then fold once.
 */
export function onesSum(bytes: Uint8Array, offset: number, length: number, sum = 0, words?: Uint32Array): number {
  const abs = bytes.byteOffset + offset;
  if ((abs & 3) !== 0 || length < 16) return onesSumBytes(bytes, offset, length, sum);
  // A caller that has the buffer's word view (a Msg's `words`) saves a WeakMap lookup per call.
  words ??= wordView(bytes);
  const first = abs >>> 2;
  const count = length >>> 2;
  // Four accumulators of 32-bit words: each stays exact far beyond any frame (2^53 / 2^32 words).
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = first;
  const end4 = first + (count & ~3);
  for (; i < end4; i += 4) {
    a += words[i]!;
    b += words[i + 1]!;
    c += words[i + 2]!;
    d += words[i + 3]!;
  }
  const end = first + count;
  for (; i < end; i++) a += words[i]!;
  let wide = a + b + c + d;
  // The last 1..3 bytes, as the machine would have read them in a zero-padded word.
  const rest = length & 3;
  if (rest !== 0) {
    const at = offset + (count << 2);
    const b0 = bytes[at]!;
    const b1 = rest > 1 ? bytes[at + 1]! : 0;
    const b2 = rest > 2 ? bytes[at + 2]! : 0;
    wide += LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) : (b0 << 24) | (b1 << 16) | (b2 << 8);
  }
  // Folded here rather than by fold(): `wide` can exceed 2^30, and passed to a call the JIT did
  // not inline it would be boxed, a heap number per packet.
  while (wide > 0xffff) wide = (wide % 0x10000) + Math.floor(wide / 0x10000);
  return sum + (LITTLE_ENDIAN ? swap16(wide) : wide);
}

/** The same sum for data at any alignment, two bytes at a time. */
function onesSumBytes(bytes: Uint8Array, offset: number, length: number, sum: number): number {
  const end = offset + (length & ~1);
  let i = offset;
  for (; i < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((length & 1) !== 0) sum += bytes[i]! << 8;
  return sum;
}

/**
 * The checksum field value for bytes [offset, offset + length), plus a pre-summed pseudo-header;
 * `words`: a Uint32Array over the whole buffer behind `bytes`, when the caller has one.
 */
export function internetChecksum(bytes: Uint8Array, offset: number, length: number, initial = 0, words?: Uint32Array): number {
  return ~fold(onesSum(bytes, offset, length, initial, words)) & 0xffff;
}

/** The TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768) as an unfolded sum. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * Updates the 16-bit Internet checksum at `checksumAt` for a 32-bit field that changed from `old`
 * to `next`, without summing the packet again (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 */
export function updateChecksum32(view: DataView, checksumAt: number, old: number, next: number): void {
  let sum = ~view.getUint16(checksumAt) & 0xffff;
  sum += (~(old >>> 16) & 0xffff) + (~old & 0xffff) + (next >>> 16) + (next & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint16(checksumAt, ~sum & 0xffff);
}
