// Ratios from measurements made in alternation, pair by pair. On these machines the CPU's speed
// drifts within tens to hundreds of milliseconds, so two configurations timed minutes apart differ
// by the drift as much as by themselves; two slices measured one right after the other share it.
// A pair's ratio cancels the drift; the ratio of the pair means does not.

import { mean, sampleStddev, studentTCdf, studentTQuantile } from './stats.js';

export type RatioMethod = 'paired t on log ratios' | 'Welch t on log means' | "paired t on the runs' mean log ratios";

export interface RatioEstimate {
  /** b ÷ a: the geometric mean of the pairs' ratios (paired), or of the two samples' (unpaired). */
  ratio: number;
  /** The 90% (or `confidence`) interval; null with fewer than two pairs. */
  low: number | null;
  high: number | null;
  pairs: number;
  method: RatioMethod;
  /** The standard error of log(ratio) and its degrees of freedom (null: no interval). */
  logStandardError: number | null;
  df: number;
}

/**
 * b ÷ a from slices measured in alternation: a[i] and b[i] are throughputs of one pair (adjacent in
 * time, in either order). The interval is Student's t over the pairs' log ratios, so it is the same
 * whichever side is called a, and a ratio's noise, which is multiplicative, is symmetric in it.
 */
export function pairedRatio(a: readonly number[], b: readonly number[], confidence = 0.9): RatioEstimate {
  if (a.length !== b.length) throw new RangeError(`paired ratio: ${a.length} and ${b.length} slices are not pairs`);
  const logs = a.map((x, i) => Math.log(b[i]! / x));
  return fromLogs(
    mean(logs),
    logs.length < 2 ? null : sampleStddev(logs) / Math.sqrt(logs.length),
    logs.length - 1,
    logs.length,
    confidence,
    'paired t on log ratios',
  );
}

/**
 * b ÷ a from pairs that come in runs (`run[i]` is pair i's): within a run, pairs share what stays
 * with a run, such as its threads' JIT and placement, so they are not independent of each other;
 * the runs are. The ratio is the geometric mean over the pairs; its interval is Student's t over
 * the runs' mean log ratios (runs − 1 degrees of freedom), so it widens by as much as the runs
 * disagree. With one run, the pairs of that run give the interval (paired t).
 */
export function clusteredPairedRatio(a: readonly number[], b: readonly number[], run: readonly number[], confidence = 0.9): RatioEstimate {
  if (a.length !== b.length || a.length !== run.length)
    throw new RangeError(`paired ratio: ${a.length} and ${b.length} slices in ${run.length} runs are not pairs`);
  const byRun = new Map<number, number[]>();
  a.forEach((x, i) => {
    const logs = byRun.get(run[i]!) ?? byRun.set(run[i]!, []).get(run[i]!)!;
    logs.push(Math.log(b[i]! / x));
  });
  if (byRun.size < 2) return pairedRatio(a, b, confidence);
  const means = [...byRun.values()].map(mean);
  const logMean = mean(a.map((x, i) => Math.log(b[i]! / x)));
  return fromLogs(
    logMean,
    sampleStddev(means) / Math.sqrt(means.length),
    means.length - 1,
    a.length,
    confidence,
    "paired t on the runs' mean log ratios",
  );
}

/** b ÷ a with the two samples taken as independent (Welch's t on the log means): what pairing is measured against. */
export function unpairedRatio(a: readonly number[], b: readonly number[], confidence = 0.9): RatioEstimate {
  const la = a.map(Math.log);
  const lb = b.map(Math.log);
  const n = Math.min(a.length, b.length);
  if (la.length < 2 || lb.length < 2) return fromLogs(mean(lb) - mean(la), null, 0, n, confidence, 'Welch t on log means');
  const va = sampleStddev(la) ** 2 / la.length;
  const vb = sampleStddev(lb) ** 2 / lb.length;
  const df = (va + vb) ** 2 / (va ** 2 / (la.length - 1) + vb ** 2 / (lb.length - 1));
  return fromLogs(mean(lb) - mean(la), Math.sqrt(va + vb), df, n, confidence, 'Welch t on log means');
}

/**
 * x ÷ y of two ratios estimated apart (each paired in itself, say two stacks' speedups): their log
 * errors added in quadrature, degrees of freedom by Welch–Satterthwaite.
 */
export function ratioOfRatios(x: RatioEstimate, y: RatioEstimate, confidence = 0.9): RatioEstimate {
  const logMean = Math.log(x.ratio) - Math.log(y.ratio);
  const pairs = Math.min(x.pairs, y.pairs);
  if (x.logStandardError === null || y.logStandardError === null) return fromLogs(logMean, null, 0, pairs, confidence, x.method);
  const vx = x.logStandardError ** 2;
  const vy = y.logStandardError ** 2;
  const df = vx + vy === 0 ? Math.min(x.df, y.df) : (vx + vy) ** 2 / (vx ** 2 / x.df + vy ** 2 / y.df);
  return fromLogs(logMean, Math.sqrt(vx + vy), df, pairs, confidence, x.method);
}

function fromLogs(
  logMean: number,
  standardError: number | null,
  df: number,
  pairs: number,
  confidence: number,
  method: RatioMethod,
): RatioEstimate {
  const ratio = Math.exp(logMean);
  if (standardError === null || !(df > 0)) return { ratio, low: null, high: null, pairs, method, logStandardError: null, df };
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * standardError;
  return { ratio, low: Math.exp(logMean - half), high: Math.exp(logMean + half), pairs, method, logStandardError: standardError, df };
}

/**
 * About how many runs an estimate whose clusters are runs (df = runs − 1) would need for its 90%
 * half-width to be within `targetPercent`, if the runs went on disagreeing as much as they have:
 * the smallest n with t(n − 1) × s ÷ √n within the target, s the runs' spread of mean log ratios.
 * Null without an interval, or when `most` runs would not do.
 */
export function runsForTarget(e: RatioEstimate, targetPercent: number, most: number, confidence = 0.9): number | null {
  if (e.logStandardError === null || !(e.df > 0)) return null;
  const runs = Math.round(e.df) + 1;
  const spread = e.logStandardError * Math.sqrt(runs);
  const allowed = Math.asinh(targetPercent / 100); // the half-width in %, sinh(h) × 100, within the target
  const enough = (n: number) => studentTQuantile(1 - (1 - confidence) / 2, n - 1) * (spread / Math.sqrt(n)) <= allowed;
  if (!enough(most)) return null;
  // The half-width shrinks as runs are added: the first n that is enough, by bisection.
  let [low, high] = [runs, most];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (enough(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Half the 90% interval's width as a percentage of the ratio; null without an interval. */
export function halfWidthPercent(e: RatioEstimate): number | null {
  return e.low === null || e.high === null ? null : ((e.high - e.low) / 2 / e.ratio) * 100;
}

/** Two-sided p-value of the hypothesis that the true ratio is 1 (Student t on the log ratio, as the interval). */
export function ratioPValue(e: RatioEstimate): number {
  if (e.logStandardError === null) return 1;
  if (e.logStandardError === 0) return e.ratio === 1 ? 1 : 0;
  const t = Math.abs(Math.log(e.ratio)) / e.logStandardError;
  return Math.min(1, 2 * (1 - studentTCdf(t, e.df)));
}

/** Holm's step-down adjustment: p-values that keep the family-wise error at the level tested. */
export function holmAdjusted(p: readonly number[]): number[] {
  const order = p.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(p.length);
  let running = 0;
  order.forEach(([x, i], k) => {
    running = Math.max(running, Math.min(1, x * (p.length - k)));
    adjusted[i] = running;
  });
  return adjusted;
}
