// The open loop's account (--load): each configuration at each offered load, what it achieved and
// what a packet waited, timed from when it was due (parallel/open-loop.ts); and which design keeps
// the tail lowest at half and at nine tenths of its own saturation.

import { OPEN_LOOP_SAMPLE_EVERY } from '../drivers/latency-sampler.js';
import { table } from './markdown.js';
import { fmt, modeLabel } from './report-format.js';
import type { SummaryRow } from './rows.js';

export const OPEN_LOOP_INTRO =
  'Each configuration again, open loop: packets offered on a fixed schedule (the load shared evenly by the workers), ' +
  'each timed from when it was due to leave (sending) or to arrive (receiving) until it left or was delivered in order, ' +
  `so a packet that waited behind a stalled or saturated thread counts its wait. One packet in about ${OPEN_LOOP_SAMPLE_EVERY} ` +
  "is timed; µs. A share of saturation is of the same configuration's closed-loop throughput in this run.";

/** How a row's load reads: its share of saturation, or packets a second. */
export function loadText(s: Pick<SummaryRow, 'loadFraction' | 'offeredPps'>): string {
  return s.loadFraction !== undefined ? `${Math.round(s.loadFraction * 1000) / 10}%` : `${s.offeredPps} pkt/s`;
}

/** Packets a second a row achieved (all workers). */
export function achievedPps(s: Pick<SummaryRow, 'usPerPacket'>): number {
  return s.usPerPacket > 0 ? Math.round(1e6 / s.usPerPacket) : 0;
}

/** One row per configuration and load, in load order within each configuration. */
export function openLoopTable(summary: readonly SummaryRow[]): string {
  const timed = sortedByLoad(summary.filter((s) => s.offeredPps !== undefined && s.latency !== undefined));
  if (timed.length === 0) return '';
  return table(
    ['stack', 'side', 'mode', 'workers', 'crypto', 'load', 'offered pkt/s', 'achieved pkt/s', 'samples'].concat([
      'p50',
      'p90',
      'p99',
      'p99.9',
      'max',
    ]),
    timed.map((s) => {
      const l = s.latency!;
      return [
        s.stack,
        s.side,
        modeLabel(s),
        String(s.workers),
        s.crypto,
        loadText(s),
        String(s.offeredPps),
        String(achievedPps(s)),
        String(l.samples),
        ...[l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.maxUs].map((us) => fmt(us, 2)),
      ];
    }),
    ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Rows kept in their configurations' order, each configuration's loads from the lightest. */
function sortedByLoad(rows: readonly SummaryRow[]): SummaryRow[] {
  const order = new Map<string, number>();
  const design = (s: SummaryRow) => `${s.stack}|${s.side}|${s.crypto}|${modeLabel(s)}|${s.workers}|${s.connections}`;
  for (const s of rows) if (!order.has(design(s))) order.set(design(s), order.size);
  const load = (s: SummaryRow) => s.loadFraction ?? s.offeredPps!;
  return [...rows].sort((a, b) => order.get(design(a))! - order.get(design(b))! || load(a) - load(b));
}

/** The shares of saturation the findings read. */
export const FINDING_LOADS = [0.5, 0.9] as const;

/**
 * For each stack, side and crypto provider measured at a share of saturation in FINDING_LOADS:
 * the design (mode, workers, lock) with the lowest p99 there, against the highest.
 */
export function openLoopFindings(summary: readonly SummaryRow[]): string[] {
  const out: string[] = [];
  for (const share of FINDING_LOADS) {
    const at = summary.filter((s) => s.loadFraction === share && s.latency !== undefined);
    const groups = new Map<string, SummaryRow[]>();
    for (const s of at) {
      const k = `${s.stack}|${s.side}|${s.crypto}`;
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    for (const rows of groups.values()) {
      if (rows.length < 2) continue;
      const sorted = [...rows].sort((a, b) => a.latency!.p99Us - b.latency!.p99Us);
      const best = sorted[0]!;
      const worst = sorted[sorted.length - 1]!;
      const name = (s: SummaryRow) => `${modeLabel(s)}${s.mode === 'single' ? '' : ` ×${s.workers}`}`;
      out.push(
        `At ${share * 100}% of its own saturation, ${best.stack} ${best.side} [${best.crypto}]: **${name(best)}** keeps p99 ` +
          `lowest, ${fmt(best.latency!.p99Us, 1)} µs at ${achievedPps(best)} pkt/s, against ${fmt(worst.latency!.p99Us, 1)} µs ` +
          `for ${name(worst)} (${rows.length} designs).`,
      );
    }
  }
  return out;
}
