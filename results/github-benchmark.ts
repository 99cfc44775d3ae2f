// --format github-action-benchmark: the customBiggerIsBetter JSON of benchmark-action/
// github-action-benchmark ([{ name, unit, value, range, extra }], range and extra as strings).
// github-action-benchmark.json holds the tracked, machine-independent metrics only (speedups and
// same-run ratios, as --fail-on-regression tracks them), so the action's alerts mean something on
// shared runners; raw Mbit/s goes into each entry's extra and, under names of its own, into
// github-action-benchmark-throughput.json.

import { type MetricName, isTracked, metric, rowLabel } from './compare.js';
import type { ResultsFile } from './schema.js';
import type { SummaryRow } from './rows.js';

export interface ActionBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range: string;
  extra: string;
}

function range(value: number, low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined) return 'n/a (one run)';
  return `± ${Number(((high - low) / 2).toPrecision(3))}`;
}

function machine(results: ResultsFile): string {
  return `${results.meta.cpus} × ${results.meta.cpu}, Node ${results.meta.node}`;
}

const TRACKED_ENTRY: Record<Exclude<MetricName, 'meanMbps'>, (s: SummaryRow) => { suffix: string; unit: string; what: string }> = {
  speedup: (s) => ({
    suffix: 'speedup',
    unit: 'x',
    what: `throughput ÷ the same configuration at 1 worker${s.oversubscribed ? '; oversubscribed' : ''}`,
  }),
  checksumRatio: () => ({ suffix: '÷ checksum', unit: 'ratio', what: 'throughput ÷ an RFC 1071 checksum pass timed in the same run' }),
  primitiveRatio: (s) => ({
    suffix: `÷ ${s.primitive}`,
    unit: 'ratio',
    what: `throughput ÷ raw ${s.primitive} [${s.crypto}] timed in the same run`,
  }),
};

/** The tracked metrics: one entry per speedup and tracked same-run ratio of every summary row. */
export function toActionBenchmark(results: ResultsFile): ActionBenchmarkEntry[] {
  const entries: ActionBenchmarkEntry[] = [];
  for (const s of results.summary) {
    for (const name of ['speedup', 'checksumRatio', 'primitiveRatio'] as const) {
      const m = metric(s, name);
      if (m === null || !isTracked(s, name)) continue;
      const { suffix, unit, what } = TRACKED_ENTRY[name](s);
      const throughput = `${s.meanMbps} Mbit/s (machine-dependent: ${machine(results)})`;
      entries.push({
        name: `${rowLabel(s)} ${suffix}`,
        unit,
        value: m[0],
        range: range(...m),
        extra: `${s.runs} runs, 90% interval; ${what}; ${throughput}`,
      });
    }
  }
  return entries;
}

/** Raw Mbit/s, one entry per summary row: machine-dependent, for a separate, alert-free series. */
export function toThroughputBenchmark(results: ResultsFile): ActionBenchmarkEntry[] {
  return results.summary.map((s) => ({
    name: `${rowLabel(s)} throughput`,
    unit: 'Mbit/s',
    value: s.meanMbps,
    range: range(s.meanMbps, s.ci90Low, s.ci90High),
    extra: `${s.runs} runs, 90% interval; machine-dependent (${machine(results)})`,
  }));
}
