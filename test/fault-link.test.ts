// The lossy link (drivers/fault-link.ts): without faults it is the identity; each fault happens at
// its rate (a seeded draw, so the counts are facts, and within a few standard deviations of the
// rate), and what it hands on is accounted for: passed = offered - dropped + duplicated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultLink, NO_FAULTS } from '../drivers/fault-link.js';
import { BufferPool, type Msg } from '../stacks/message.js';

const LINK_HEADER = 14;

/** A frame whose 8 bytes carry its number. */
function frame(msg: Msg, n: number): Msg {
  msg.resetFrame(8, LINK_HEADER);
  msg.view.setFloat64(msg.head, n);
  return msg;
}

/** A sink that keeps what it is handed: each frame's number, and its bytes. */
function recorder(): { numbers: number[]; bytes: Uint8Array[]; transmit(m: Msg): void } {
  const numbers: number[] = [];
  const bytes: Uint8Array[] = [];
  return {
    numbers,
    bytes,
    transmit: (m: Msg) => {
      numbers.push(m.view.getFloat64(m.head));
      bytes.push(m.toBytes());
    },
  };
}

function run(faults: Partial<typeof NO_FAULTS>, frames: number): { link: FaultLink; out: ReturnType<typeof recorder> } {
  const out = recorder();
  const link = new FaultLink(out, { ...NO_FAULTS, ...faults }, LINK_HEADER);
  const msg = new BufferPool(1).get();
  for (let n = 0; n < frames; n++) link.transmit(frame(msg, n));
  link.release();
  return { link, out };
}

/** |count - n·p| within 5 standard deviations of a binomial draw. */
function nearRate(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 5 * Math.sqrt(n * p * (1 - p));
}

test('without faults the link hands on every frame, in order, unchanged', () => {
  const { link, out } = run({}, 1000);
  assert.equal(
    out.numbers,
    Array.from({ length: 1000 }, (_, n) => n),
  );
  assert.equal(link.counts, { offered: 1000, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, passed: 1000 });
});

test('loss drops frames at its rate, the others keep their order', () => {
  const { link, out } = run({ loss: 0.05, seed: 7 }, 50_000);
  assert.ok(nearRate(link.counts.dropped, 50_000, 0.05), `${link.counts.dropped} dropped`);
  assert.is(out.numbers.length, 50_000 - link.counts.dropped);
  for (let i = 1; i < out.numbers.length; i++) assert.ok(out.numbers[i]! > out.numbers[i - 1]!);
});

test('duplication sends a frame twice in a row', () => {
  const { link, out } = run({ duplicate: 0.1, seed: 8 }, 20_000);
  assert.ok(nearRate(link.counts.duplicated, 20_000, 0.1));
  assert.is(out.numbers.length, 20_000 + link.counts.duplicated);
  let twice = 0;
  for (let i = 1; i < out.numbers.length; i++) if (out.numbers[i] === out.numbers[i - 1]) twice++;
  assert.is(twice, link.counts.duplicated);
});

test('reordering holds a frame back until the next one has gone', () => {
  assert.equal(run({ reorder: 1 }, 6).out.numbers, [1, 0, 3, 2, 5, 4]);
  const { link, out } = run({ reorder: 0.02, seed: 9 }, 20_000);
  assert.ok(nearRate(link.counts.reordered, 20_000 * 0.98, 0.02), `${link.counts.reordered} reordered`);
  assert.equal(
    [...out.numbers].sort((a, b) => a - b),
    Array.from({ length: 20_000 }, (_, n) => n),
    'each exactly once',
  );
  let swaps = 0;
  for (let i = 1; i < out.numbers.length; i++) if (out.numbers[i]! < out.numbers[i - 1]!) swaps++;
  assert.is(swaps, link.counts.reordered);
});

test('corruption flips exactly one bit of a frame', () => {
  const { link, out } = run({ corrupt: 0.5, seed: 10 }, 4000);
  assert.ok(nearRate(link.counts.corrupted, 4000, 0.5));
  let flipped = 0;
  for (let n = 0; n < 4000; n++) {
    const sent = frame(new BufferPool(1).get(), n).toBytes();
    let bits = 0;
    for (let i = 0; i < sent.length; i++) for (let x = sent[i]! ^ out.bytes[n]![i]!; x !== 0; x &= x - 1) bits++;
    assert.ok(bits <= 1);
    flipped += bits;
  }
  assert.is(flipped, link.counts.corrupted);
});

test('all faults at once: passed = offered - dropped + duplicated', () => {
  const { link } = run({ loss: 0.01, duplicate: 0.01, reorder: 0.01, corrupt: 0.01, seed: 11 }, 100_000);
  const c = link.counts;
  assert.is(c.passed, c.offered - c.dropped + c.duplicated);
  for (const [count, p] of [
    [c.dropped, 0.01],
    [c.duplicated, 0.01],
    [c.corrupted, 0.01],
  ] as const)
    assert.ok(nearRate(count, 100_000, p), `${count}`);
});

test('a probability outside 0..1 is refused', () => {
  assert.throws(() => new FaultLink(recorder(), { ...NO_FAULTS, loss: 1.5 }, LINK_HEADER), /from 0 to 1, got 1.5/);
  assert.throws(() => new FaultLink(recorder(), { ...NO_FAULTS, corrupt: Number.NaN }, LINK_HEADER), /from 0 to 1/);
});

test.run();
