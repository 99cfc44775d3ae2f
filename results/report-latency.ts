// report.md's packet latency section: each configuration's sampled latency through the stack at
// its percentiles, from the runs' histograms added together (results/latency.ts).

import { table } from './markdown.js';
import { fmt, modeLabel } from './report-format.js';
import type { SummaryRow } from './rows.js';
import { SAMPLE_EVERY } from '../drivers/latency-sampler.js';

export const PACKET_LATENCY_INTRO =
  `A packet's time through the stack, closed loop: sending, from the application handing it to the stack to the frame ` +
  `with its last byte leaving; receiving, from its frame arriving to its data delivered in order (under PLP, committed ` +
  `by whichever thread fills the gap). One packet in about ${SAMPLE_EVERY} is timed, at random gaps; µs, at HdrHistogram's ` +
  "3 significant digits (each run's histogram is in results.json, encoded as HdrHistogram encodes it). In a closed loop a " +
  'packet is sent when the one before it is done, so a stall lowers the rate more than it shows here.';

/** One row per configuration that timed packets. */
export function packetLatencyTable(summary: readonly SummaryRow[]): string {
  const timed = summary.filter((s) => s.latency !== undefined);
  if (timed.length === 0) return '';
  return table(
    ['stack', 'side', 'mode', 'workers', 'conns', 'crypto', 'samples', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
    timed.map((s) => {
      const l = s.latency!;
      return [
        s.stack,
        s.side,
        modeLabel(s),
        String(s.workers),
        String(s.connections),
        s.crypto,
        String(l.samples),
        ...[l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.maxUs, l.meanUs].map((us) => fmt(us, 2)),
      ];
    }),
    ['l', 'l', 'l', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}
