// The paired ratio, tested rather than assumed: worked by hand, and on synthetic slices with this
// machine's kind of noise (a speed that drifts from slice to slice, plus noise per slice) and a
// known true ratio, where its 90% interval must cover the truth about 90% of the time and be
// narrower than the interval that ignores the pairing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import {
  clusteredPairedRatio,
  halfWidthPercent,
  holmAdjusted,
  pairedRatio,
  ratioOfRatios,
  ratioPValue,
  runsForTarget,
  unpairedRatio,
} from '../results/paired.js';
import { precisionLines } from '../results/precision.js';
import type { PairedRatio } from '../results/paired-ratios.js';

test('worked by hand: equal pair ratios give that ratio and a zero-width interval; one pair gives none', () => {
  const r = pairedRatio([100, 110, 90], [150, 165, 135]);
  assert.ok(Math.abs(r.ratio - 1.5) < 1e-12 && Math.abs(r.low! - 1.5) < 1e-12 && Math.abs(r.high! - 1.5) < 1e-12);
  assert.equal([r.pairs, r.method], [3, 'paired t on log ratios']);
  // Ratios 2 and 0.5: geometric mean 1; log ratios ±ln 2, sd ln 2 · √2, t(0.95, 1) = 6.3138.
  const wide = pairedRatio([1, 2], [2, 1]);
  assert.ok(Math.abs(wide.ratio - 1) < 1e-12);
  const half = 6.313751514675 * Math.LN2;
  assert.ok(Math.abs(wide.low! - Math.exp(-half)) < 1e-6 && Math.abs(wide.high! - Math.exp(half)) < 1e-6, `${wide.low} ${wide.high}`);
  assert.equal(pairedRatio([3], [6]), {
    ratio: 2,
    low: null,
    high: null,
    pairs: 1,
    method: 'paired t on log ratios',
    logStandardError: null,
    df: 0,
  });
  assert.throws(() => pairedRatio([1, 2], [1]), /not pairs/);
});

test('symmetric: a ÷ b is the reciprocal of b ÷ a, interval included', () => {
  const a = [10, 12, 9, 11, 10.5];
  const b = [13, 15, 12.5, 14, 13];
  const ab = pairedRatio(a, b);
  const ba = pairedRatio(b, a);
  assert.ok(Math.abs(ab.ratio * ba.ratio - 1) < 1e-12 && Math.abs(ab.low! * ba.high! - 1) < 1e-12);
});

/** Standard normal deviates (Box–Muller) from the project's seeded PRNG. */
function gaussian(prng: Prng): number {
  const u = (prng.next() + 1) / 0x1_0000_0001;
  const v = prng.next() / 0x1_0000_0000;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Slices of two configurations whose true throughput ratio is `truth`, timed in alternation (the
 * order within a pair at random) on a machine whose speed drifts: a random walk of 5% a slice,
 * held within ±25% (the 22–27% slice-to-slice variation measured here), plus 6% noise per slice.
 */
function slices(prng: Prng, pairs: number, truth: number): { a: number[]; b: number[] } {
  let speed = 0;
  const a: number[] = [];
  const b: number[] = [];
  const slice = (work: number): number => {
    speed = Math.max(-0.25, Math.min(0.25, speed + 0.05 * gaussian(prng)));
    return work * Math.exp(speed + 0.06 * gaussian(prng));
  };
  for (let i = 0; i < pairs; i++) {
    if (prng.below(2) === 0) {
      a.push(slice(1));
      b.push(slice(truth));
    } else {
      b.push(slice(truth));
      a.push(slice(1));
    }
  }
  return { a, b };
}

test(
  'synthetic drift and noise: the paired 90% interval covers the true ratio about 90% of the time, and ' +
    'is narrower than the unpaired one',
  () => {
    const prng = new Prng(20261202);
    const trials = 4000;
    const truth = 1.3;
    let covered = 0;
    let coveredUnpaired = 0;
    let width = 0;
    let widthUnpaired = 0;
    for (let t = 0; t < trials; t++) {
      const { a, b } = slices(prng, 20, truth);
      const p = pairedRatio(a, b);
      const u = unpairedRatio(a, b);
      if (p.low! <= truth && truth <= p.high!) covered++;
      if (u.low! <= truth && truth <= u.high!) coveredUnpaired++;
      width += (p.high! - p.low!) / p.ratio;
      widthUnpaired += (u.high! - u.low!) / u.ratio;
    }
    const coverage = covered / trials;
    // A nominal 90% interval covers 90% on average; over 4000 trials the share has a standard error
    // of 0.47%, so anything from 88.6% (three of them below) is the method working.
    console.log(
      `  paired: coverage ${(100 * coverage).toFixed(1)}%, mean relative width ` +
        `${((100 * width) / trials).toFixed(1)}%; unpaired: coverage ` +
        `${((100 * coveredUnpaired) / trials).toFixed(1)}%, width ` +
        `${((100 * widthUnpaired) / trials).toFixed(1)}%`,
    );
    assert.ok(coverage >= 0.886, `paired coverage ${coverage}`);
    assert.ok(width < 0.8 * widthUnpaired, `paired width ${width / trials} against unpaired ${widthUnpaired / trials}`);
  },
);

/**
 * Runs of `pairs` slices each, as the runner takes them: every run brings new threads, and what
 * stays with them for the run (measured here: ±2–6% between two runs of the same code, now and
 * then 15–20%) multiplies that run's b by a factor of its own, log-normal with `runSd`.
 */
function runsOfSlices(prng: Prng, runs: number, pairs: number, truth: number, runSd: number): { a: number[]; b: number[]; run: number[] } {
  const out = { a: [] as number[], b: [] as number[], run: [] as number[] };
  for (let r = 1; r <= runs; r++) {
    const effect = Math.exp(runSd * gaussian(prng));
    const { a, b } = slices(prng, pairs, truth * effect);
    out.a.push(...a);
    out.b.push(...b);
    out.run.push(...a.map(() => r));
  }
  return out;
}

test(
  'runs with effects of their own: the interval from the runs covers the true ratio about 90% of the ' +
    'time; pairs pooled across runs would not',
  () => {
    const prng = new Prng(1202);
    const trials = 4000;
    const truth = 0.9;
    let covered = 0;
    let coveredPooled = 0;
    for (let t = 0; t < trials; t++) {
      const { a, b, run } = runsOfSlices(prng, 5, 10, truth, 0.04);
      const c = clusteredPairedRatio(a, b, run);
      const p = pairedRatio(a, b);
      assert.is(c.method, "paired t on the runs' mean log ratios");
      assert.is(c.pairs, 50);
      if (c.low! <= truth && truth <= c.high!) covered++;
      if (p.low! <= truth && truth <= p.high!) coveredPooled++;
    }
    console.log(
      `  clustered by run: coverage ${((100 * covered) / trials).toFixed(1)}%; ` +
        `pairs pooled: ${((100 * coveredPooled) / trials).toFixed(1)}%`,
    );
    assert.ok(covered / trials >= 0.886, `coverage ${covered / trials}`);
    assert.ok(coveredPooled / trials < 0.8, 'pooling pairs across runs understates the noise (which is why the runs are the unit)');
  },
);

test('one run: the runs cannot give an interval, its pairs do', () => {
  const c = clusteredPairedRatio([100, 110, 90], [150, 160, 140], [1, 1, 1]);
  assert.equal(c, pairedRatio([100, 110, 90], [150, 160, 140]));
  assert.throws(() => clusteredPairedRatio([1, 2], [1, 2], [1]), /not pairs/);
});

test("worked by hand: the interval is t over the runs' mean log ratios, the ratio the mean over all pairs", () => {
  // Runs of log ratios {ln 2, ln 2} and {ln 4}: run means ln 2 and ln 4; pairs' mean (2 ln 2 + ln 4) / 3.
  const c = clusteredPairedRatio([1, 1, 1], [2, 2, 4], [1, 1, 2]);
  assert.ok(Math.abs(c.ratio - Math.exp((2 * Math.log(2) + Math.log(4)) / 3)) < 1e-12);
  const se = Math.abs(Math.log(4) - Math.log(2)) / Math.sqrt(2) / Math.sqrt(2); // sd of {ln 2, ln 4} ÷ √2
  assert.ok(Math.abs(c.logStandardError! - se) < 1e-12);
  assert.is(c.df, 1);
  // t(0.95, 1) = 6.3138
  assert.ok(Math.abs(Math.log(c.high! / c.ratio) - 6.313751514675 * se) < 1e-6);
});

test('a ratio of two independent estimates: logs subtract, errors add in quadrature (Welch–Satterthwaite df)', () => {
  const x = pairedRatio([10, 10, 10, 10], [20, 22, 18, 21]);
  const y = pairedRatio([10, 10, 10, 10], [10, 12, 9, 11]);
  const r = ratioOfRatios(x, y);
  assert.ok(Math.abs(r.ratio - x.ratio / y.ratio) < 1e-12);
  assert.ok(Math.abs(r.logStandardError! - Math.hypot(x.logStandardError!, y.logStandardError!)) < 1e-12);
  assert.ok(r.df >= Math.min(x.df, y.df) && r.df <= x.df + y.df);
  assert.is(ratioOfRatios(x, pairedRatio([1], [2])).low, null, 'no interval when one side has none');
});

test('p-values: a ratio of 1 gives 1; one whose 90% interval just touches 1 gives 0.10; Holm scales the smallest by the count', () => {
  const same = pairedRatio([1, 2, 3], [1, 2, 3]);
  assert.is(ratioPValue(same), 1);
  const e = pairedRatio([10, 10, 10, 10], [11, 12, 10.5, 11.5]);
  const shifted = { ...e, ratio: e.low! === null ? 1 : e.ratio / e.low! }; // moves the interval's low end to 1
  assert.ok(Math.abs(ratioPValue(shifted) - 0.1) < 1e-6, String(ratioPValue(shifted)));
  assert.equal(holmAdjusted([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  assert.equal(holmAdjusted([0.5, 0.2]), [0.5, 0.4]);
});

/** n runs (one pair each) whose log ratios have mean 0.1 and sample standard deviation exactly `spread`. */
function runsWithSpread(n: number, spread: number) {
  const raw = Array.from({ length: n }, (_, i) => i - (n - 1) / 2);
  const sd = Math.sqrt(raw.reduce((a, x) => a + x * x, 0) / (n - 1));
  const logs = raw.map((x) => 0.1 + (x * spread) / sd);
  return clusteredPairedRatio(
    logs.map(() => 1),
    logs.map(Math.exp),
    logs.map((_, i) => i + 1),
  );
}

test('runs for a target: as many runs as spread as much reach it, one fewer does not', () => {
  for (const [spread, target] of [
    [0.05, 5],
    [0.12, 5],
    [0.03, 2],
  ] as const) {
    const four = runsWithSpread(4, spread);
    const n = runsForTarget(four, target, 1000)!;
    assert.ok(n > 4, `±${halfWidthPercent(four)!.toFixed(1)}% with 4 runs should miss ±${target}%`);
    assert.ok(halfWidthPercent(runsWithSpread(n, spread))! <= target, `${n} runs`);
    assert.ok(halfWidthPercent(runsWithSpread(n - 1, spread))! > target, `${n - 1} runs`);
  }
  assert.is(runsForTarget(runsWithSpread(4, 0.001), 5, 1000), 4, 'already within: the runs it has');
  assert.is(runsForTarget(runsWithSpread(4, 3), 5, 1000), null, 'beyond 1000 runs');
  assert.is(runsForTarget(pairedRatio([1], [2]), 5, 1000), null, 'no interval');
});

test('the precision lines count the speedups that met the target and say what each miss needs', () => {
  const ratio = (label: string, met: boolean, extra: Partial<PairedRatio> = {}): PairedRatio => ({
    kind: 'speedup',
    label,
    of: label,
    over: 'x1',
    ratio: 1.5,
    low: 1.4,
    high: 1.6,
    halfWidthPercent: met ? 3 : 8.2,
    pairs: 40,
    method: "paired t on the runs' mean log ratios",
    metTarget: met,
    ...extra,
  });
  const lines = precisionLines(
    [ratio('a ×2', true), ratio('b ×2', false, { runsNeeded: 11, runs: 4, moreSeconds: 49 }), { ...ratio('c', true), kind: 'plp-clp' }],
    5,
  );
  assert.equal(lines, [
    'Precision target ±5%: 1 of 2 speedups met it, 2 of 3 paired ratios in all.',
    '- b ×2: ±8.2% with 4 runs; the target needs ≈ 11 runs (7 more, about 49 s)',
  ]);
  assert.equal(precisionLines([ratio('a', true)], null), []);
  assert.equal(
    precisionLines([ratio('one run ×2', false)], 5)[1],
    "- one run ×2: ±8.2% from one run's slices; more runs would show how much runs differ",
  );
});

test.run();
