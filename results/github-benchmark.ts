// --format github-action-benchmark: the customBiggerIsBetter JSON of benchmark-action/
// github-action-benchmark ([{ name, unit, value, range, extra }], range and extra as strings).

import { rowLabel } from './compare.js';
import type { ResultsFile } from './results-file.js';

export interface ActionBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range: string;
  extra: string;
}

function range(value: number, low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined) return 'n/a';
  return `± ${Number(((high - low) / 2).toPrecision(3))}`;
}

/** One entry per summary row for throughput, and one per speedup and same-run ratio it has. */
export function toActionBenchmark(results: ResultsFile): ActionBenchmarkEntry[] {
  const machine = `${results.meta.cpus} × ${results.meta.cpu}, Node ${results.meta.node}`;
  const entries: ActionBenchmarkEntry[] = [];
  for (const s of results.summary) {
    const label = rowLabel(s);
    const runs = `${s.runs} runs, 90% interval`;
    entries.push({ name: `${label} throughput`, unit: 'Mbit/s', value: s.meanMbps, range: range(s.meanMbps, s.ci90Low, s.ci90High), extra: `${runs}; machine-dependent (${machine})` });
    if (s.workers > 1 && s.speedup !== null) {
      entries.push({ name: `${label} speedup`, unit: 'x', value: s.speedup, range: range(s.speedup, s.speedupLow, s.speedupHigh), extra: `${runs}; throughput ÷ the same configuration at 1 worker${s.oversubscribed ? '; oversubscribed' : ''}` });
    }
    if (s.checksumRatio !== undefined) {
      entries.push({ name: `${label} ÷ checksum`, unit: 'ratio', value: s.checksumRatio, range: range(s.checksumRatio, s.checksumRatioLow, s.checksumRatioHigh), extra: `${runs}; throughput ÷ an RFC 1071 checksum pass timed in the same run` });
    }
    if (s.primitiveRatio !== undefined) {
      entries.push({ name: `${label} ÷ ${s.primitive}`, unit: 'ratio', value: s.primitiveRatio, range: range(s.primitiveRatio, s.primitiveRatioLow, s.primitiveRatioHigh), extra: `${runs}; throughput ÷ raw ${s.primitive} [${s.crypto}] timed in the same run` });
    }
  }
  return entries;
}
