// report.md: the header and the findings first, then each section family in turn (their tables live in
// report-parallel.ts, report-crypto.ts, report-gateway.ts, report-memory-cpu.ts and report-comparisons.ts).

import { type Comparison, renderComparison } from './compare.js';
import { type CalibrationRow, type RunRow, type SummaryRow, perfectWire } from './rows.js';
import type { PairedRatio } from './paired-ratios.js';
import { findings, workingSetFindings } from './findings.js';
import type { ConnectionMemory, ReportMeta } from './schema.js';

export type { ReportMeta };
import { machineChanged, machineLine } from './machine-line.js';
import { precisionLines } from './precision.js';
import { pairedTables, pairedIntro } from './report-comparisons.js';
import { latencyTables, modernCryptoTable, ratioTables } from './report-crypto.js';
import { section } from './report-format.js';
import { PACKET_LATENCY_INTRO, packetLatencyTable } from './report-latency.js';
import { OPEN_LOOP_INTRO, openLoopFindings, openLoopTable } from './report-open-loop.js';
import { gatewaySections } from './report-gateway.js';
import { CONNECTION_MEMORY_INTRO, connectionMemoryTable, memoryTable } from './report-memory-cpu.js';
import { throughputTable, LOSS_INTRO, lossTable, connectionsTable, FIG11_INTRO, parallelLines } from './report-parallel.js';

/** What a report shows beside the tables: charts (files in charts/), calibration, a comparison. */
export interface ReportExtras {
  charts?: { name: string; title: string; description: string }[];
  calibration?: CalibrationRow[];
  comparison?: Comparison | null;
  failures?: { stack: string; side: string; mode: string; workers: number; crypto: string; error: string; endedAfterMs?: number }[];
  /** The runs (Shieh & Lai's fit uses each run's throughput). */
  runs?: readonly RunRow[];
  /** Ratios measured in alternation, and the precision target they were measured to (percent). */
  pairedRatios?: readonly PairedRatio[];
  targetCiPercent?: number | null;
  /** What a connection costs in memory (CLP's stacks), measured apart. */
  connectionMemory?: readonly ConnectionMemory[];
  /** --load: the open loop's summary rows (each configuration at each offered load). */
  openLoop?: readonly SummaryRow[];
}

const image = (c: { name: string; description: string }) => `![${c.description.replace(/[[\]]/g, '')}](charts/${c.name}.svg)`;

/** The title, what went wrong, the machine and the command. */
function headerLines(meta: ReportMeta, extras: ReportExtras): string[] {
  const failures = extras.failures ?? [];
  const failed = failures.map(
    (f) =>
      `- ${f.stack} ${f.side} ${f.mode} ×${f.workers} [${f.crypto}]: ${f.error}` +
      (f.endedAfterMs !== undefined ? ` (ended ${f.endedAfterMs} ms later)` : ''),
  );
  const commit = meta.commit ? ` · commit ${meta.commit.slice(0, 12)}` : '';
  return [
    '# xkbench results',
    '',
    meta.incomplete ? '**Incomplete: the run was interrupted; only the runs that finished are here.**\n' : '',
    ...(failed.length > 0 ? ['**Failed configurations** (no figures; the others were measured on a new pool):', '', ...failed, ''] : []),
    `${meta.timestamp} · Node ${meta.node} · ${meta.cpus} × ${meta.cpu} · ${meta.os}${commit}`,
    '',
    ...(meta.machine !== undefined ? [`Machine: ${machineLine(meta.machine)}`, '', ...machineChanged(meta.machine)] : []),
    `\`${meta.command}\``,
    '',
  ];
}

/** What the reader came for: a sentence per stack and the speedup panel. */
function findingsLines(
  summary: readonly SummaryRow[],
  overview: { name: string; description: string } | undefined,
  meta: ReportMeta,
  memory: readonly ConnectionMemory[],
  openLoop: readonly SummaryRow[],
): string[] {
  const said = [...findings(summary), ...workingSetFindings(summary, meta.machine, memory), ...openLoopFindings(openLoop)];
  if (said.length === 0 && overview === undefined) return [];
  return [
    '## Findings',
    '',
    ...said.map((line) => `- ${line}`),
    '',
    ...(overview !== undefined ? [image(overview), ''] : []),
    'Speedups are paired estimates with their 90% interval (below: how they were measured). The Amdahl bound takes the lock as the ' +
      'only serial part; the CPU accounting splits a speedup into the threads that were busy and what a packet cost them.',
    '',
  ];
}

/** What each run enforced (a failure drops the packet) and what it only computed. */
function checkedLines(meta: ReportMeta): string[] {
  const lines = meta.enforcement.map((e) => {
    const computed = e.computedOnly.length ? `; computed, not enforced: ${e.computedOnly.join(', ')}` : '';
    return (
      `- ${e.stack} ${e.side}: enforced ` +
      `${e.enforced.join(', ')}${computed}${e.genuineFrames ? '' : '; frames replayed from templates'}`
    );
  });
  return ['## What was checked', '', lines.join('\n'), ''];
}

export function renderReport(allRows: readonly SummaryRow[], meta: ReportMeta, extras: ReportExtras = {}): string {
  // Lossy configurations appear in the throughput table and their own; the rest compare perfect-wire runs.
  const summary = perfectWire(allRows);
  const charts = extras.charts ?? [];
  const runs = extras.runs ?? [];
  const overview = charts.find((c) => c.name === 'overview');
  const otherCharts = charts.filter((c) => c !== overview);
  const paired = extras.pairedRatios ?? [];
  const calibration = extras.calibration ?? [];
  return [
    ...headerLines(meta, extras),
    ...findingsLines(summary, overview, meta, extras.connectionMemory ?? [], extras.openLoop ?? []),
    ...section(
      '## Throughput',
      'Application payload, Mbit/s of wall-clock time in the steady window; mean and 90% confidence interval (Student t) over runs.',
      throughputTable(allRows),
      true,
    ),
    ...section('## Packet latency (sampled, µs)', PACKET_LATENCY_INTRO, packetLatencyTable(summary)),
    ...section('## Latency against offered load (open loop, µs)', OPEN_LOOP_INTRO, openLoopTable(extras.openLoop ?? [])),
    ...section('## A lossy wire', LOSS_INTRO(meta), lossTable(allRows)),
    ...parallelLines(summary, meta),
    ...section("## CLP against connections (the paper's Fig. 11)", FIG11_INTRO, connectionsTable(summary, runs)),
    ...section(
      '## What a connection costs in memory',
      CONNECTION_MEMORY_INTRO,
      extras.connectionMemory !== undefined && extras.connectionMemory.length > 0 ? connectionMemoryTable(extras.connectionMemory) : '',
    ),
    ...gatewaySections(summary, runs),
    ...(paired.length > 0
      ? [
          '## Paired ratios (measured in alternation)',
          '',
          pairedIntro(paired, extras.targetCiPercent ?? null),
          '',
          ...precisionLines(paired, extras.targetCiPercent ?? null),
          '',
          pairedTables(paired, extras.targetCiPercent ?? null),
        ]
      : []),
    ...(otherCharts.length > 0 ? ['## Charts', '', ...otherCharts.map((c) => `${image(c)}\n`), ''] : []),
    ...(extras.comparison ? ['## Compared with a baseline', '', renderComparison(extras.comparison), ''] : []),
    ...section(
      "## 1996 crypto and today's",
      'The paper found that crypto dominates and runs outside the locks, so packet-level parallelism scales with DES and 3DES. ' +
        "Today's ciphers are one to two orders of magnitude cheaper per byte: where a layer's increment over TCP/IP is small, " +
        "TCP's serial share (the lock held) bounds PLP's speedup again (Amdahl), while CLP has no lock to wait on.",
      modernCryptoTable(summary),
    ),
    ...section(
      '## Latency breakdown (µs per packet)',
      "As in the paper's Tables 1 and 2: time per packet at the measured throughput, and the increment over " +
        'the TCP/IP stack of the same link.',
      latencyTables(summary),
      true,
    ),
    ...section(
      '## Same-run ratios (what the regression check tracks)',
      "The raw primitives, timed before and after the stack runs on the same machine, and each configuration's throughput divided by " +
        'them: unlike Mbit/s, these carry over between machines.',
      calibration.length > 0 ? ratioTables(summary, calibration) : null,
    ),
    ...section(
      '## Memory through long runs',
      "Heap used (every thread's) and the process's RSS at the steady window's start and end, and the range of a trace taken every " +
        'twentieth of the window (windows of 10 s or more; `memory.trace` in results.json). A leak shows as a rising range.',
      memoryTable(runs),
    ),
    ...checkedLines(meta),
  ].join('\n');
}
