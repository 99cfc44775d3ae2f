// The drivers' application data (drivers/data-stream.ts): one owner's check of a stream however it
// was cut, and the labelled content --verify uses under packet-level parallelism, where each piece
// must name its message and its place in it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataStream, type Label, StreamCheck, fillLabelled, readLabel, unmix } from '../drivers/data-stream.js';
import { Prng } from '../drivers/prng.js';
import { BufferPool, type Msg } from '../stacks/message.js';

function pieceOf(bytes: Uint8Array, from: number, to: number): Msg {
  const m = new BufferPool(1).get();
  m.resetPayload(to - from);
  m.bytes.set(bytes.subarray(from, to), m.head);
  return m;
}

test('StreamCheck: pieces cut anywhere, across messages, match in order; a piece out of its place does not', () => {
  const data = new DataStream(7, 1000);
  const stream = new Uint8Array(5000);
  for (let k = 0; k < 5; k++) stream.set(data.message(k), k * 1000);
  const check = new StreamCheck(new DataStream(7, 1000));
  const cuts = [0, 1, 1460, 2000, 2999, 3000, 4999, 5000];
  for (let i = 1; i < cuts.length; i++) assert.ok(check.take(pieceOf(stream, cuts[i - 1]!, cuts[i]!)), `piece ${i}`);
  const swapped = new StreamCheck(new DataStream(7, 1000));
  assert.ok(swapped.take(pieceOf(stream, 0, 1000)));
  assert.not.ok(swapped.take(pieceOf(stream, 2000, 3000)), 'message 2 where message 1 belongs');
});

test('mix is a bijection: unmix undoes it', () => {
  const prng = new Prng(3);
  for (let i = 0; i < 10_000; i++) {
    const x = prng.next31() * 2 + (i & 1);
    const m = fillWord(x);
    assert.is(unmix(m), x >>> 0);
  }
});

/** mix(x), read back through a labelled fill: the word of message x >>> 12 at offset 4 * (x & 0xfff). */
function fillWord(x: number): number {
  const bytes = new Uint8Array(4 * ((x & 0xfff) + 1));
  fillLabelled(bytes, 0, bytes.length, x >>> 12);
  const at = bytes.length - 4;
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

test('labelled content: every piece of 7 bytes or more names its message and offset; one changed byte is caught', () => {
  const size = 4096;
  const bytes = new Uint8Array(size);
  fillLabelled(bytes, 0, size, 77_777);
  const label: Label = { index: 0, offset: 0 };
  const prng = new Prng(11);
  for (let i = 0; i < 2000; i++) {
    const from = prng.below(size - 7);
    const to = from + 7 + prng.below(size - from - 7 + 1);
    assert.is(readLabel(pieceOf(bytes, from, to), size, label), 1);
    assert.equal(label, { index: 77_777, offset: from });
    const bad = pieceOf(bytes, from, to);
    bad.bytes[bad.head + prng.below(to - from)]! ^= 1 << prng.below(8);
    assert.is(readLabel(bad, size, label), 0, `a flipped bit in [${from}, ${to})`);
  }
  assert.is(readLabel(pieceOf(bytes, 5, 11), size, label), -1, 'six bytes may hold no whole word: cannot tell');
  const other = new Uint8Array(size);
  fillLabelled(other, 0, size, 77_778);
  const joined = new Uint8Array(size);
  joined.set(bytes.subarray(0, 2000));
  joined.set(other.subarray(2000), 2000);
  assert.is(readLabel(pieceOf(joined, 1000, 3000), size, label), 0, 'two messages in one piece');
});

test.run();
