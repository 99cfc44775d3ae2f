// Sampled packets' latency as results.json and the reports carry it: the percentiles users compare
// (p50, p90, p99, p99.9, max, as netperf and wrk2 print them), and the whole histogram in
// HdrHistogram's compressed encoding ("HISTF…", base64), which HdrHistogram's own tools read and
// which lets two runs be merged or compared later. The encoding is hdr-histogram-js's; our
// histogram's buckets are laid out as HdrHistogram's (drivers/latency-histogram.ts), so counts
// cross one to one.

import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import {
  LATENCY_COUNTS,
  LATENCY_DIGITS,
  LATENCY_HIGHEST_NS,
  type LatencyCounts,
  LatencyHistogram,
  lowestOfIndex,
} from '../drivers/latency-histogram.js';
import type { LatencyRun } from '../drivers/latency-sampler.js';
import { round } from './round.js';

/** A run's (or a configuration's) latency figures, in µs, of the packets it timed. */
export interface LatencyFigures {
  /** Packets sampled for timing, and latencies recorded (fewer when a sampled packet's data was still inside at the end). */
  sampled: number;
  samples: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
  /** The whole histogram, ns, in HdrHistogram's compressed base64 encoding (V2): decodeFromCompressedBase64 reads it. */
  histogram: string;
}

/** The percentiles reported, as a figure's name and p. */
export const LATENCY_PERCENTILES = [
  ['p50Us', 50],
  ['p90Us', 90],
  ['p99Us', 99],
  ['p999Us', 99.9],
] as const;

/** A histogram in HdrHistogram's compressed encoding. */
export function encodeLatency(counts: LatencyCounts): string {
  const h = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_HIGHEST_NS,
    numberOfSignificantValueDigits: LATENCY_DIGITS,
    bitBucketSize: 64,
    autoResize: false,
  });
  counts.indexes.forEach((index, i) => h.recordValueWithCount(lowestOfIndex(index), counts.counts[i]!));
  return encodeIntoCompressedBase64(h);
}

/** A histogram from its encoding (exact min, max and mean are not in it: max is its bucket's top, the mean its buckets' middles). */
export function decodeLatency(encoded: string): LatencyHistogram {
  const decoded = decodeFromCompressedBase64(encoded, 64) as unknown as {
    countsArrayLength: number;
    getCountAtIndex(i: number): number;
    totalCount: number;
  };
  if (decoded.countsArrayLength !== LATENCY_COUNTS)
    throw new Error(`a latency histogram of ${decoded.countsArrayLength} buckets, not ${LATENCY_COUNTS}`);
  const h = new LatencyHistogram();
  for (let i = 0; i < LATENCY_COUNTS; i++) {
    const n = decoded.getCountAtIndex(i);
    if (n === 0) continue;
    h.counts[i] = n;
    h.total += n;
    const value = lowestOfIndex(i);
    h.sum += value * n;
    if (value < h.min) h.min = value;
    if (value > h.max) h.max = value;
  }
  return h;
}

function figuresOf(h: LatencyHistogram, sampled: number, counts: LatencyCounts): LatencyFigures {
  const us = (ns: number): number => round(ns / 1000);
  return {
    sampled,
    samples: h.total,
    p50Us: us(h.valueAtPercentile(50)),
    p90Us: us(h.valueAtPercentile(90)),
    p99Us: us(h.valueAtPercentile(99)),
    p999Us: us(h.valueAtPercentile(99.9)),
    maxUs: us(h.max),
    meanUs: us(h.mean),
    histogram: encodeLatency(counts),
  };
}

/** A run's latency figures; null when it recorded none. */
export function latencyFigures(run: LatencyRun | null | undefined): LatencyFigures | null {
  if (run === null || run === undefined || run.counts.total === 0) return null;
  return figuresOf(LatencyHistogram.from(run.counts), run.sampled, run.counts);
}

/** Several runs' figures as one (their histograms decoded and added; max the largest, mean weighted by samples). */
export function mergeLatencyFigures(runs: readonly LatencyFigures[]): LatencyFigures | null {
  if (runs.length === 0) return null;
  const h = new LatencyHistogram();
  for (const run of runs) h.add(decodeLatency(run.histogram));
  const samples = runs.reduce((s, r) => s + r.samples, 0);
  const merged = figuresOf(
    h,
    runs.reduce((s, r) => s + r.sampled, 0),
    h.toCounts(),
  );
  merged.maxUs = Math.max(...runs.map((r) => r.maxUs));
  merged.meanUs = round(runs.reduce((s, r) => s + r.meanUs * r.samples, 0) / samples);
  return merged;
}
