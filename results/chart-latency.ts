// The packet latency chart: each stack's percentile spectrum, as HdrHistogram's plots draw one. The
// x axis is 1 / (1 − p) on a log scale, so the median, 90%, 99%, 99.9% and 99.99% stand equally
// apart and the tail gets the room it needs; the y axis is µs on a log scale. A line per mode and
// worker count, a panel per side, from each configuration's runs' histograms added.

import type { TopLevelSpec } from 'vega-lite';
import { decodeLatency } from './latency.js';
import type { SummaryRow } from './rows.js';

/** Percentiles the lines are drawn through (past 99.99 only where the samples reach). */
const SPECTRUM = [0, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.8, 99.9, 99.95, 99.98, 99.99, 99.995, 99.999];
const TICKS = [1, 10, 100, 1000, 10_000, 100_000];

export interface LatencyPoint {
  side: string;
  series: string;
  /** 1 / (1 − p): where percentile p stands on the x axis. */
  x: number;
  percentile: number;
  us: number;
}

/** A row's spectrum: its histogram's value at each percentile its sample count resolves (1 in 10 per decade kept). */
export function spectrumOf(row: SummaryRow, series: string): LatencyPoint[] {
  const latency = row.latency;
  if (latency === undefined) return [];
  const h = decodeLatency(latency.histogram);
  return SPECTRUM.filter((p) => p === 0 || 1 / (1 - p / 100) <= h.total / 10).map((p) => ({
    side: row.side,
    series,
    x: 1 / (1 - p / 100),
    percentile: p,
    us: h.valueAtPercentile(p) / 1000,
  }));
}

/** The chart's vega-lite specification for one stack's points. */
export function spectrumSpec(stack: string, values: readonly LatencyPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${stack}: packet latency by percentile (sampled, closed loop)`,
    data: { values: values as unknown as Record<string, unknown>[] },
    facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] } },
    spec: {
      width: 280,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: 'percentile',
          scale: { type: 'log' },
          axis: {
            values: TICKS,
            labelExpr: "datum.value == 1 ? '0%' : format(100 - 100 / datum.value, '.4~f') + '%'",
          },
        },
        y: { field: 'us', type: 'quantitative', title: 'µs', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
        tooltip: [
          { field: 'series', type: 'nominal' },
          { field: 'percentile', type: 'quantitative' },
          { field: 'us', type: 'quantitative', format: '.3~g' },
        ],
      },
    },
  };
}
