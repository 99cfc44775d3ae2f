// A histogram of latencies in nanoseconds, laid out as HdrHistogram lays out its counts (Gil Tene's
// high dynamic range histogram; hdr-histogram-js is its TypeScript port): 3 significant digits from
// 1 ns to 2^36 ns (69 s), log-linear, so a bucket's width is at most a thousandth of its value.
// The counts are one Float64Array made at set-up: recording is an index computation and an
// increment, allocating nothing (a worker records on its data path); two histograms merge by adding
// their counts, bucket by bucket; and the counts map one to one onto an HdrHistogram of the same
// range and digits, which encodes them in the format HdrHistogram's tools read (results/latency.ts).

/** Significant decimal digits kept: a recorded value is off by at most 1 part in 10^3. */
export const LATENCY_DIGITS = 3;
/** The largest value kept apart from its neighbours (ns); anything above is counted at it (and in `clamped`). */
export const LATENCY_HIGHEST_NS = 2 ** 36;

// HdrHistogram's layout for lowest value 1, highest LATENCY_HIGHEST_NS, LATENCY_DIGITS digits.
const SUB_BUCKET_HALF_MAGNITUDE = Math.ceil(Math.log2(2 * 10 ** LATENCY_DIGITS)) - 1; // 10
const SUB_BUCKET_COUNT = 2 ** (SUB_BUCKET_HALF_MAGNITUDE + 1); // 2048: unit resolution up to here
const SUB_BUCKET_HALF = SUB_BUCKET_COUNT / 2;
const BUCKETS = bucketsToCover(LATENCY_HIGHEST_NS);
/** Entries of a histogram's counts. */
export const LATENCY_COUNTS = (BUCKETS + 1) * SUB_BUCKET_HALF;
const TWO_32 = 2 ** 32;

function bucketsToCover(value: number): number {
  let buckets = 1;
  for (let untrackable = SUB_BUCKET_COUNT; untrackable <= value; untrackable *= 2) buckets++;
  return buckets;
}

/** floor(log2(v)) for an integer 1 <= v < 2^53, exactly (Math.log2 rounds up just below a power of two). */
function log2Floor(v: number): number {
  return v >= TWO_32 ? 63 - Math.clz32(Math.floor(v / TWO_32)) : 31 - Math.clz32(v);
}

/** The distance from `x` to the next larger double. */
function ulp(x: number): number {
  return x === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

/** The index of integer value `v` (0 <= v <= LATENCY_HIGHEST_NS) in the counts. */
export function countsIndexOf(v: number): number {
  const bucket = v < SUB_BUCKET_COUNT ? 0 : log2Floor(v) - SUB_BUCKET_HALF_MAGNITUDE;
  const sub = Math.floor(v / 2 ** bucket);
  return (bucket + 1) * SUB_BUCKET_HALF + sub - SUB_BUCKET_HALF;
}

/** The lowest value an index stands for, and the width of its range (values [lowest, lowest + width) share it). */
function lowestOf(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF) - 1;
  let sub = (index % SUB_BUCKET_HALF) + SUB_BUCKET_HALF;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

function widthOf(index: number): number {
  const bucket = Math.max(0, Math.floor(index / SUB_BUCKET_HALF) - 1);
  return 2 ** bucket;
}

/** The highest value an index stands for: what HdrHistogram answers for a percentile that lands on it. */
export function highestOfIndex(index: number): number {
  return lowestOf(index) + widthOf(index) - 1;
}

/** The lowest value an index stands for (each index's values are the integers up to highestOfIndex). */
export function lowestOfIndex(index: number): number {
  return lowestOf(index);
}

/**
 * A histogram's values in a form that crosses threads and files: its nonzero buckets (indexes in
 * ascending order and their counts) and its exact figures. A few hundred buckets, where the
 * counts array has LATENCY_COUNTS.
 */
export interface LatencyCounts {
  indexes: number[];
  counts: number[];
  total: number;
  /** The smallest and largest value recorded, exactly (ns); 0 when none. */
  min: number;
  max: number;
  sum: number;
  clamped: number;
}

export class LatencyHistogram {
  /** A histogram holding `counts`' values. */
  static from(counts: LatencyCounts): LatencyHistogram {
    const h = new LatencyHistogram();
    counts.indexes.forEach((index, i) => (h.counts[index] = counts.counts[i]!));
    h.total = counts.total;
    h.min = counts.total > 0 ? counts.min : Infinity;
    h.max = counts.max;
    h.sum = counts.sum;
    h.clamped = counts.clamped;
    return h;
  }

  /** The values as LatencyCounts (a new object: off the data path). */
  toCounts(): LatencyCounts {
    const indexes: number[] = [];
    const counts: number[] = [];
    this.counts.forEach((n, i) => {
      if (n === 0) return;
      indexes.push(i);
      counts.push(n);
    });
    const min = this.total > 0 ? this.min : 0;
    return { indexes, counts, total: this.total, min, max: this.max, sum: this.sum, clamped: this.clamped };
  }

  readonly counts = new Float64Array(LATENCY_COUNTS);
  private readonly scratch = new Float64Array(1);
  /** Values recorded, the exact extremes, their sum (for the mean), and how many lay above LATENCY_HIGHEST_NS. */
  total = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  clamped = 0;

  /** Records one latency of `ns` nanoseconds (rounded to a whole ns; negative counts as 0). */
  record(ns: number): void {
    this.scratch[0] = ns;
    this.recordAt(this.scratch, 0);
  }

  /**
   * Records the latency in `values[slot]` (ns). The data path's form: a double passed to a call V8
   * did not inline is boxed, a heap number per value; one read from a typed array is not.
   */
  recordAt(values: Float64Array, slot: number): void {
    const ns = values[slot]!;
    let v = Math.round(ns);
    if (v < 0) v = 0;
    if (v > LATENCY_HIGHEST_NS) {
      v = LATENCY_HIGHEST_NS;
      this.clamped++;
    }
    this.counts[countsIndexOf(v)]!++;
    this.total++;
    this.sum += ns;
    if (ns > this.max) this.max = ns;
    if (ns < this.min) this.min = ns;
  }

  /** Adds another histogram's values to this one's. */
  add(other: LatencyHistogram): void {
    const mine = this.counts;
    const theirs = other.counts;
    for (let i = 0; i < LATENCY_COUNTS; i++) mine[i]! += theirs[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.clamped += other.clamped;
    if (other.max > this.max) this.max = other.max;
    if (other.min < this.min) this.min = other.min;
  }

  /** Forgets every value (a new slice or run). */
  reset(): void {
    this.counts.fill(0);
    this.total = this.sum = this.max = this.clamped = 0;
    this.min = Infinity;
  }

  /**
   * The value at percentile `p` (0 to 100), as HdrHistogram answers it: the highest value of the
   * bucket where the count of values up to it first reaches p% of the total (rounded up, an ulp
   * of floating-point error forgiven); so within a thousandth above the true value. NaN when empty.
   */
  valueAtPercentile(p: number): number {
    if (this.total === 0) return NaN;
    const exact = (Math.min(p, 100) / 100) * this.total;
    const want = Math.max(1, Math.ceil(exact - ulp(exact)));
    const counts = this.counts;
    let seen = 0;
    for (let i = 0; i < LATENCY_COUNTS; i++) {
      seen += counts[i]!;
      if (seen >= want) return p === 0 ? lowestOf(i) : highestOfIndex(i);
    }
    return highestOfIndex(countsIndexOf(Math.min(Math.round(this.max), LATENCY_HIGHEST_NS)));
  }

  get mean(): number {
    return this.total === 0 ? NaN : this.sum / this.total;
  }
}
