// report.md's memory and CPU sections: what the CPU accounting says a speedup is made of, and memory
// through long runs.

import { type MemoryUse, type RunRow, type SummaryRow, configKey } from './rows.js';
import type { ConnectionMemory } from './schema.js';
import { table } from './markdown.js';
import { fmt, modeLabel, percent } from './report-format.js';

export const CPU_INTRO = (source: string) =>
  `Each thread read its own scheduler statistics (${source}) at the start and end of every slice. Speedup ≈ *threads busy* ` +
  '(Σ on-CPU time ÷ window, at N ÷ at 1) × *per-packet cost* (CPU µs per packet at 1 ÷ at N): a lock spun on shows as cost growth ' +
  '(below 1), sleeping in Atomics.wait as threads not busy, more threads than cores as run-queue wait. The product is the ratio of ' +
  'the packet rates over all runs; the speedup column is the paired estimate. On-CPU time varies as much as wall-clock time on a ' +
  'shared machine: this explains a speedup, it does not make it more precise.';

/**
 * Each speedup decomposed from the threads' own CPU time: threads busy (Σ on-CPU ÷ window, at N ÷
 * at 1) × per-packet CPU cost (at 1 ÷ at N). Spinning on a lock shows as cost growth, sleeping in
 * Atomics.wait as lost utilisation, too many threads for the cores as run-queue wait.
 */
export function cpuTable(summary: readonly SummaryRow[]): string {
  const rows = summary.filter((s) => s.busyRatio !== undefined && s.costRatio !== undefined && s.dispatch === undefined);
  if (rows.length === 0) return '';
  const one = (s: SummaryRow) => summary.find((o) => configKey(o) === configKey({ ...s, workers: 1 }));
  return table(
    [
      'stack',
      'side',
      'mode',
      'workers',
      'speedup',
      'threads busy ×',
      'per-packet cost ×',
      'busy × cost',
      'busy threads',
      'CPU µs/packet at 1 → N',
      'run-queue wait',
    ],
    rows.map((s) => [
      s.stack,
      s.side,
      `${modeLabel(s)}${s.crypto !== 'cryptojs' ? ` [${s.crypto}]` : ''}`,
      `${s.workers}${s.oversubscribed ? '*' : ''}`,
      s.speedup === null ? 'n/a' : s.speedup.toFixed(2),
      s.busyRatio!.toFixed(2),
      s.costRatio!.toFixed(2),
      (s.busyRatio! * s.costRatio!).toFixed(2),
      s.busyThreads === undefined ? '—' : s.busyThreads.toFixed(2),
      `${fmt(one(s)?.cpuUsPerPacket ?? null, 2)} → ${fmt(s.cpuUsPerPacket ?? null, 2)}`,
      s.runQueueShare === undefined ? '—' : percent(s.runQueueShare),
    ]),
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Memory through each run whose steady window was long enough to be traced (10 s or more). */
export function memoryTable(runs: readonly (RunRow & { memory?: MemoryUse })[]): string {
  const traced = runs.filter((r) => r.memory?.trace !== undefined && r.memory.trace.length > 0);
  if (traced.length === 0) return '';
  const range = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
  return table(
    ['run', 'window s', 'heap MB start → end', 'heap MB in the window', 'RSS MB start → end', 'RSS MB in the window', 'points'],
    traced.map((r) => {
      const m = r.memory!;
      const trace = m.trace!;
      return [
        `${r.stack} ${r.side} ${r.mode} ×${r.workers} run ${r.run}`,
        fmt(r.seconds, 0),
        `${fmt(m.heapStartMB)} → ${fmt(m.heapEndMB)}`,
        range(trace.map((p) => p.heapMB)),
        `${fmt(m.rssStartMB)} → ${fmt(m.rssEndMB)}`,
        range(trace.map((p) => p.rssMB)),
        String(trace.length),
      ];
    }),
  );
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

/** The figures as a table: KiB per connection, idle and busy, and the heap's part. */
export function connectionMemoryTable(rows: readonly ConnectionMemory[]): string {
  return table(
    ['stack', 'side', 'connections', 'KiB a connection idle', 'busy', 'of it JS heap', 'ring pages held (4 KiB)'],
    rows.map((r) => [r.stack, r.side, String(r.connections), kib(r.idleBytes), kib(r.busyBytes), kib(r.heapBytes), r.pagesHeld.toFixed(2)]),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
}

export const CONNECTION_MEMORY_INTRO =
  "What a connection costs in memory, both ends, its share of its thread's arena and of the application's data: " +
  '`xkbench connection-memory` builds 1 000 connections on one thread of a process of its own, as a processor-per-connection ' +
  'worker does, and reads its resident set established and idle, and busy at a turn’s end (two rounds of turns, data in flight held).';
