// Speedup and its error, and what Amdahl's law says about a locked serial component.

export interface Measurement {
  mean: number;
  /** Half-width of the confidence interval (same units as mean). */
  halfWidth: number;
}

export interface Speedup {
  speedup: number;
  /** Null when either side has no interval (one run): the noise cannot be judged. */
  speedupLow: number | null;
  speedupHigh: number | null;
}

/**
 * throughput(N) / throughput(1), with the error propagated from both intervals (relative errors
 * added in quadrature, first-order: δS/S = sqrt((δa/a)² + (δb/b)²)). A side with an infinite
 * half-width (one run) leaves the ratio without an interval.
 */
export function speedupOf(parallel: Measurement, single: Measurement): Speedup {
  const s = parallel.mean / single.mean;
  if (!Number.isFinite(parallel.halfWidth) || !Number.isFinite(single.halfWidth))
    return { speedup: s, speedupLow: null, speedupHigh: null };
  const relative = Math.sqrt((parallel.halfWidth / parallel.mean) ** 2 + (single.halfWidth / single.mean) ** 2);
  return { speedup: s, speedupLow: s * (1 - relative), speedupHigh: s * (1 + relative) };
}

/** Amdahl's law: the speedup on n processors when a fraction `serial` of the work cannot overlap. */
export function amdahlSpeedup(serial: number, n: number): number {
  return 1 / (serial + (1 - serial) / n);
}

/**
 * How many processors a locked component saturates at: with the lock held a fraction `serial` of
 * each packet's time, the lock is busy all the time once 1 / serial processors share it (the
 * paper: "TCP/MD5/IP would bottleneck at about 16 processors").
 */
export function saturationProcessors(serial: number): number {
  return serial > 0 ? 1 / serial : Infinity;
}

/** Jain's fairness index of per-connection throughputs: 1 when all equal, 1/n when one takes all. */
export function jainFairness(values: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}
