// report.md's throughput and parallelism sections: throughput, the lossy wire, PLP against CLP with
// the lock's Amdahl bound, and CLP against connections (the paper's Fig. 11).

import { MIN_RTO_MS } from '../stacks/layers/tcp/timers.js';
import { type MemoryUse, type RunRow, type SummaryRow, configKey, lockDesignOf, otherLock } from './rows.js';
import { table } from './markdown.js';
import type { ReportMeta } from './schema.js';
import { fmt, baseModeLabel, modeLabel, lossLabel, speedupCell, percent, section } from './report-format.js';
import { CPU_INTRO, cpuTable } from './report-memory-cpu.js';

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

export const LOSS_INTRO = (meta: ReportMeta): string => {
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
      // PLP under the paper's state lock, then each other lock design measured, in columns of their own.
      const designs = [...new Set(rows.filter(otherLock).map((r) => lockDesignOf(r)!))];
      const body: string[][] = [];
      for (const stack of [...new Set(rows.map((r) => r.stack))]) {
        const workers = [...new Set(rows.filter((r) => r.stack === stack).map((r) => r.workers))].sort((a, b) => a - b);
        for (const w of workers) {
          const plp = rows.find((r) => r.stack === stack && r.mode === 'plp' && !otherLock(r) && r.workers === w);
          const others = designs.map((d) =>
            rows.find((r) => r.stack === stack && r.workers === w && otherLock(r) && lockDesignOf(r) === d),
          );
          const clp = rows.find((r) => r.stack === stack && r.mode === 'clp' && r.workers === w);
          body.push([
            stack,
            `${w}${(plp ?? clp ?? others.find((o) => o !== undefined))?.oversubscribed ? '*' : ''}`,
            plp ? fmt(plp.meanMbps) : '—',
            w === 1 && plp ? '1' : speedupCell(plp),
            ...others.flatMap((o) => [o ? fmt(o.meanMbps) : '—', w === 1 && o ? '1' : speedupCell(o)]),
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
              ...designs.flatMap((d) => [`PLP ${d}-lock Mbit/s`, `PLP ${d}-lock speedup`]),
              'CLP Mbit/s',
              'CLP speedup',
              'ideal',
            ],
            body,
            ['l', 'r', 'r', 'r', ...designs.flatMap(() => ['r', 'r'] as const), 'r', 'r', 'r'],
          ),
      );
    }
  }
  return parts.join('\n\n');
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
      `${s.crypto}${otherLock(s) ? `, ${lockDesignOf(s)} lock` : ''}`,
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
      `${s.crypto}${otherLock(s) ? `, ${lockDesignOf(s)} lock` : ''}`,
      percent(s.lockHeldFraction!),
      percent(s.lockContendedShare!),
      percent(s.lockWaitFraction!),
      s.outOfOrderShare === undefined ? '—' : percent(s.outOfOrderShare),
    ]),
    ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r'],
  );
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
      'CPU µs/packet',
      'RSS MB',
      'KiB a connection (RSS growth)',
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
        fmt(s.cpuUsPerPacket ?? null, 2),
        fmt(rss(s), 0),
        fmt(s.connectionKiB ?? null, 1),
        s.threadStartUs === undefined
          ? '—'
          : `${fmt(s.threadColdUs ?? null, 1)} → ${fmt(s.threadStartUs, 1)} → ${fmt(s.threadEndUs ?? null, 1)}`,
      ]),
    ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export const FIG11_INTRO =
  'Thread-per-connection runs a thread for every connection; processor-per-connection runs the workers and spreads the connections ' +
  'over them. Each connection count was measured as a group of its own (its threads alive together), every thread warmed up by work ' +
  '(`--warmup-cpu`) before the window opened; a thread with several connections gives each a turn of 8 messages in round. RSS: ' +
  "the process at the window's end, every thread of the group alive; its growth per connection from the fewest connections " +
  'of the same stack and policy (thread-per-connection: a thread each). Per-thread ' +
  "cost: CPU µs per packet over a thread's first 16 packets (cold), in the window's first slice and in its last; medians over " +
  'threads and runs.';

const PLP_CLP_INTRO =
  'Packet-level parallelism: one connection, any packet to any worker, TCP state under one lock. Connection-level: each connection ' +
  'owned by one worker. Speedup = throughput ÷ throughput at 1 worker, with its 90% interval from slices measured in alternation ' +
  '(see Paired ratios), or propagated from the run means where it was not; * = more workers than cores.';

/** PLP against CLP: speedups, the lock's Amdahl bound, and the CPU accounting behind them. */
export function parallelLines(summary: readonly SummaryRow[], meta: ReportMeta): string[] {
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
