// The load–latency chart (--load), as IX, ZygOS and Shenango draw theirs: p50 and p99 against the
// load offered, a line per mode and worker count, a panel per side; one chart a stack. The x axis is
// the share of the configuration's own saturation where the loads were given as shares (--load auto),
// else packets a second; the y axis µs on a log scale.

import type { TopLevelSpec } from 'vega-lite';
import type { SummaryRow } from './rows.js';

export interface LoadLatencyPoint {
  side: string;
  /** The design: mode and worker count (a colour; the percentile is the dash). */
  series: string;
  percentile: 'p50' | 'p99';
  /** Share of saturation (%), or packets a second offered. */
  load: number;
  us: number;
}

/** A row's two points (p50 and p99 at its load), on the line `series`. */
export function loadLatencyPoints(row: SummaryRow, series: string): LoadLatencyPoint[] {
  const l = row.latency;
  if (l === undefined || row.offeredPps === undefined) return [];
  const load = row.loadFraction !== undefined ? row.loadFraction * 100 : row.offeredPps;
  return [
    { side: row.side, series, percentile: 'p50', load, us: l.p50Us },
    { side: row.side, series, percentile: 'p99', load, us: l.p99Us },
  ];
}

/** The chart's vega-lite specification for one stack's points (`shares`: x is % of saturation). */
export function loadLatencySpec(stack: string, values: readonly LoadLatencyPoint[], shares: boolean): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${stack}: packet latency against offered load (open loop)`,
    data: { values: values as unknown as Record<string, unknown>[] },
    facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['send', 'recv'] } },
    spec: {
      width: 280,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'load',
          type: 'quantitative',
          title: shares ? 'offered load, % of its saturation' : 'offered load, packets a second',
        },
        y: { field: 'us', type: 'quantitative', title: 'µs', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
        strokeDash: { field: 'percentile', type: 'nominal', title: null, sort: ['p50', 'p99'] },
        tooltip: [
          { field: 'series', type: 'nominal' },
          { field: 'percentile', type: 'nominal' },
          { field: 'load', type: 'quantitative', format: '.4~g' },
          { field: 'us', type: 'quantitative', format: '.3~g' },
        ],
      },
    },
  };
}
