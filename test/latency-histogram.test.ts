// Our latency histogram (drivers/latency-histogram.ts) against hdr-histogram-js, the TypeScript port
// of HdrHistogram: the same layout index for index, the same percentiles for the same values, and
// merging by adding counts the same as recording everything in one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'hdr-histogram-js';
import { Prng } from '../drivers/prng.js';
import {
  LATENCY_COUNTS,
  LATENCY_DIGITS,
  LATENCY_HIGHEST_NS,
  LatencyHistogram,
  countsIndexOf,
  highestOfIndex,
  lowestOfIndex,
} from '../drivers/latency-histogram.js';

/** An HdrHistogram of the same range and digits (64-bit counts, fixed size). */
function reference() {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_HIGHEST_NS,
    numberOfSignificantValueDigits: LATENCY_DIGITS,
    bitBucketSize: 64,
    autoResize: false,
  });
}

/** The index HdrHistogram's port computes for `v` (a method its type declarations leave out). */
function referenceIndex(h: ReturnType<typeof reference>, v: number): number {
  return (h as unknown as { countsArrayIndex(v: number): number }).countsArrayIndex(v);
}

/** Latencies of a packet path: mostly about a microsecond, a tail to milliseconds, a few beyond. */
function latencies(n: number, seed: number): number[] {
  const prng = new Prng(seed);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = (prng.next() + 1) / 4_294_967_297;
    const tail = prng.next() % 1000 === 0 ? 1000 : prng.next() % 50 === 0 ? 30 : 1;
    values.push(Math.round(800 * tail * Math.exp(0.6 * Math.sqrt(-2 * Math.log(u)))));
  }
  return values;
}

test('the counts are laid out as HdrHistogram lays them out, index for index', () => {
  const h = reference();
  assert.is(LATENCY_COUNTS, (h as unknown as { countsArrayLength: number }).countsArrayLength);
  const probes = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 123_456, LATENCY_HIGHEST_NS];
  for (let k = 11; k < 36; k++) probes.push(2 ** k - 1, 2 ** k, 2 ** k + 1, 3 * 2 ** (k - 1));
  for (const v of [...probes, ...latencies(5000, 1)]) {
    const index = countsIndexOf(v);
    assert.is(index, referenceIndex(h, v), `value ${v}`);
    assert.ok(lowestOfIndex(index) <= v && v <= highestOfIndex(index), `${v} within its bucket's range`);
  }
});

test('percentiles: the same answers as HdrHistogram for the same 200 000 values, within a thousandth of the exact', () => {
  const ours = new LatencyHistogram();
  const theirs = reference();
  const values = latencies(200_000, 7);
  for (const v of values) {
    ours.record(v);
    theirs.recordValue(v);
  }
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) {
    const value = ours.valueAtPercentile(p);
    assert.is(value, theirs.getValueAtPercentile(p), `p${p}`);
    const exact = sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)]!; // (p × n first: 0.999 × n rounds up)
    assert.ok(value >= exact && value <= exact * 1.001 + 1, `p${p}: ${value} against the exact ${exact}`);
  }
  assert.is(ours.total, 200_000);
  assert.is(ours.max, sorted.at(-1));
  assert.is(ours.min, sorted[0]);
  assert.ok(Math.abs(ours.mean - values.reduce((s, v) => s + v, 0) / values.length) < 1e-6);
});

test('merging two histograms equals recording all their values in one; reset empties', () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  const all = new LatencyHistogram();
  latencies(30_000, 3).forEach((v, i) => {
    (i % 3 === 0 ? a : b).record(v);
    all.record(v);
  });
  a.add(b);
  assert.equal(a.counts, all.counts);
  assert.equal([a.total, a.min, a.max], [all.total, all.min, all.max]);
  for (const p of [50, 99, 99.9]) assert.is(a.valueAtPercentile(p), all.valueAtPercentile(p));
  a.reset();
  assert.is(a.total, 0);
  assert.ok(Number.isNaN(a.valueAtPercentile(50)));
});

test('values beyond the range are counted at its top and said to be so; below 0 at 0', () => {
  const h = new LatencyHistogram();
  h.record(LATENCY_HIGHEST_NS * 4);
  h.record(-3);
  assert.is(h.clamped, 1);
  assert.is(h.max, LATENCY_HIGHEST_NS * 4, 'the exact max is kept');
  assert.is(h.counts[countsIndexOf(LATENCY_HIGHEST_NS)], 1);
  assert.is(h.counts[0], 1);
});

test.run();
