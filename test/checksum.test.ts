import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../stacks/checksum.js';
import { hex } from './helpers.js';

// The straightforward definition, two bytes at a time, to check the 32-bit path against.
function reference(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < length; i += 2) sum += (bytes[offset + i]! << 8) | bytes[offset + i + 1]!;
  if (length % 2 === 1) sum += bytes[offset + length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

test('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d', () => {
  const bytes = hex('0001f203f4f5f6f7');
  assert.is(fold(onesSum(bytes, 0, 8)), 0xddf2);
  assert.is(internetChecksum(bytes, 0, 8), 0x220d);
});

test('RFC 1071 example at every alignment and inside longer aligned data', () => {
  for (let lead = 0; lead < 8; lead++) {
    const bytes = new Uint8Array(64);
    bytes.set(hex('0001f203f4f5f6f7'), lead);
    // Zero bytes add nothing, so any window holding the 8 bytes at an even start sums the same.
    const start = lead & ~1;
    assert.is(fold(onesSum(bytes, start, 32)), lead % 2 === 0 ? 0xddf2 : ((0xddf2 << 8) | (0xddf2 >>> 8)) & 0xffff);
  }
});

test('32-bit path equals the 16-bit definition for every length and alignment', () => {
  const prng = new Prng(7);
  const bytes = prng.fill(new Uint8Array(5000));
  for (let offset = 0; offset < 8; offset++) {
    for (const length of [0, 1, 2, 3, 15, 16, 17, 18, 19, 20, 63, 64, 65, 1499, 1500, 4095, 4096, 4097, 4116]) {
      assert.is(internetChecksum(bytes, offset, length), reference(bytes, offset, length), `offset ${offset} length ${length}`);
    }
  }
});

test('data carrying its own checksum sums to 0xffff; any single flipped bit is detected', () => {
  const prng = new Prng(3);
  const bytes = prng.fill(new Uint8Array(200));
  bytes[10] = 0;
  bytes[11] = 0;
  const sum = internetChecksum(bytes, 0, 200);
  bytes[10] = sum >>> 8;
  bytes[11] = sum & 0xff;
  assert.is(fold(onesSum(bytes, 0, 200)), 0xffff);
  for (let bit = 0; bit < 200 * 8; bit++) {
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    assert.is.not(fold(onesSum(bytes, 0, 200)), 0xffff, `bit ${bit}`);
    bytes[bit >> 3]! ^= 1 << (bit & 7);
  }
});

test('pseudo-header sum adds addresses, protocol and length as 16-bit words', () => {
  // 10.0.0.1 -> 10.0.0.2, TCP, 20 bytes: 0a00 + 0001 + 0a00 + 0002 + 0006 + 0014
  assert.is(pseudoHeaderSum(0x0a000001, 0x0a000002, 6, 20), 0x0a00 + 1 + 0x0a00 + 2 + 6 + 20);
});

test.run();
