// The ratios a report makes, from slices measured in alternation (bench/runner.ts): each speedup,
// PLP ÷ CLP, segment ÷ state lock scope, each configuration ÷ the checksum pass and ÷ its stack's
// primitive, all paired round by round; and one stack's speedup ÷ another's, from two paired
// estimates. The summary's speedup and same-run ratio fields take the paired figures.

import { cryptoPrimitives, dominantPrimitive } from '../stacks/spec.js';
import { type RatioEstimate, type RatioMethod, clusteredPairedRatio, halfWidthPercent, ratioOfRatios, runsForTarget } from './paired.js';
import { type ConfigFields, type SummaryRow, configKey, lockDesignOf, otherLock, round } from './rows.js';

/** One configuration's (or primitive's) Mbit/s in each round of its group; null where it was not measured. */
export interface SliceSeries {
  /** A configuration's configKey, or a primitive's calibration key (checksum, md5 [cryptojs], …). */
  key: string;
  /** The configuration's fields (absent for a primitive). */
  config?: ConfigFields;
  mbps: (number | null)[];
}

/** The configurations of one stack, side and crypto provider, and their primitives, measured in alternation. */
export interface SliceGroup {
  stack: string;
  side: string;
  crypto: string;
  /** The slice length in ms, and the rounds (one slice of each member, in random order). */
  sliceMs: number;
  rounds: number;
  /** How long the group's last run took, in seconds (warm-up and slices; absent in older files). */
  runSeconds?: number;
  /** The run each round belongs to (1-based): a run's members share their threads and seed. */
  runOfRound: number[];
  series: SliceSeries[];
}

export type PairedKind =
  'speedup' | 'plp-clp' | 'plp-single' | 'clp-policy' | 'lock-scope' | 'checksum' | 'primitive' | 'primitives' | 'speedup-vs-stack';

export interface PairedRatio {
  kind: PairedKind;
  /** What is divided by what, in words (row labels). */
  label: string;
  /** The numerator's and denominator's keys (configKey or primitive). */
  of: string;
  over: string;
  ratio: number;
  low: number | null;
  high: number | null;
  /** Half the 90% interval's width as a percentage of the ratio (null without an interval). */
  halfWidthPercent: number | null;
  pairs: number;
  method: RatioMethod;
  /** With a precision target: whether the half-width is within it. */
  metTarget?: boolean;
  /**
   * A ratio that missed the target: about how many runs its group would need (paired.ts
   * runsForTarget), how many it had, and about how long the missing ones would take (the group's
   * last run's time each); runsNeeded null: more than MAX_RUNS_FOR_TARGET.
   */
  runsNeeded?: number | null;
  runs?: number;
  moreSeconds?: number | null;
}

const CLUSTERED: RatioMethod = "paired t on the runs' mean log ratios";

/** The most runs a "runs needed" estimate looks at. */
export const MAX_RUNS_FOR_TARGET = 1000;

/** b ÷ a over the rounds in which both were measured, each run's rounds one cluster. */
export function pairedFromSeries(a: SliceSeries, b: SliceSeries, runOfRound: readonly number[]): RatioEstimate | null {
  const x: number[] = [];
  const y: number[] = [];
  const runs: number[] = [];
  a.mbps.forEach((v, i) => {
    const w = b.mbps[i];
    if (v !== null && v > 0 && w !== null && w !== undefined && w > 0) {
      x.push(v);
      y.push(w);
      runs.push(runOfRound[i] ?? 1);
    }
  });
  return x.length === 0 ? null : clusteredPairedRatio(x, y, runs);
}

function describe(c: ConfigFields): string {
  const how = otherLock(c)
    ? `plp/${lockDesignOf(c)}`
    : c.mode === 'clp' && c.clp === 'thread-per-connection'
      ? 'clp/thread-per-connection'
      : c.mode;
  const loss = c.loss === undefined ? '' : ` ${+(c.loss * 100).toFixed(3)}% loss`;
  const workers = c.mode === 'single' ? '' : ` ×${c.workers}`;
  return `${c.stack} ${c.side} ${how}${workers}${c.mode === 'clp' ? ` ${c.connections} conns` : ''}${loss}`;
}

function entry(kind: PairedKind, label: string, of: string, over: string, e: RatioEstimate): PairedRatio {
  const half = halfWidthPercent(e);
  return {
    kind,
    label,
    of,
    over,
    ratio: round(e.ratio),
    low: e.low === null ? null : round(e.low),
    high: e.high === null ? null : round(e.high),
    halfWidthPercent: half === null ? null : round(half),
    pairs: e.pairs,
    method: e.method,
  };
}

interface Estimated extends PairedRatio {
  estimate: RatioEstimate;
}

/** Every paired ratio within one group. */
function groupRatios(group: SliceGroup): Estimated[] {
  const out: Estimated[] = [];
  const configs = group.series.filter((s) => s.config !== undefined);
  const byKey = new Map(group.series.map((s) => [s.key, s]));
  const add = (kind: PairedKind, label: string, over: SliceSeries | undefined, of: SliceSeries) => {
    if (over === undefined) return;
    const e = pairedFromSeries(over, of, group.runOfRound);
    if (e !== null) out.push({ ...entry(kind, label, of.key, over.key, e), estimate: e });
  };
  for (const s of configs) {
    const c = s.config!;
    if (c.workers > 1 && c.mode !== 'single') add('speedup', `${describe(c)} ÷ ×1`, byKey.get(configKey({ ...c, workers: 1 })), s);
    if (c.mode === 'plp') {
      const clp = configs.find(
        (o) =>
          o.config!.mode === 'clp' &&
          o.config!.clp !== 'thread-per-connection' &&
          o.config!.workers === c.workers &&
          o.config!.loss === c.loss,
      );
      if (clp !== undefined) add('plp-clp', `${describe(c)} ÷ ${describe(clp.config!)}`, clp, s);
      // At one worker no thread contends: what PLP's engine (shared state, its protocol, the lock) costs over one owner.
      const single = c.workers === 1 ? configs.find((o) => o.config!.mode === 'single' && o.config!.loss === c.loss) : undefined;
      if (single !== undefined) add('plp-single', `${describe(c)} ÷ ${describe(single.config!)}`, single, s);
      if (otherLock(c))
        add('lock-scope', `${describe(c)} ÷ state lock`, byKey.get(configKey({ ...c, tcpLockScope: 'state', lockDesign: 'state' })), s);
    }
    if (c.mode === 'clp' && c.clp === 'thread-per-connection') {
      // Fig. 11: the two policies at the same connection count (processor-per-connection on the most workers).
      const ppc = configs
        .filter(
          (o) =>
            o.config!.mode === 'clp' &&
            o.config!.clp !== 'thread-per-connection' &&
            o.config!.connections === c.connections &&
            o.config!.loss === c.loss,
        )
        .sort((a, b) => b.config!.workers - a.config!.workers)[0];
      if (ppc !== undefined) add('clp-policy', `${describe(c)} ÷ ${describe(ppc.config!)}`, ppc, s);
    }
    add('checksum', `${describe(c)} ÷ checksum pass`, byKey.get('checksum'), s);
    const primitive = dominantPrimitive(c.stack);
    if (primitive !== null) add('primitive', `${describe(c)} ÷ ${primitive} alone`, byKey.get(`${primitive} [${c.crypto}]`), s);
    const all = cryptoPrimitives(c.stack);
    const together =
      all.length > 1
        ? combined(
            all.map((p) => byKey.get(`${p} [${c.crypto}]`)),
            `${all.join(' + ')} [${c.crypto}]`,
          )
        : null;
    if (together !== null) add('primitives', `${describe(c)} ÷ ${all.join(' + ')} alone`, together, s);
  }
  return out;
}

/**
 * Several primitives run one after the other on each packet, from their own slices of each round:
 * their times per bit add up, so the rate is 1 ÷ Σ 1/rate. Null when one of them is missing.
 */
function combined(parts: (SliceSeries | undefined)[], key: string): SliceSeries | null {
  if (parts.some((p) => p === undefined)) return null;
  const rounds = parts[0]!.mbps.length;
  const mbps = Array.from({ length: rounds }, (_, i): number | null => {
    let perMbit = 0; // seconds per Mbit, all the primitives together
    for (const p of parts) {
      const rate = p!.mbps[i];
      if (rate === null || rate === undefined || !(rate > 0)) return null;
      perMbit += 1 / rate;
    }
    return 1 / perMbit;
  });
  return { key, mbps };
}

/**
 * The paired ratios of every group, and each stack's speedup ÷ the first stack's (same side,
 * crypto, mode and workers); with `targetPercent`, whether each met it.
 */
export function pairedRatios(groups: readonly SliceGroup[], targetPercent: number | null = null): PairedRatio[] {
  const all = groups.flatMap(groupRatios);
  const speedups = all.filter((r) => r.kind === 'speedup');
  const first = groups[0]?.stack;
  const series = new Map(groups.flatMap((g) => g.series.map((s) => [s.key, s] as const)));
  for (const r of speedups) {
    const c = series.get(r.of)!.config!;
    if (c.stack === first) continue;
    const baseKey = configKey({ ...c, stack: first! });
    const base = speedups.find((s) => s.of === baseKey);
    if (base === undefined) continue;
    const e = ratioOfRatios(r.estimate, base.estimate);
    all.push({ ...entry('speedup-vs-stack', `speedup of ${describe(c)} ÷ of ${first}`, r.of, base.of, e), estimate: e });
  }
  const groupOf = new Map(groups.flatMap((g) => g.series.map((s) => [s.key, g] as const)));
  return all.map(({ estimate, ...r }) => {
    if (targetPercent === null) return r;
    const metTarget = r.halfWidthPercent !== null && r.halfWidthPercent <= targetPercent;
    // Only an interval from runs (df = runs − 1) says what more runs would do.
    if (metTarget || estimate.method !== CLUSTERED) return { ...r, metTarget };
    const runs = Math.round(estimate.df) + 1;
    const runsNeeded = runsForTarget(estimate, targetPercent, MAX_RUNS_FOR_TARGET);
    const runSeconds = groupOf.get(r.of)?.runSeconds;
    const moreSeconds = runsNeeded === null || runSeconds === undefined ? null : Math.round((runsNeeded - runs) * runSeconds);
    return { ...r, metTarget, runsNeeded, runs, moreSeconds };
  });
}

/**
 * Puts the paired figures into the summary rows they belong to: speedup, checksumRatio and
 * primitiveRatio with their intervals, and each row's pair count and method.
 */
export function applyPairedRatios(summary: SummaryRow[], ratios: readonly PairedRatio[]): void {
  const rows = new Map(summary.map((r) => [configKey(r), r]));
  for (const r of ratios) {
    const row = rows.get(r.of);
    if (row === undefined) continue;
    if (r.kind === 'speedup') [row.speedup, row.speedupLow, row.speedupHigh] = [r.ratio, r.low, r.high];
    else if (r.kind === 'checksum') [row.checksumRatio, row.checksumRatioLow, row.checksumRatioHigh] = [r.ratio, r.low, r.high];
    else if (r.kind === 'primitive') [row.primitiveRatio, row.primitiveRatioLow, row.primitiveRatioHigh] = [r.ratio, r.low, r.high];
    else continue;
    row.pairs = Math.max(row.pairs ?? 0, r.pairs);
    row.method = r.method;
  }
}
