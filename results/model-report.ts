// The other papers' figures from a run's summary: the gateway table (dispatch, load per worker,
// selection cost), Benecke's model against the measured speedup, and Amdahl and USL fits with
// what they predict beyond this machine. Everything here is derived from the summary, so
// `npm run report` rebuilds it; predictions are always labelled as such.

import {
  PREDICT_AT,
  amdahlPredict,
  beneckeLimit,
  beneckeSpeedup,
  fitAmdahl,
  fitShiehLai,
  fitUsl,
  shiehLaiThroughput,
  uslPredict,
} from './models.js';
import { type CrashPhase, type CrashReport, type RunRow, type SummaryRow, lockDesignOf, otherLock, round } from './rows.js';
import { table, withInterval } from './markdown.js';
import { isIpsecSpec, isScreenSpec } from '../stacks/spec.js';

const f2 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));
const f3 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));

/** The rows of one speedup curve: same stack, side, mode, lock scope, dispatch, crypto. */
function curveKey(s: SummaryRow): string {
  return [s.stack, s.side, s.mode, s.tcpLockScope ?? '', s.dispatch ?? '', s.crypto, s.connections, s.packetSize, s.loss ?? ''].join('|');
}

function curves(summary: readonly SummaryRow[]): SummaryRow[][] {
  const groups = new Map<string, SummaryRow[]>();
  for (const s of summary) {
    if (s.mode === 'single') continue;
    const list = groups.get(curveKey(s)) ?? [];
    list.push(s);
    groups.set(curveKey(s), list);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a.workers - b.workers));
}

/** A screen uses no crypto provider; every other stack names its own. */
const usesCrypto = (stack: string): boolean => !isScreenSpec(stack);

function curveLabel(s: SummaryRow): string {
  const how = s.dispatch ?? `${s.mode}${otherLock(s) ? ` (${lockDesignOf(s)} lock)` : ''}`;
  return (
    `${s.stack} ${s.side}${s.packetSize > 0 && s.dispatch !== undefined ? ` ${s.packetSize} B` : ''} ` +
    `${how}${usesCrypto(s.stack) ? ` [${s.crypto}]` : ''}`
  );
}

/** Gateway stacks: throughput in packets, load per worker, selection cost, what the screen passed. */
export function gatewayTable(summary: readonly SummaryRow[]): string {
  const rows = summary.filter((s) => s.dispatch !== undefined);
  if (rows.length === 0) return '';
  return table(
    [
      'stack',
      'crypto',
      'side',
      'size',
      'dispatch',
      'workers',
      'kpackets/s',
      'Mbit/s (IP)',
      'speedup (90%)',
      'load max/mean (bytes)',
      'load max/mean (packets)',
      'selection µs/packet',
      'passed',
      'refused by replay window',
    ],
    rows.map((s) => [
      s.stack,
      usesCrypto(s.stack) ? s.crypto : '—',
      s.side,
      s.packetSize === 0 ? 'mix' : String(s.packetSize),
      s.dispatch!,
      `${s.workers}${s.oversubscribed ? '*' : ''}`,
      s.packetsPerSecond !== undefined ? (s.packetsPerSecond / 1000).toFixed(0) : 'n/a',
      s.meanMbps.toFixed(0),
      s.workers === 1 ? '1' : s.speedup === null ? 'n/a' : withInterval(s.speedup, s.speedupLow, s.speedupHigh, 2),
      f3(s.loadMaxMean),
      f3(s.loadMaxMeanPackets),
      f3(s.selectUs),
      s.passedShare !== undefined ? `${(s.passedShare * 100).toFixed(1)}%` : '—',
      s.replayDropShare !== undefined ? `${(s.replayDropShare * 100).toFixed(3)}%` : '—',
    ]),
  );
}

export interface BeneckeRow {
  stack: string;
  dispatch: string;
  /** Measured at n = 1: µs per packet for selection, and for filtering (the rest of a packet's time). */
  bselUs: number;
  bfilUs: number;
  /** (Bsel + Bfil) / Bsel: no number of workers does better. */
  limit: number;
  points: { n: number; predicted: number; measured: number | null; errorPercent: number | null }[];
}

/**
 * Benecke's G(n) for each replicated gateway curve, calibrated at n = 1 as the issue asks: Bsel is
 * the selection cost the worker timed, Bfil the rest of its time per packet (1 / packets per
 * second − Bsel). Predicted for every measured n and for 4, 8, 12 and 16.
 */
export function beneckeRows(summary: readonly SummaryRow[]): BeneckeRow[] {
  const out: BeneckeRow[] = [];
  for (const curve of curves(summary)) {
    const one = curve.find((s) => s.workers === 1);
    // Benecke's model is the packet screen's (IPsec gateways have Shieh & Lai's, below).
    if (
      one === undefined ||
      one.dispatch === undefined ||
      !isScreenSpec(one.stack) ||
      one.dispatch.startsWith('shared') ||
      one.selectUs === undefined ||
      !one.packetsPerSecond
    )
      continue;
    const total = 1e6 / one.packetsPerSecond;
    const bsel = one.selectUs;
    const bfil = Math.max(0, total - bsel);
    const measured = new Map(curve.map((s) => [s.workers, s.speedup]));
    const ns = [...new Set([...curve.map((s) => s.workers), ...PREDICT_AT])].sort((a, b) => a - b);
    out.push({
      stack: one.stack,
      dispatch: one.dispatch,
      bselUs: round(bsel),
      bfilUs: round(bfil),
      limit: round(beneckeLimit(bsel, bfil)),
      points: ns.map((n) => {
        const predicted = beneckeSpeedup(bsel, bfil, n);
        const m = measured.get(n) ?? null;
        return { n, predicted: round(predicted), measured: m, errorPercent: m === null ? null : round(((predicted - m) / m) * 100) };
      }),
    });
  }
  return out;
}

export function beneckeTable(rows: readonly BeneckeRow[]): string {
  if (rows.length === 0) return '';
  const body = rows.flatMap((r) =>
    r.points.map((p) => [
      r.stack,
      r.dispatch,
      f3(r.bselUs),
      f3(r.bfilUs),
      String(p.n),
      f2(p.predicted),
      p.measured === null ? '— (predicted only)' : f2(p.measured),
      p.errorPercent === null ? '' : `${p.errorPercent > 0 ? '+' : ''}${p.errorPercent.toFixed(1)}%`,
      f2(r.limit),
    ]),
  );
  return table(['stack', 'dispatch', 'Bsel µs', 'Bfil µs', 'n', 'G(n) predicted', 'measured speedup', 'error', 'limit'], body);
}

export interface ScalingRow {
  curve: string;
  measured: { n: number; speedup: number }[];
  amdahl: { serial: number } | null;
  usl: { alpha: number; beta: number; betaIdentified: boolean } | null;
  /** Never measured: what the fits say at 4, 8, 12 and 16 workers. */
  predicted: { n: number; amdahl: number | null; usl: number | null }[];
}

/** Amdahl and USL fitted to every measured speedup curve (workers beyond the cores left out). */
export function scalingRows(summary: readonly SummaryRow[]): ScalingRow[] {
  const out: ScalingRow[] = [];
  for (const curve of curves(summary)) {
    const measured = curve.filter((s) => s.speedup !== null && !s.oversubscribed).map((s) => ({ n: s.workers, speedup: s.speedup! }));
    if (!measured.some((p) => p.n > 1)) continue;
    const amdahl = fitAmdahl(measured);
    const usl = fitUsl(measured);
    out.push({
      curve: curveLabel(curve[0]!),
      measured,
      amdahl: amdahl && { serial: round(amdahl.serial) },
      usl: usl && { alpha: round(usl.alpha), beta: round(usl.beta), betaIdentified: usl.betaIdentified },
      predicted: PREDICT_AT.map((n) => ({ n, amdahl: amdahl && round(amdahlPredict(amdahl, n)), usl: usl && round(uslPredict(usl, n)) })),
    });
  }
  return out;
}

export function scalingTable(rows: readonly ScalingRow[]): string {
  if (rows.length === 0) return '';
  const body = rows.map((r) => [
    r.curve,
    r.measured.map((p) => `${p.n}: ${f2(p.speedup)}`).join(', '),
    r.amdahl ? f3(r.amdahl.serial) : 'n/a',
    r.usl ? `${f3(r.usl.alpha)} / ${r.usl.betaIdentified ? f3(r.usl.beta) : '0 (needs 3+ worker counts)'}` : 'n/a',
    ...r.predicted.map((p) => `${f2(p.amdahl)} / ${f2(p.usl)}`),
  ]);
  return table(['curve', 'measured speedup', 'Amdahl σ', 'USL α / β', ...PREDICT_AT.map((n) => `predicted ×${n} (Amdahl / USL)`)], body);
}

export interface ShiehLaiRow {
  stack: string;
  crypto: string;
  side: string;
  dispatch: string;
  /** Units of work per second (the unit: processing one byte, R(s) = s), with the 90% spread over sizes and runs. */
  p: { mean: number; low: number; high: number; fits: number };
  /** Per-packet overhead every node pays for every packet, in bytes of work, per frame size. */
  q: { size: number; mean: number; low: number; high: number; fits: number }[];
  /** Never measured: µ(n, s) in Mbit/s of inner datagrams at 4, 8, 12 and 16 nodes. */
  predictedMbps: { size: number; n: number; mbps: number }[];
}

/**
 * Shieh & Lai's µ(n, s) = n·P·s / (R(s) + n·Q(s)) fitted to the IPsec gateway runs whose nodes
 * all see every packet (replicated dispatch; the shared queue is not their architecture), per
 * stack, side and dispatch, from each run's throughput at each worker count and frame size.
 */
export function shiehLaiRows(runs: readonly RunRow[]): ShiehLaiRow[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of runs) {
    if (r.dispatch === undefined || r.dispatch.startsWith('shared') || !isIpsecSpec(r.stack)) continue;
    const key = `${r.stack}|${r.side}|${r.dispatch}|${r.crypto}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: ShiehLaiRow[] = [];
  for (const group of groups.values()) {
    const fit = fitShiehLai(group.map((r) => ({ n: r.workers, size: r.packetSize, run: r.run, bytesPerSecond: r.bytes / r.seconds })));
    if (fit === null) continue;
    const first = group[0]!;
    out.push({
      stack: first.stack,
      crypto: first.crypto,
      side: first.side,
      dispatch: first.dispatch!,
      p: roundSpread(fit.p),
      q: fit.q.map((q) => ({ size: q.size, ...roundSpread(q) })),
      // A Q(s) fitted below 0 is noise around a small overhead: it predicts with 0.
      predictedMbps: fit.q.flatMap((q) =>
        PREDICT_AT.map((n) => ({
          size: q.size,
          n,
          mbps: round((shiehLaiThroughput(fit.p.mean, Math.max(0, q.mean), n, q.size) * 8) / 1e6),
        })),
      ),
    });
  }
  return out;
}

function roundSpread<T extends { mean: number; low: number; high: number; fits: number }>(
  s: T,
): { mean: number; low: number; high: number; fits: number } {
  return { mean: round(s.mean), low: round(s.low), high: round(s.high), fits: s.fits };
}

export function shiehLaiTable(rows: readonly ShiehLaiRow[]): string {
  if (rows.length === 0) return '';
  const body = rows.flatMap((r) =>
    r.q.map((q) => [
      r.stack,
      r.crypto,
      r.side,
      r.dispatch,
      `${(r.p.mean / 1e6).toFixed(2)} (${(r.p.low / 1e6).toFixed(2)}–${(r.p.high / 1e6).toFixed(2)})`,
      String(q.size),
      `${q.mean.toFixed(0)} (${q.low.toFixed(0)}–${q.high.toFixed(0)})`,
      PREDICT_AT.map((n) => r.predictedMbps.find((p) => p.size === q.size && p.n === n)!.mbps.toFixed(1)).join(' / '),
    ]),
  );
  return table(
    [
      'stack',
      'crypto',
      'side',
      'dispatch',
      'P (M units/s, 90%)',
      's (bytes)',
      'Q(s) (units, 90%)',
      `predicted µ Mbit/s at ${PREDICT_AT.join(' / ')} nodes`,
    ],
    body,
  );
}

/** Crash runs (--kill-worker): throughput and loss before the crash, until the survivors switched, and after. */
export function crashTable(runs: readonly (RunRow & { crash?: CrashReport })[]): string {
  const rows = runs.filter((r) => r.crash !== undefined && r.crash.worker >= 0);
  if (rows.length === 0) return '';
  const phase = (p: CrashPhase | null): string => (p === null ? '—' : `${p.kpps.toFixed(0)} kpps, ${(p.lossShare * 100).toFixed(1)}% lost`);
  return table(
    [
      'stack',
      'dispatch',
      'workers',
      'run',
      'crash',
      'heartbeat',
      'detected after',
      'switched after',
      'before',
      'crash → switch',
      'after switch',
      'static loss 1/n',
    ],
    rows.map((r) => {
      const c = r.crash!;
      return [
        r.stack,
        r.dispatch ?? r.mode,
        String(r.workers),
        String(r.run),
        `worker ${c.worker} at ${c.atSeconds}s`,
        c.heartbeatMs === null ? 'none' : `${c.heartbeatMs} ms`,
        c.detectedAfterMs === null ? '—' : `${c.detectedAfterMs.toFixed(0)} ms`,
        c.reconfiguredAfterMs === null ? '—' : `${c.reconfiguredAfterMs.toFixed(0)} ms`,
        phase(c.before),
        phase(c.during),
        phase(c.after),
        `${(c.expectedLossShare * 100).toFixed(0)}%`,
      ];
    }),
  );
}
