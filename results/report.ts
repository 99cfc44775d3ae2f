// report.md: the throughput table and the latency breakdown laid out like the paper's Tables 1
// and 2 (µs per packet, and the increment over the TCP/IP baseline of the same link).

import { MIN_RTO_MS } from '../stacks/layers/tcp/timers.js';
import { PAPER_PRIMITIVES } from '../stacks/layer-kind.js';
import { cryptoPrimitives } from '../stacks/spec.js';
import { type Comparison, renderComparison } from './compare.js';
import { type CalibrationRow, type MemoryUse, type RunRow, type SummaryRow, configKey, perfectWire } from './rows.js';
import { table, withInterval } from './markdown.js';
import type { PairedRatio } from './paired-ratios.js';
import { findings } from './findings.js';
import type { ReportMeta } from './schema.js';
import { machineLine } from './machine-line.js';
import { precisionLines, runsNeededText } from './precision.js';

export type { ReportMeta };
import {
  beneckeRows,
  beneckeTable,
  crashTable,
  gatewayTable,
  scalingRows,
  scalingTable,
  shiehLaiRows,
  shiehLaiTable,
} from './model-report.js';

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
}

const PAIRED_KINDS: Record<PairedRatio['kind'], string> = {
  speedup: 'Speedups',
  'plp-clp': 'PLP ÷ CLP',
  'clp-policy': 'Thread-per-connection ÷ processor-per-connection (Fig. 11)',
  'lock-scope': 'Lock scopes',
  'speedup-vs-stack': "One stack's speedup ÷ another's",
  checksum: 'Same-run ratio: ÷ checksum pass',
  primitive: "Same-run ratio: ÷ the stack's primitive",
  primitives: "Same-run ratio: ÷ all the stack's primitives, one after the other",
};

/** The paired ratios by kind: each with its 90% interval, half-width, pairs and whether it met the target. */
export function pairedTables(ratios: readonly PairedRatio[], targetPercent: number | null): string {
  const parts: string[] = [];
  for (const [kind, title] of Object.entries(PAIRED_KINDS)) {
    const mine = ratios.filter((r) => r.kind === kind);
    if (mine.length === 0) continue;
    const header = ['ratio', 'value (90%)', '±%', 'pairs', ...(targetPercent !== null ? [`within ±${targetPercent}%`] : [])];
    // Three significant digits: a stack ÷ the checksum pass is a few ten-thousandths.
    const digits = (x: number) => Math.max(2, 2 - Math.floor(Math.log10(Math.abs(x) || 1)));
    const rows = mine.map((r) => [
      r.label,
      withInterval(r.ratio, r.low, r.high, digits(r.ratio)),
      r.halfWidthPercent === null ? '—' : r.halfWidthPercent.toFixed(1),
      String(r.pairs),
      ...(targetPercent !== null ? [r.metTarget ? 'yes' : ['no', runsNeededText(r)].filter((t) => t !== '').join(': ')] : []),
    ]);
    parts.push(`**${title}**`, '', table(header, rows), '');
  }
  return parts.join('\n');
}

function fmt(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return x.toFixed(x < 1 ? 3 : digits);
}

/** The mode, with PLP's lock scope or CLP's policy when it is not the default. */
function baseModeLabel(s: SummaryRow): string {
  if (s.dispatch !== undefined) return s.dispatch;
  if (s.mode === 'clp' && s.clp === 'thread-per-connection') return 'clp (thread-per-connection)';
  return s.tcpLockScope === 'segment' ? 'plp (segment lock)' : s.mode;
}

/** The mode, and the wire's loss when one was asked. */
function modeLabel(s: SummaryRow): string {
  return s.loss === undefined ? baseModeLabel(s) : `${baseModeLabel(s)}, ${lossLabel(s.loss)} loss`;
}

function lossLabel(loss: number): string {
  return `${+(loss * 100).toFixed(3)}%`;
}

const LOSS_INTRO = (meta: ReportMeta): string => {
  const w = meta.wire;
  const others = w
    ? [
        ['duplicated', w.duplicate],
        ['held back behind the next', w.reorder],
        ['corrupted (one bit)', w.corrupt],
      ]
        .filter(([, p]) => (p as number) > 0)
        .map(([what, p]) => `${lossLabel(p as number)} ${what}`)
    : [];
  return (
    'Frames lost with the probability shown, both ways, seeded by the run' +
    (others.length > 0 ? `; besides, ${others.join(', ')}` : '') +
    '. TCP recovers by fast retransmit (RFC 5681, 6582) and its retransmission timer (RFC 6298); a ' +
    `timeout idles the connection for the RTO, at least ${w?.minRtoMs ?? MIN_RTO_MS} ms (--min-rto), which ` +
    "the in-memory wire's microsecond round trips do not need. Sent again: segments ÷ packets. Means over runs."
  );
};

/** TCP on a lossy wire: throughput beside what recovery took. */
export function lossTable(summary: readonly SummaryRow[]): string {
  const rows = summary.filter((s) => s.loss !== undefined);
  if (rows.length === 0) return '';
  return table(
    ['stack', 'side', 'mode', 'workers', 'crypto', 'loss', 'Mbit/s', 'sent again', 'timeouts per run', 'cwnd at end (bytes)'],
    rows.map((s) => [
      s.stack,
      s.side,
      baseModeLabel(s),
      String(s.workers),
      s.crypto,
      lossLabel(s.loss!),
      fmt(s.meanMbps),
      s.retransmitShare === undefined ? '—' : percent(s.retransmitShare),
      s.timeoutsPerRun === undefined ? '—' : s.timeoutsPerRun.toFixed(1),
      s.cwnd === undefined || s.cwnd === 0 ? '—' : String(s.cwnd),
    ]),
    ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
}

function speedupCell(s: SummaryRow | undefined): string {
  if (s === undefined) return '—';
  if (s.speedup === null) return 'n/a';
  return withInterval(s.speedup, s.speedupLow, s.speedupHigh, 2);
}

export function throughputTable(summary: readonly SummaryRow[]): string {
  return table(
    ['stack', 'side', 'mode', 'workers', 'conns', 'crypto', 'Mbit/s', '90% CI', 'speedup (90%)', 'µs/packet', 'runs'],
    summary.map((s) => [
      s.stack,
      s.side,
      modeLabel(s),
      `${s.workers}${s.oversubscribed ? '*' : ''}`,
      String(s.connections),
      s.crypto,
      fmt(s.meanMbps),
      s.ci90Low === null ? 'n/a' : `${fmt(s.ci90Low)} – ${fmt(s.ci90High)}`,
      s.workers === 1 ? '1' : speedupCell(s),
      fmt(s.usPerPacket, 2),
      String(s.runs),
    ]),
    ['l', 'l', 'l', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
}

/**
 * PLP beside CLP for each stack and side: throughput and speedup at each worker count, with the
 * ideal linear speedup (the paper's Fig. 3–10 as tables).
 */
export function parallelTables(summary: readonly SummaryRow[]): string {
  // Thread-per-connection has no worker sweep (its threads are its connections): see connectionsTable.
  const parallel = summary.filter(
    (s) => (s.mode === 'plp' || s.mode === 'clp') && s.dispatch === undefined && s.clp !== 'thread-per-connection',
  );
  if (parallel.length === 0) return '';
  const parts: string[] = [];
  const cryptos = [...new Set(parallel.map((s) => s.crypto))];
  for (const crypto of cryptos) {
    for (const side of ['send', 'recv'] as const) {
      const rows = parallel.filter((s) => s.crypto === crypto && s.side === side);
      if (rows.length === 0) continue;
      const hasSegment = rows.some((r) => r.tcpLockScope === 'segment');
      const body: string[][] = [];
      for (const stack of [...new Set(rows.map((r) => r.stack))]) {
        const workers = [...new Set(rows.filter((r) => r.stack === stack).map((r) => r.workers))].sort((a, b) => a - b);
        for (const w of workers) {
          const plp = rows.find((r) => r.stack === stack && r.mode === 'plp' && r.tcpLockScope !== 'segment' && r.workers === w);
          const segment = rows.find((r) => r.stack === stack && r.mode === 'plp' && r.tcpLockScope === 'segment' && r.workers === w);
          const clp = rows.find((r) => r.stack === stack && r.mode === 'clp' && r.workers === w);
          body.push([
            stack,
            `${w}${(plp ?? clp ?? segment)?.oversubscribed ? '*' : ''}`,
            plp ? fmt(plp.meanMbps) : '—',
            w === 1 && plp ? '1' : speedupCell(plp),
            ...(hasSegment ? [segment ? fmt(segment.meanMbps) : '—', w === 1 && segment ? '1' : speedupCell(segment)] : []),
            clp ? fmt(clp.meanMbps) : '—',
            w === 1 && clp ? '1' : speedupCell(clp),
            String(w),
          ]);
        }
      }
      parts.push(
        `### ${side === 'send' ? 'Send' : 'Receive'} side, ${crypto} crypto\n\n` +
          table(
            [
              'stack',
              'workers',
              'PLP Mbit/s',
              'PLP speedup',
              ...(hasSegment ? ['PLP segment-lock Mbit/s', 'PLP segment-lock speedup'] : []),
              'CLP Mbit/s',
              'CLP speedup',
              'ideal',
            ],
            body,
            ['l', 'r', 'r', 'r', ...(hasSegment ? (['r', 'r'] as const) : []), 'r', 'r', 'r'],
          ),
      );
    }
  }
  return parts.join('\n\n');
}

/**
 * The paper's Fig. 11 as a table: CLP at each connection count under each policy, with Jain's
 * index, the threads a run kept alive and the process's RSS, and each thread's CPU cost per packet
 * cold (its first packets), at the window's start and at its end (medians over threads).
 */
export function connectionsTable(summary: readonly SummaryRow[], runs: readonly RunRow[] = []): string {
  const rows = summary.filter((s) => s.mode === 'clp' && s.dispatch === undefined);
  const policies = new Set(rows.map((s) => s.clp ?? 'processor-per-connection'));
  const counts = new Set(rows.map((s) => s.connections));
  if (counts.size < 2 && policies.size < 2) return '';
  const rss = (s: SummaryRow) => {
    const mine = (runs as (RunRow & { memory?: MemoryUse })[]).filter((r) => r.memory !== undefined && configKey(r) === configKey(s));
    return mine.length === 0 ? null : Math.max(...mine.map((r) => r.memory!.rssEndMB));
  };
  return table(
    [
      'stack',
      'side',
      'connections',
      'policy',
      'threads',
      'Mbit/s',
      '90% CI',
      "Jain's index",
      'RSS MB',
      'CPU µs/packet per thread: cold → start → end',
    ],
    [...rows]
      .sort(
        (a, b) =>
          a.stack.localeCompare(b.stack) ||
          a.side.localeCompare(b.side) ||
          a.connections - b.connections ||
          (a.clp ?? '').localeCompare(b.clp ?? ''),
      )
      .map((s) => [
        s.stack,
        s.side,
        String(s.connections),
        s.clp ?? 'processor-per-connection',
        `${s.workers}${s.oversubscribed ? '*' : ''}`,
        fmt(s.meanMbps),
        s.ci90Low === null ? 'n/a' : `${fmt(s.ci90Low)} – ${fmt(s.ci90High)}`,
        s.fairness === undefined ? '—' : s.fairness.toFixed(3),
        fmt(rss(s), 0),
        s.threadStartUs === undefined
          ? '—'
          : `${fmt(s.threadColdUs ?? null, 1)} → ${fmt(s.threadStartUs, 1)} → ${fmt(s.threadEndUs ?? null, 1)}`,
      ]),
    ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/**
 * Amdahl's bound from PLP's lock: with the TCP lock held a fraction f of the time on one worker,
 * the locked component saturates at 1/f processors, and n processors give at most 1/(f + (1-f)/n).
 */
export function amdahlTable(summary: readonly SummaryRow[]): string {
  const rows = summary.filter((s) => s.mode === 'plp' && s.workers === 1 && s.lockHeldFraction !== undefined && s.dispatch === undefined);
  if (rows.length === 0) return '';
  const body = rows.map((s) => {
    const f = s.lockHeldFraction!;
    const bound = (n: number) => (1 / (f + (1 - f) / n)).toFixed(1);
    return [
      s.stack,
      s.side,
      `${s.crypto}${s.tcpLockScope === 'segment' ? ', segment lock' : ''}`,
      percent(f),
      f > 0 ? (1 / f).toFixed(0) : '∞',
      bound(2),
      bound(4),
      bound(12),
    ];
  });
  return table(
    ['stack', 'side', 'crypto', 'lock held (1 worker)', 'saturates at (processors)', 'bound ×2', 'bound ×4', 'bound ×12'],
    body,
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** PLP's lock at each worker count: how often it was contended and how long workers waited. */
export function lockTable(summary: readonly SummaryRow[]): string {
  const rows = summary.filter((s) => s.mode === 'plp' && s.lockHeldFraction !== undefined);
  if (rows.length === 0) return '';
  return table(
    ['stack', 'side', 'workers', 'crypto', 'held', 'contended acquisitions', 'time waiting', 'out of order at TCP'],
    rows.map((s) => [
      s.stack,
      s.side,
      String(s.workers),
      `${s.crypto}${s.tcpLockScope === 'segment' ? ', segment lock' : ''}`,
      percent(s.lockHeldFraction!),
      percent(s.lockContendedShare!),
      percent(s.lockWaitFraction!),
      s.outOfOrderShare === undefined ? '—' : percent(s.outOfOrderShare),
    ]),
    ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r'],
  );
}

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

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(2)}%`;
}

/** The baseline a stack's increment is measured from: TCP/IP over the same link. */
function baselineOf(stack: string): string {
  const link = stack.split('/').pop();
  return `tcp/ip/${link}`;
}

/**
 * Tables 1–2: per crypto provider (and mode, workers, connections), each stack's µs per packet on
 * the send and receive side and the increment over TCP/IP of the same link.
 */
export function latencyTables(summary: readonly SummaryRow[]): string {
  const groups = new Map<string, SummaryRow[]>();
  // As in the paper, latency comes from the one-processor throughput.
  for (const s of summary.filter((row) => row.workers === 1 && row.dispatch === undefined)) {
    const key =
      `${s.crypto} crypto, ${s.mode}, ${s.workers} worker${s.workers === 1 ? '' : 's'}, ${s.connections} ` +
      `connection${s.connections === 1 ? '' : 's'}, ${s.packetSize}-byte packets`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const parts: string[] = [];
  for (const [key, rows] of groups) {
    const find = (stack: string, side: string) => rows.find((r) => r.stack === stack && r.side === side);
    const stacks = [...new Set(rows.map((r) => r.stack))];
    const body = stacks.map((stack) => {
      const cells = [stack.toUpperCase()];
      for (const side of ['send', 'recv']) {
        const row = find(stack, side);
        const base = find(baselineOf(stack), side);
        cells.push(row ? fmt(row.usPerPacket, 2) : '—');
        cells.push(row && base && stack !== baselineOf(stack) ? fmt(row.usPerPacket - base.usPerPacket, 2) : '');
      }
      return cells;
    });
    const notes = cipherRatios(rows);
    parts.push(
      `### ${key}\n\n${table(['Protocol Stack', 'Send Side', 'Inc. Cost', 'Recv Side', 'Inc. Cost'], body, LATENCY_ALIGN)}` +
        (notes ? `\n\n${notes}` : ''),
    );
  }
  return parts.join('\n\n');
}

/** Whether a stack runs one of today's primitives (AES, the AEADs, SHA-1 and SHA-2), not only the paper's. */
function hasModernCrypto(stack: string): boolean {
  return cryptoPrimitives(stack).some((p) => !PAPER_PRIMITIVES.includes(p));
}

/**
 * "1996 crypto and today's": for each stack and side, µs per packet at one worker and its increment
 * over TCP/IP (Table 1's layout), the speedups of PLP and CLP at two workers, PLP's lock share at
 * one worker and the Amdahl bound it sets at two. Shown when a run has a modern layer beside others.
 */
export function modernCryptoTable(summary: readonly SummaryRow[]): string {
  if (!summary.some((s) => hasModernCrypto(s.stack))) return '';
  const plain = summary.filter((s) => s.dispatch === undefined && s.connections >= 1);
  const find = (stack: string, side: string, mode: string, workers: number) =>
    plain.find((s) => s.stack === stack && s.side === side && s.mode === mode && s.workers === workers);
  const rows: string[][] = [];
  for (const stack of [...new Set(plain.map((s) => s.stack))]) {
    for (const side of ['send', 'recv']) {
      const one = find(stack, side, 'plp', 1) ?? find(stack, side, 'single', 1) ?? find(stack, side, 'clp', 1);
      if (one === undefined) continue;
      const base = find(baselineOf(stack), side, one.mode, 1);
      const f = find(stack, side, 'plp', 1)?.lockHeldFraction;
      rows.push([
        stack,
        side,
        one.crypto,
        fmt(one.usPerPacket, 2),
        base !== undefined && stack !== baselineOf(stack) ? fmt(one.usPerPacket - base.usPerPacket, 2) : '',
        speedupCell(find(stack, side, 'plp', 2)),
        speedupCell(find(stack, side, 'clp', 2)),
        f === undefined ? '—' : percent(f),
        f === undefined ? '—' : (1 / (f + (1 - f) / 2)).toFixed(2),
      ]);
    }
  }
  return table(
    [
      'stack',
      'side',
      'crypto',
      'µs/packet (1 worker)',
      'inc. over TCP/IP',
      'PLP speedup ×2',
      'CLP speedup ×2',
      'PLP lock held',
      'Amdahl bound ×2',
    ],
    rows,
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/**
 * 3DES against DES (the paper: about 2.9 ×), two ways: each stack's increment over TCP/IP, and
 * the cipher's own increment over TCP/MD5/IP of the same link.
 */
function cipherRatios(rows: readonly SummaryRow[]): string {
  const lines: string[] = [];
  const links = [...new Set(rows.map((r) => r.stack.split('/').pop()!))];
  for (const link of links) {
    for (const side of ['send', 'recv'] as const) {
      const us = (stack: string) => rows.find((r) => r.stack === stack && r.side === side)?.usPerPacket;
      const base = us(`tcp/ip/${link}`);
      const md5 = us(`tcp/md5/ip/${link}`);
      const des = us(`des/tcp/md5/ip/${link}`);
      const tdes = us(`3des/tcp/md5/ip/${link}`);
      if (des === undefined || tdes === undefined) continue;
      const parts: string[] = [];
      if (base !== undefined) parts.push(`increments over TCP/IP ${((tdes - base) / (des - base)).toFixed(2)} ×`);
      if (md5 !== undefined) parts.push(`cipher alone (over TCP/MD5/IP) ${((tdes - md5) / (des - md5)).toFixed(2)} ×`);
      if (parts.length) lines.push(`- 3DES ÷ DES, ${link} ${side} side: ${parts.join('; ')}`);
    }
  }
  return lines.join('\n');
}

/** The raw primitives timed in the same run, and each row's throughput divided by them. */
export function ratioTables(summary: readonly SummaryRow[], calibration: readonly CalibrationRow[]): string {
  if (calibration.length === 0) return '';
  const primitives = table(
    ['primitive', 'crypto', 'Mbit/s', '90% CI', 'samples'],
    calibration.map((c) => [
      c.primitive,
      c.crypto ?? '—',
      fmt(c.meanMbps),
      c.ci90Low === null ? 'n/a' : `${fmt(c.ci90Low)} – ${fmt(c.ci90High)}`,
      String(c.samples),
    ]),
    ['l', 'l', 'r', 'r', 'r'],
  );
  const ratios = table(
    ['stack', 'side', 'mode', 'workers', 'crypto', '÷ checksum (90%)', '÷ primitive (90%)'],
    summary.map((s) => [
      s.stack,
      s.side,
      modeLabel(s),
      String(s.workers),
      s.crypto,
      s.checksumRatio === undefined ? '—' : withInterval(s.checksumRatio, s.checksumRatioLow, s.checksumRatioHigh, 4),
      s.primitiveRatio === undefined
        ? '—'
        : `${s.primitive}: ${withInterval(s.primitiveRatio, s.primitiveRatioLow, s.primitiveRatioHigh, 3)}`,
    ]),
    ['l', 'l', 'l', 'r', 'l', 'r', 'r'],
  );
  return `${primitives}

${ratios}`;
}

/** The packet screen and the scaling models (sections only when the run has their figures). */
export function gatewaySections(summary: readonly SummaryRow[], runs: readonly RunRow[] = []): string[] {
  const gateways = gatewayTable(summary);
  const benecke = beneckeTable(beneckeRows(summary));
  const shiehLai = shiehLaiTable(shiehLaiRows(runs));
  const crash = crashTable(runs);
  const scaling = scalingTable(scalingRows(summary));
  return [
    ...(gateways
      ? [
          '## Packet screen and dispatch (Benecke; Shieh & Lai)',
          '',
          'Packets of the traffic mix (many TCP and UDP flows; 16 to 1472 bytes of user data for the screen, ' +
            'the given datagram size for IPsec) processed per second by all workers together; Mbit/s counts their ' +
            "IP bytes (the inner datagrams' for IPsec). Load max/mean: the busiest worker's share of the traffic " +
            '÷ the mean share (1 = even). Selection: µs per packet to receive a packet and decide it is another ' +
            "worker's.",
          '',
          gateways,
          '',
        ]
      : []),
    ...(benecke
      ? [
          "### Benecke's model: G(n) = (Bsel + Bfil) / (Bsel + Bfil / n), calibrated at n = 1",
          '',
          "Bsel: the selection cost timed at n = 1; Bfil: the rest of a packet's time at n = 1. Error = " +
            '(predicted − measured) ÷ measured. Rows without a measured speedup are predictions only.',
          '',
          benecke,
          '',
        ]
      : []),
    ...(crash
      ? [
          '### Crash and reconfiguration (Benecke §7)',
          '',
          'A worker stops at the given moment (it processes nothing more and sends no heartbeat). With static ' +
            "selection its share of the packets is lost from then on (Benecke's Pcrash: about 1/n); with a " +
            'heartbeat the survivors notice after three silent periods and divide the hash space among themselves ' +
            'from an agreed packet on. Loss: packets offered to the gateway that no worker processed, as a ' +
            'survivor counted them.',
          '',
          crash,
          '',
        ]
      : []),
    ...(shiehLai
      ? [
          "### Shieh & Lai's model: µ(n, s) = n·P·s / (R(s) + n·Q(s)), fitted",
          '',
          'Fitted to every run of the IPsec gateways whose workers all see every packet: 1/µ is a line in 1/n ' +
            'for each frame size s. The unit of work is processing one byte (R(s) = s), so P is bytes per second ' +
            'of IPsec work one worker does and Q(s) what every worker pays for every packet, in bytes of that ' +
            'work. Spreads: 90% intervals over the per-run fits. The µ columns are **predicted** (with Q(s) = 0 ' +
            'where its fit fell below 0).',
          '',
          shiehLai,
          '',
        ]
      : []),
    ...(scaling
      ? [
          '## Scaling beyond this machine (predicted)',
          '',
          "Amdahl's law S(n) = 1 / (σ + (1 − σ)/n) and the Universal Scalability Law S(n) = n / (1 + α(n − 1) + " +
            'βn(n − 1)) fitted to each measured speedup curve (oversubscribed points left out). The ×4 … ×16 ' +
            'columns are **predicted**, not measured. With speedups at one worker count above 1, β cannot be told ' +
            'from α and is set to 0.',
          '',
          scaling,
          '',
        ]
      : []),
  ];
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

const LATENCY_ALIGN: ('l' | 'r')[] = ['l', 'r', 'r', 'r', 'r'];

/** A titled section of report.md: its heading, what it shows, its body; nothing when the body is empty unless `always`. */
function section(heading: string, intro: string, body: string | null | undefined, always = false): string[] {
  if (!body && !always) return [];
  return [heading, '', ...(intro ? [intro, ''] : []), body ?? '', ''];
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
    ...(meta.machine !== undefined ? [`Machine: ${machineLine(meta.machine)}`, ''] : []),
    `\`${meta.command}\``,
    '',
  ];
}

/** What the reader came for: a sentence per stack and the speedup panel. */
function findingsLines(summary: readonly SummaryRow[], overview: { name: string; description: string } | undefined): string[] {
  const said = findings(summary);
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

const PLP_CLP_INTRO =
  'Packet-level parallelism: one connection, any packet to any worker, TCP state under one lock. Connection-level: each connection ' +
  'owned by one worker. Speedup = throughput ÷ throughput at 1 worker, with its 90% interval from slices measured in alternation ' +
  '(see Paired ratios), or propagated from the run means where it was not; * = more workers than cores.';

const CPU_INTRO = (source: string) =>
  `Each thread read its own scheduler statistics (${source}) at the start and end of every slice. Speedup ≈ *threads busy* ` +
  '(Σ on-CPU time ÷ window, at N ÷ at 1) × *per-packet cost* (CPU µs per packet at 1 ÷ at N): a lock spun on shows as cost growth ' +
  '(below 1), sleeping in Atomics.wait as threads not busy, more threads than cores as run-queue wait. The product is the ratio of ' +
  'the packet rates over all runs; the speedup column is the paired estimate. On-CPU time varies as much as wall-clock time on a ' +
  'shared machine: this explains a speedup, it does not make it more precise.';

/** PLP against CLP: speedups, the lock's Amdahl bound, and the CPU accounting behind them. */
function parallelLines(summary: readonly SummaryRow[], meta: ReportMeta): string[] {
  const tables = parallelTables(summary);
  if (!tables) return [];
  return [
    ...section('## PLP and CLP', PLP_CLP_INTRO, tables),
    "### Where PLP's lock stops scaling (Amdahl)",
    '',
    amdahlTable(summary),
    '',
    lockTable(summary),
    '',
    ...section('### Where the speedups come from (CPU accounting)', CPU_INTRO(meta.cpuSource ?? 'schedstat'), cpuTable(summary)),
  ];
}

const FIG11_INTRO =
  'Thread-per-connection runs a thread for every connection; processor-per-connection runs the workers and spreads the connections ' +
  'over them. Each connection count was measured as a group of its own (its threads alive together), every thread warmed up by work ' +
  "(`--warmup-cpu`) before the window opened. RSS: the process at the window's end, every thread of the group alive. Per-thread " +
  "cost: CPU µs per packet over a thread's first 16 packets (cold), in the window's first slice and in its last; medians over " +
  'threads and runs.';

/** How the paired ratios were measured, and how many met the precision target. */
function pairedIntro(extras: ReportExtras): string {
  const ratios = extras.pairedRatios ?? [];
  const target =
    extras.targetCiPercent != null
      ? ` Precision target: ±${extras.targetCiPercent}% (${ratios.filter((r) => r.metTarget).length} of ${ratios.length} met it).`
      : '';
  return (
    `Each ratio is the geometric mean of the ratios of slices taken one after the other (${ratios[0]?.method}); the pairs are the ` +
    `rounds both sides took part in.${target} One stack's speedup ÷ another's combines two paired estimates (their errors added).`
  );
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
    ...findingsLines(summary, overview),
    ...section(
      '## Throughput',
      'Application payload, Mbit/s of wall-clock time in the steady window; mean and 90% confidence interval (Student t) over runs.',
      throughputTable(allRows),
      true,
    ),
    ...section('## A lossy wire', LOSS_INTRO(meta), lossTable(allRows)),
    ...parallelLines(summary, meta),
    ...section("## CLP against connections (the paper's Fig. 11)", FIG11_INTRO, connectionsTable(summary, runs)),
    ...gatewaySections(summary, runs),
    ...(paired.length > 0
      ? [
          '## Paired ratios (measured in alternation)',
          '',
          pairedIntro(extras),
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
