// Copies within a shared WebAssembly memory go through WebAssembly's memory.copy (native-copy.ts):
// the same bytes as a copy anywhere else, overlapping or not, at any skew.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptMemory, memoryOf, nativeCopier, sharedMemory } from '../stacks/native-copy.js';
import { copyBytes, memmoveOf, wholeBytesOf } from '../stacks/message.js';

test('a shared memory has whole pages and a native copier; a plain SharedArrayBuffer has none', () => {
  const buffer = sharedMemory(100_000);
  assert.is(buffer.byteLength, 131_072);
  assert.ok(buffer instanceof SharedArrayBuffer);
  assert.type(nativeCopier(buffer), 'function');
  assert.is(nativeCopier(new SharedArrayBuffer(64)), null);
  assert.is(adoptMemory(memoryOf(buffer)!), buffer);
});

test('copyBytes within a shared memory moves the same bytes as copyWithin on an ArrayBuffer, at every skew and overlap', () => {
  const shared = wholeBytesOf(sharedMemory(65_536));
  const plain = new Uint8Array(65_536);
  for (let i = 0; i < plain.length; i++) plain[i] = shared[i] = (i * 131 + 7) & 0xff;
  for (const [dst, src, length] of [
    [8192, 0, 4096], // apart, congruent
    [8195, 1, 4093], // apart, skewed
    [100, 50, 3000], // overlapping, forwards
    [50, 100, 3000], // overlapping, backwards
    [20_001, 30_003, 1], // one byte
  ] as const) {
    copyBytes(shared, dst, shared, src, length);
    plain.copyWithin(dst, src, src + length);
    assert.equal(shared, plain, `${length} bytes from ${src} to ${dst}`);
  }
  // Through another view of the buffer (a data view made at set-up), and by memmoveOf.
  const part = shared.subarray(40_000, 44_096);
  copyBytes(shared, 50_000, part, 0, part.length);
  plain.copyWithin(50_000, 40_000, 44_096);
  memmoveOf(shared)(60_000, 1, 777);
  plain.copyWithin(60_000, 1, 778);
  assert.equal(shared, plain);
});

test('memmoveOf takes only the whole view, and copies within an ArrayBuffer too', () => {
  const buffer = new ArrayBuffer(1024);
  const whole = wholeBytesOf(buffer);
  whole.set([1, 2, 3, 4], 10);
  memmoveOf(whole)(100, 10, 4);
  assert.equal([...whole.subarray(100, 104)], [1, 2, 3, 4]);
  assert.throws(() => memmoveOf(new Uint8Array(buffer, 64)), /memmoveOf takes the view wholeBytesOf made/);
});

test.run();
