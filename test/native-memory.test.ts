// Copies within a shared WebAssembly memory go through WebAssembly's memory.copy (native-memory.ts):
// the same bytes as a copy anywhere else, overlapping or not, at any skew.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptMemory, memoryOf, nativeOps, sharedMemory, wordOps } from '../stacks/native-memory.js';
import { copyBytes, memmoveOf, wholeBytesOf } from '../stacks/message.js';

test('a shared memory has whole pages and native operations, made once; a plain SharedArrayBuffer has none', () => {
  const buffer = sharedMemory(100_000);
  assert.is(buffer.byteLength, 131_072);
  assert.ok(buffer instanceof SharedArrayBuffer);
  assert.type(nativeOps(buffer)!.copy, 'function');
  assert.is(nativeOps(buffer), nativeOps(buffer));
  assert.is(nativeOps(new SharedArrayBuffer(64)), null);
  assert.is(adoptMemory(memoryOf(buffer)!), buffer);
});

test('cas, sub, add and load act on the word at a byte offset as the Atomics functions do, answering the old value', () => {
  const buffer = sharedMemory(1);
  const words = new Int32Array(buffer);
  const { cas, sub, add, load } = nativeOps(buffer)!;
  assert.is(cas(64, 0, 1), 0, 'free: taken');
  assert.is(words[16], 1);
  assert.is(cas(64, 0, 1), 1, 'held: refused');
  assert.is(words[16], 1);
  assert.is(sub(64, 1), 1);
  assert.is(words[16], 0);
  assert.is(sub(64, 1), 0);
  assert.is(words[16], -1, 'wraps as an Int32');
  assert.is(cas(68, 0, -7), 0);
  assert.is(Atomics.load(words, 17), -7, 'the next word, through Atomics');
  assert.is(words[15], 0, 'the word before untouched');
  assert.is(add(68, 10), -7);
  assert.is(load(68), 3);
  assert.is(add(68, 0x7fff_ffff), 3);
  assert.is(load(68), -0x7fff_fffe, 'wraps as an Int32');
  assert.is(load(72), 0);
});

test('wordOps: the same answers natively and through Atomics', () => {
  for (const buffer of [sharedMemory(1), new SharedArrayBuffer(64)]) {
    const words = new Int32Array(buffer, 16, 4);
    const word = wordOps(words, 2);
    assert.is(word.cas(0, 5), 0);
    assert.is(word.cas(0, 6), 5, 'refused: answers what is there');
    assert.is(word.load(), 5);
    assert.is(new Int32Array(buffer)[6], 5, 'words[2] of a view at byte 16');
  }
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
