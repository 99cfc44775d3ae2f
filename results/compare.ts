// --compare: each summary row of a run against the same configuration in an older results.json.
// A change counts when it is beyond the threshold AND outside the noise (the two 90% intervals do
// not overlap). Only metrics that mean something across machines are tracked for regressions:
// speedups and same-run ratios. Raw Mbit/s is shown, and flagged when CPU or Node differ.

import type { ResultsFile } from './schema.js';
import { table, withInterval } from './markdown.js';
import { type ConfigFields, type SummaryRow, configKey, lockDesignOf, otherLock } from './rows.js';

export type MetricName = 'meanMbps' | 'speedup' | 'checksumRatio' | 'primitiveRatio';
export const TRACKED_METRICS: readonly MetricName[] = ['speedup', 'checksumRatio', 'primitiveRatio'];

export const METRIC_LABELS: Record<MetricName, string> = {
  meanMbps: 'Mbit/s',
  speedup: 'speedup',
  checksumRatio: '÷ checksum',
  primitiveRatio: '÷ primitive',
};

/** 'noise unknown': beyond the threshold, but a side has no interval (one run), so it cannot be told from noise. */
export type Verdict = 'regression' | 'improvement' | 'within threshold' | 'noise' | 'noise unknown';

export interface MetricChange {
  /** The configuration, as people read it: stack side mode ×workers … */
  row: string;
  metric: MetricName;
  old: number;
  oldLow: number | null;
  oldHigh: number | null;
  new: number;
  newLow: number | null;
  newHigh: number | null;
  changePercent: number;
  /** The 90% intervals do not overlap; null when either run has no interval (one run). */
  outsideNoise: boolean | null;
  beyondThreshold: boolean;
  /** Counts for --fail-on-regression (speedups and same-run ratios). */
  tracked: boolean;
  /** Raw throughput compared across different CPUs or Node versions. */
  machineDependent: boolean;
  verdict: Verdict;
}

export interface Comparison {
  old: string;
  thresholdPercent: number;
  /** Why raw throughput cannot be compared, or null when CPU, core count and Node are the same. */
  machineDifference: string | null;
  changes: MetricChange[];
  regressions: MetricChange[];
  /** Configurations only one of the two runs has. */
  onlyOld: string[];
  onlyNew: string[];
}

/**
 * A configuration as people read it, unique per configuration (every field of configKey shows
 * unless it has its usual value): names in github-action-benchmark.json and --compare.
 */
export function rowLabel(s: ConfigFields): string {
  const scope = otherLock(s)
    ? ` (${lockDesignOf(s)} lock)`
    : s.mode === 'clp' && s.clp === 'thread-per-connection'
      ? ' thread-per-connection'
      : '';
  const dispatch = s.dispatch !== undefined ? ` ${s.dispatch}` : '';
  const conns = s.connections === 1 ? '' : ` ${s.connections} conns`;
  const size = s.packetSize === 4096 ? '' : s.packetSize === 0 ? ' mix' : ` ${s.packetSize} B`;
  return `${s.stack} ${s.side} ${s.mode}${scope}${dispatch} ×${s.workers}${conns}${size} [${s.crypto}]`;
}

/**
 * Whether a metric counts for --fail-on-regression (and goes to github-action-benchmark.json).
 * A crypto stack's ratio to the checksum pass compares unlike work (a cipher against memory
 * bandwidth), which machines and moments weigh differently: it is tracked through its own
 * primitive instead, and the checksum ratio only for stacks without one.
 */
export function isTracked(s: SummaryRow, name: MetricName): boolean {
  return TRACKED_METRICS.includes(name) && !(name === 'checksumRatio' && s.primitive !== undefined);
}

function machineDifference(old: ResultsFile, now: ResultsFile): string | null {
  const differences: string[] = [];
  if (old.meta.cpu !== now.meta.cpu) differences.push(`CPU ${old.meta.cpu} → ${now.meta.cpu}`);
  if (old.meta.cpus !== now.meta.cpus) differences.push(`${old.meta.cpus} → ${now.meta.cpus} CPUs`);
  if (old.meta.node !== now.meta.node) differences.push(`Node ${old.meta.node} → ${now.meta.node}`);
  return differences.length > 0 ? differences.join(', ') : null;
}

export function metric(s: SummaryRow, name: MetricName): [number, number | null, number | null] | null {
  switch (name) {
    case 'meanMbps':
      return [s.meanMbps, s.ci90Low, s.ci90High];
    case 'speedup':
      return s.workers > 1 && s.speedup !== null ? [s.speedup, s.speedupLow, s.speedupHigh] : null;
    case 'checksumRatio':
      return s.checksumRatio !== undefined ? [s.checksumRatio, s.checksumRatioLow ?? null, s.checksumRatioHigh ?? null] : null;
    case 'primitiveRatio':
      return s.primitiveRatio !== undefined ? [s.primitiveRatio, s.primitiveRatioLow ?? null, s.primitiveRatioHigh ?? null] : null;
  }
}

/** Compares `now` with `old`; a change beyond `thresholdPercent` and outside the noise counts. */
export function compareResults(old: ResultsFile, now: ResultsFile, oldName: string, thresholdPercent: number): Comparison {
  const difference = machineDifference(old, now);
  const oldRows = new Map(old.summary.map((s) => [configKey(s), s]));
  const newKeys = new Set(now.summary.map((s) => configKey(s)));
  const changes: MetricChange[] = [];
  for (const s of now.summary) {
    const before = oldRows.get(configKey(s));
    if (before === undefined) continue;
    for (const name of [...TRACKED_METRICS, 'meanMbps'] as MetricName[]) {
      const a = metric(before, name);
      const b = metric(s, name);
      if (a === null || b === null || a[0] === 0) continue;
      const changePercent = ((b[0] - a[0]) / a[0]) * 100;
      const intervals = a[1] !== null && a[2] !== null && b[1] !== null && b[2] !== null;
      const outsideNoise = intervals ? b[2]! < a[1]! || b[1]! > a[2]! : null;
      const beyondThreshold = Math.abs(changePercent) > thresholdPercent;
      const verdict: Verdict = !beyondThreshold
        ? 'within threshold'
        : outsideNoise === null
          ? 'noise unknown'
          : !outsideNoise
            ? 'noise'
            : changePercent < 0
              ? 'regression'
              : 'improvement';
      changes.push({
        row: rowLabel(s),
        metric: name,
        old: a[0],
        oldLow: a[1],
        oldHigh: a[2],
        new: b[0],
        newLow: b[1],
        newHigh: b[2],
        changePercent,
        outsideNoise,
        beyondThreshold,
        tracked: isTracked(s, name),
        machineDependent: name === 'meanMbps' && difference !== null,
        verdict,
      });
    }
  }
  return {
    old: oldName,
    thresholdPercent,
    machineDifference: difference,
    changes,
    regressions: changes.filter((c) => c.tracked && c.verdict === 'regression'),
    onlyOld: old.summary.filter((s) => !newKeys.has(configKey(s))).map(rowLabel),
    onlyNew: now.summary.filter((s) => !oldRows.has(configKey(s))).map(rowLabel),
  };
}

function value(x: number, low: number | null, high: number | null): string {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 2 : 4;
  return low === null || high === null ? x.toFixed(digits) : withInterval(x, low, high, digits);
}

function verdictCell(x: MetricChange): string {
  if (x.verdict === 'regression' && !x.tracked) return 'slower (not tracked)';
  if (x.verdict === 'noise unknown') return `${x.changePercent < 0 ? 'slower' : 'faster'}, noise unknown (one run)`;
  return x.verdict;
}

/** The comparison as markdown; `notableOnly` keeps the rows beyond the threshold (for a terminal). */
export function renderComparison(c: Comparison, notableOnly = false): string {
  const tracked = c.changes.filter((x) => x.tracked).length;
  const unjudged = c.changes.filter((x) => x.tracked && x.verdict === 'noise unknown').length;
  const lines = [
    `Compared with ${c.old}: ${tracked} tracked metrics (speedups, same-run ratios), ` +
      `${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'} beyond ` +
      `${c.thresholdPercent}% and outside the noise.`,
    c.machineDifference === null
      ? 'Same CPU, core count and Node version: raw Mbit/s is comparable too.'
      : `Different machine (${c.machineDifference}): raw Mbit/s is machine-dependent and shown for information only.`,
  ];
  if (unjudged > 0)
    lines.push(
      `${unjudged} tracked change${unjudged === 1 ? '' : 's'} beyond ${c.thresholdPercent}% cannot be ` +
        `judged against the noise: a side was measured in one run, which has no interval (use --runs 2 or ` +
        `more); not counted as regressions.`,
    );
  const ordered = [...c.changes].filter((x) => !notableOnly || x.beyondThreshold).sort((a, b) => Number(b.tracked) - Number(a.tracked));
  if (ordered.length > 0) {
    const rows = ordered.map((x) => [
      x.row,
      `${METRIC_LABELS[x.metric]}${x.tracked ? '' : x.machineDependent ? ' (machine-dependent)' : ' (not tracked)'}`,
      value(x.old, x.oldLow, x.oldHigh),
      value(x.new, x.newLow, x.newHigh),
      `${x.changePercent >= 0 ? '+' : ''}${x.changePercent.toFixed(1)}%`,
      x.outsideNoise === null ? 'no interval' : x.outsideNoise ? 'yes' : 'no',
      verdictCell(x),
    ]);
    lines.push(
      '',
      table(['configuration', 'metric', 'old (90%)', 'new (90%)', 'change', 'outside noise', 'verdict'], rows, [
        'l',
        'l',
        'r',
        'r',
        'r',
        'l',
        'l',
      ]),
    );
  } else if (notableOnly) lines.push(`No metric changed by more than ${c.thresholdPercent}%.`);
  if (c.onlyOld.length > 0) lines.push('', `Only in the old run: ${c.onlyOld.join('; ')}`);
  if (c.onlyNew.length > 0) lines.push('', `Only in the new run: ${c.onlyNew.join('; ')}`);
  return lines.join('\n');
}
