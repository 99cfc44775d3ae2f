// The rows a benchmark writes: one per run (results.csv and results.json "runs") and one per
// configuration (results.json "summary"). Field names are a contract read by other tools.

import { summarize } from './stats.js';

/** What identifies a configuration: the runs of one are summarized together. */
export interface ConfigFields {
  stack: string;
  side: 'send' | 'recv';
  mode: string;
  workers: number;
  connections: number;
  packetSize: number;
  crypto: string;
}

export interface RunRow extends ConfigFields {
  run: number;
  seconds: number;
  packets: number;
  bytes: number;
  throughputMbps: number;
  usPerPacket: number;
}

/** The CSV columns, in order. */
export const RUN_COLUMNS: readonly (keyof RunRow)[] = [
  'stack',
  'side',
  'mode',
  'workers',
  'connections',
  'packetSize',
  'crypto',
  'run',
  'seconds',
  'packets',
  'bytes',
  'throughputMbps',
  'usPerPacket',
];

/** What results.json adds to a run row. */
export interface RunDetail extends RunRow {
  seed: number;
  drops: Record<string, number>;
  digestMismatchesIgnored: number;
  dataErrors: number;
  /** False when the run broke a rule it was held to (a drop or data error under --verify). */
  valid: boolean;
  /** Derived from every byte the drivers consumed: shows the work was done, not optimised away. */
  observed: number;
}

export interface SummaryRow extends ConfigFields {
  meanMbps: number;
  /** The 90% confidence interval of the mean (Student t); null with fewer than two runs. */
  ci90Low: number | null;
  ci90High: number | null;
  /** µs per packet at the mean throughput. */
  usPerPacket: number;
  runs: number;
}

function configKey(r: RunRow): string {
  return [r.stack, r.side, r.mode, r.workers, r.connections, r.packetSize, r.crypto].join('|');
}

/** One summary row per stack × side × mode × workers × connections (× packet size × crypto). */
export function summarizeRuns(rows: readonly RunRow[]): SummaryRow[] {
  const groups = new Map<string, RunRow[]>();
  for (const row of rows) {
    const key = configKey(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const s = summarize(group.map((r) => r.throughputMbps));
    const packets = group.reduce((sum, r) => sum + r.packets, 0);
    const seconds = group.reduce((sum, r) => sum + r.seconds, 0);
    return {
      stack: first.stack,
      side: first.side,
      mode: first.mode,
      workers: first.workers,
      connections: first.connections,
      packetSize: first.packetSize,
      crypto: first.crypto,
      meanMbps: round(s.mean),
      ci90Low: Number.isFinite(s.low) ? round(s.low) : null,
      ci90High: Number.isFinite(s.high) ? round(s.high) : null,
      usPerPacket: round((seconds * 1e6) / packets),
      runs: group.length,
    };
  });
}

/** Rounds to 4 significant decimals for files people read; keeps small values meaningful. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits + 1, 9)));
}
