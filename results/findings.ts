// What a reader came for, in words, whatever kind of run it was: one sentence per stack with its
// speedups at the most workers measured, PLP's lock share and the Amdahl bound it sets, and what
// the CPU accounting says the speedup is made of; for a lock-scope sweep, the two scopes; for a
// connection sweep (Fig. 11), each policy from the fewest connections to the most and the two
// policies side by side; for a gateway run, each dispatch policy's speedup and balance. Generated
// from the summary, so it says only what the figures say.

import { type SummaryRow, lockDesignOf, otherLock } from './rows.js';
import type { ConnectionMemory, MachineDescription } from './schema.js';

/** The rows a stack's sentence reads: PLP (state lock) and CLP processor-per-connection, not the gateways. */
function parallelRows(summary: readonly SummaryRow[], stack: string, crypto: string): SummaryRow[] {
  return summary.filter(
    (s) =>
      s.stack === stack &&
      s.crypto === crypto &&
      s.dispatch === undefined &&
      s.clp !== 'thread-per-connection' &&
      (s.mode === 'clp' || (s.mode === 'plp' && !otherLock(s))),
  );
}

function times(x: number): string {
  return `${x.toFixed(2)}×`;
}

/** A speedup with its 90% interval, as the sentences write it: 1.47× (1.42–1.52). */
function speedupText(s: SummaryRow): string {
  if (s.speedup === null) return 'n/a';
  return s.speedupLow !== null && s.speedupHigh !== null
    ? `${times(s.speedup)} (${s.speedupLow.toFixed(2)}–${s.speedupHigh.toFixed(2)})`
    : times(s.speedup);
}

const SIDE_WORD: Record<string, string> = { send: 'sending', recv: 'receiving' };

/** Why a speedup falls short of its worker count, from the CPU accounting: the largest shortfall named. */
export function explanation(s: SummaryRow): string | null {
  if (s.busyRatio === undefined || s.costRatio === undefined) return null;
  const parts = `${times(s.busyRatio)} from threads busy × ${times(s.costRatio)} from per-packet cost`;
  const reasons: string[] = [];
  // Cheaper packets at N workers than at one: each thread's share of the connections' state (or of
  // the one connection's traffic) is smaller, and fits its core's caches better.
  if (s.costRatio > 1.05)
    reasons.push(
      `each packet cost ${Math.round((1 - 1 / s.costRatio) * 100)}% less CPU than at one worker` +
        `${s.mode === 'clp' ? " (each thread's share of the connections' state fits its cache better)" : ''}`,
    );
  if (s.costRatio < 0.9)
    reasons.push(
      `each packet cost ${Math.round((1 / s.costRatio - 1) * 100)}% more ` +
        `CPU${s.mode === 'plp' ? ' (spinning on the lock, cache lines moving between cores)' : ''}`,
    );
  if (s.busyRatio < 0.9 * s.workers) {
    const busy = s.busyThreads !== undefined ? `${s.busyThreads.toFixed(2)} of ${s.workers}` : 'less than';
    const waiting =
      s.runQueueShare !== undefined && s.runQueueShare > 0.05
        ? `, ${Math.round(s.runQueueShare * 100)}% of the window waiting for one`
        : s.mode === 'plp'
          ? ' (waiting for the lock)'
          : '';
    reasons.push(`the threads were on a CPU ${busy} on average${waiting}`);
  }
  return reasons.length > 0 ? `${parts}: ${reasons.join(', and ')}` : parts;
}

/** One sentence per stack and crypto provider that ran PLP or CLP at more than one worker count. */
export function findings(summary: readonly SummaryRow[]): string[] {
  const out: string[] = [];
  const keys = [...new Set(summary.filter((s) => s.dispatch === undefined && s.mode !== 'single').map((s) => `${s.stack}|${s.crypto}`))];
  const cryptos = new Set(keys.map((k) => k.split('|')[1]));
  for (const key of keys) {
    const [stack, crypto] = key.split('|') as [string, string];
    // Speedups need a run at one worker: a stack measured at one worker count has none to tell.
    const rows = parallelRows(summary, stack, crypto).filter((s) => s.speedup !== null);
    const most = Math.max(...rows.map((s) => s.workers), 0);
    if (most < 2) continue;
    const at = (mode: string, side: string) => rows.find((s) => s.mode === mode && s.side === side && s.workers === most);
    const sides = (['send', 'recv'] as const).filter((side) => at('plp', side) !== undefined || at('clp', side) !== undefined);
    const modes = (['plp', 'clp'] as const).filter((mode) => sides.some((side) => at(mode, side) !== undefined));
    const clauses = modes.map(
      (mode) =>
        `${mode.toUpperCase()} ` +
        sides
          .map((side) => {
            const row = at(mode, side);
            return `${row ? speedupText(row) : '—'}${sides.length > 1 ? ` ${SIDE_WORD[side]}` : ''}`;
          })
          .join(' and '),
    );
    const sentence = [
      `**${stack}**${cryptos.size > 1 ? ` [${crypto}]` : ''}: at ${most} workers ` +
        `${sides.length === 1 ? `(${SIDE_WORD[sides[0]!]}) ` : ''}speedup ${clauses.join('; ')}`,
    ];
    // PLP's lock at one worker and the Amdahl bound it puts on PLP at the most workers.
    const locks = sides
      .map((side) => ({
        side,
        one: rows.find((s) => s.mode === 'plp' && s.side === side && s.workers === 1 && s.lockHeldFraction !== undefined),
      }))
      .filter((l) => l.one !== undefined);
    if (locks.length > 0) {
      const bound = (f: number, side: string) => {
        const limit = 1 / (f + (1 - f) / most);
        const plp = at('plp', side)?.speedup ?? null;
        return `Amdahl bound ${times(limit)}${plp !== null ? `, ${Math.round((plp / limit) * 100)}% of it reached` : ''}`;
      };
      const pct = (f: number) => `${f < 0.01 ? (f * 100).toFixed(1) : Math.round(f * 100)}%`;
      if (locks.length === 1) {
        const f = locks[0]!.one!.lockHeldFraction!;
        sentence.push(`PLP's lock is held ${pct(f)} of the time at one worker (${bound(f, locks[0]!.side)})`);
      } else {
        const described = locks.map(
          ({ side, one }) =>
            `${pct(one!.lockHeldFraction!)}${side === locks[0]!.side ? ' of the time' : ''} ${SIDE_WORD[side]} ` +
            `(${bound(one!.lockHeldFraction!, side)})`,
        );
        sentence.push(`PLP's lock is held at one worker ${described.join(' and ')}`);
      }
    }
    // A speedup whose whole interval lies above its worker count: superlinear, and what made it.
    const superlinear = modes
      .flatMap((mode) => sides.map((side) => at(mode, side)))
      .filter((s) => s !== undefined && s.speedupLow !== null && s.speedupLow > s.workers);
    for (const s of superlinear)
      sentence.push(
        `${s!.mode.toUpperCase()} ${SIDE_WORD[s!.side]} is superlinear, its whole interval above ${s!.workers}` +
          `${explanation(s!) !== null ? `: ${explanation(s!)}` : ''}`,
      );
    // The CPU accounting of the weakest speedup (not superlinear: that one is said above).
    const weakest = modes
      .flatMap((mode) => sides.map((side) => at(mode, side)))
      .filter((s) => s !== undefined && s.speedup !== null && explanation(s) !== null && !superlinear.includes(s))
      .sort((a, b) => a!.speedup! - b!.speedup!)[0];
    if (weakest !== undefined) sentence.push(`${weakest.mode.toUpperCase()} ${SIDE_WORD[weakest.side]} is ${explanation(weakest)}`);
    out.push(`${sentence.join('; ')}.`);
  }
  return [...out, ...lockScopeFindings(summary), ...connectionFindings(summary), ...gatewayFindings(summary)];
}

const LOCK_WORDS: Record<string, string> = {
  state: "the paper's mutex over TCP's state",
  segment: "the mutex over all of TCP's work on a segment",
  ticket: 'the fair ticket lock over the state',
  backlog: "Linux's backlog (input that finds the mutex held is queued for its holder)",
  batch: 'the backlog and output in batches (several segments to an acquisition)',
};

/**
 * More than one lock design measured (--lock): PLP's speedup under each at the most workers, with
 * how often its lock was found held, and which design comes closest to CLP's speedup there.
 */
function lockScopeFindings(summary: readonly SummaryRow[]): string[] {
  const out: string[] = [];
  const plp = summary.filter((s) => s.mode === 'plp' && s.dispatch === undefined && s.speedup !== null && s.workers > 1);
  for (const key of new Set(plp.map((s) => `${s.stack}|${s.side}|${s.crypto}`))) {
    const rows = plp.filter((s) => `${s.stack}|${s.side}|${s.crypto}` === key);
    const most = Math.max(...rows.map((s) => s.workers));
    const designs = rows.filter((s) => s.workers === most);
    if (designs.length < 2) continue;
    const described = designs.map((s) => {
      const design = lockDesignOf(s) ?? 'state';
      const contended =
        s.lockContendedShare !== undefined ? `, ${Math.round(s.lockContendedShare * 100)}% of acquisitions found it held` : '';
      return `${speedupText(s)} with ${LOCK_WORDS[design] ?? `the ${design} lock`}${contended}`;
    });
    const first = designs[0]!;
    const clp = summary.find(
      (s) =>
        s.mode === 'clp' &&
        s.clp !== 'thread-per-connection' &&
        s.stack === first.stack &&
        s.side === first.side &&
        s.crypto === first.crypto &&
        s.workers === most &&
        s.speedup !== null,
    );
    const best = [...designs].sort((a, b) => b.speedup! - a.speedup!)[0]!;
    const share = clp !== undefined ? Math.round((best.speedup! / clp.speedup!) * 100) : 0;
    const closest =
      clp !== undefined ? `; closest to CLP's ${times(clp.speedup!)}: ${lockDesignOf(best) ?? 'state'} (${share}% of it)` : '';
    out.push(`**${first.stack}** ${SIDE_WORD[first.side]}, PLP at ${most} workers: speedup ${described.join('; ')}${closest}.`);
  }
  return out;
}

/** A gateway run: per stack and side, each dispatch policy's speedup at the most workers and how evenly it spread the load. */
function gatewayFindings(summary: readonly SummaryRow[]): string[] {
  const out: string[] = [];
  const gateway = summary.filter((s) => s.dispatch !== undefined);
  for (const key of new Set(gateway.map((s) => `${s.stack}|${s.side}|${s.crypto}|${s.packetSize}`))) {
    const rows = gateway.filter((s) => `${s.stack}|${s.side}|${s.crypto}|${s.packetSize}` === key);
    const most = Math.max(...rows.map((s) => s.workers));
    const atMost = rows.filter((s) => s.workers === most && s.speedup !== null).sort((a, b) => b.speedup! - a.speedup!);
    if (most < 2 || atMost.length === 0) continue;
    const clauses = atMost.map(
      (s) =>
        `${s.dispatch} ${speedupText(s)}` +
        (s.loadMaxMean !== undefined ? ` (the busiest worker had ${s.loadMaxMean.toFixed(2)}× the mean load)` : ''),
    );
    const first = atMost[0]!;
    const size = first.packetSize > 0 ? `, ${first.packetSize}-byte frames` : '';
    out.push(`**${first.stack}** ${SIDE_WORD[first.side]}${size}: at ${most} workers speedup ${clauses.join('; ')}.`);
  }
  return out;
}

/** Fig. 11: for each stack and side swept over connections, each CLP policy from the fewest connections to the most. */
function connectionFindings(summary: readonly SummaryRow[]): string[] {
  const out: string[] = [];
  const clp = summary.filter((s) => s.mode === 'clp' && s.dispatch === undefined);
  const policyOf = (s: SummaryRow) => s.clp ?? 'processor-per-connection';
  const cryptos = new Set(clp.map((s) => s.crypto));
  for (const key of new Set(clp.map((s) => `${s.stack}|${s.side}|${s.crypto}`))) {
    const [stack, side, crypto] = key.split('|') as [string, string, string];
    const rows = clp.filter((s) => s.stack === stack && s.side === side && s.crypto === crypto);
    const counts = [...new Set(rows.map((s) => s.connections))].sort((a, b) => a - b);
    const [fewest, most] = [counts[0]!, counts[counts.length - 1]!];
    const clauses: string[] = [];
    for (const policy of ['thread-per-connection', 'processor-per-connection']) {
      const mine = rows.filter((s) => policyOf(s) === policy);
      // Processor-per-connection at its most workers.
      const pick = (n: number) => mine.filter((s) => s.connections === n).sort((a, b) => b.workers - a.workers)[0];
      const [a, b] = [pick(fewest), pick(most)];
      if (a === undefined || b === undefined) continue;
      const jain = (s: SummaryRow) => (s.fairness === undefined ? '' : `, Jain ${s.fairness.toFixed(3)}`);
      const mbps = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
      clauses.push(
        `${policy}${policy === 'processor-per-connection' ? ` on ${b.workers} threads` : ''} ` +
          `${mbps(a.meanMbps)} Mbit/s${jain(a)} → ${mbps(b.meanMbps)}${jain(b)}`,
      );
    }
    const label = `**${stack}**${cryptos.size > 1 ? ` [${crypto}]` : ''} ${SIDE_WORD[side]}`;
    if (clauses.length > 0 && counts.length > 1) out.push(`${label}, ${fewest} → ${most} connections: ${clauses.join('; ')}.`);
    const versus = policiesSideBySide(rows, counts, policyOf);
    if (versus !== null) out.push(`${label}: ${versus}.`);
  }
  return out;
}

/** At the most connections both CLP policies ran: processor- against thread-per-connection's Mbit/s and fairness. */
function policiesSideBySide(rows: readonly SummaryRow[], counts: readonly number[], policyOf: (s: SummaryRow) => string): string | null {
  for (const n of [...counts].reverse()) {
    const ppc = rows
      .filter((s) => s.connections === n && policyOf(s) === 'processor-per-connection')
      .sort((a, b) => b.workers - a.workers)[0];
    const tpc = rows.find((s) => s.connections === n && policyOf(s) === 'thread-per-connection');
    if (ppc === undefined || tpc === undefined || !(tpc.meanMbps > 0)) continue;
    const jain =
      ppc.fairness !== undefined && tpc.fairness !== undefined
        ? `, Jain ${ppc.fairness.toFixed(2)} against ${tpc.fairness.toFixed(2)}`
        : '';
    return (
      `at ${n} connections processor-per-connection (${ppc.workers} threads) carries ${times(ppc.meanMbps / tpc.meanMbps)} ` +
      `thread-per-connection's Mbit/s${jain}`
    );
  }
  return null;
}

/** A cache size as the kernel or cpuinfo writes it ("32K", "1024 KB", "32768K", "1M"), in bytes; null when unreadable. */
function cacheBytes(size: string): number | null {
  const m = /^\s*(\d+)\s*([KMG]?)B?\s*$/i.exec(size);
  if (m === null) return null;
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
}

/**
 * Where the connections' memory leaves each cache level: for each stack and side swept over
 * connections (processor-per-connection), the count past which what one thread's connections hold
 * outgrows each data cache of CPU 0 (private caches: one thread's share; shared: all threads'), and
 * what a packet cost the CPU at the fewest connections and at the most.
 */
export function workingSetFindings(
  summary: readonly SummaryRow[],
  machine: Pick<MachineDescription, 'caches' | 'cpuinfoCache'> | undefined,
  memory: readonly ConnectionMemory[],
): string[] {
  const out: string[] = [];
  const rows = summary.filter(
    (s) => s.mode === 'clp' && s.dispatch === undefined && (s.clp ?? 'processor-per-connection') === 'processor-per-connection',
  );
  const caches =
    machine === undefined
      ? []
      : machine.caches.length > 0
        ? machine.caches
            .filter((c) => c.type !== 'Instruction')
            .map((c) => ({ name: `L${c.level}`, bytes: cacheBytes(c.size), shared: c.sharedBy > 1, size: c.size }))
        : machine.cpuinfoCache !== null
          ? [
              {
                name: 'the cache cpuinfo names (the kernel lists none)',
                bytes: cacheBytes(machine.cpuinfoCache),
                shared: false,
                size: machine.cpuinfoCache,
              },
            ]
          : [];
  for (const key of new Set(rows.map((s) => `${s.stack}|${s.side}`))) {
    const [stack, side] = key.split('|') as [string, 'send' | 'recv'];
    const mine = rows.filter((s) => s.stack === stack && s.side === side);
    const counts = [...new Set(mine.map((s) => s.connections))].sort((a, b) => a - b);
    const probe = memory.find((m) => m.stack === stack && m.side === side);
    if (counts.length < 2 || probe === undefined) continue;
    const threads = Math.max(...mine.map((s) => s.workers));
    const pick = (n: number) => mine.filter((s) => s.connections === n).sort((a, b) => b.workers - a.workers)[0]!;
    const [a, b] = [pick(counts[0]!), pick(counts[counts.length - 1]!)];
    const levels = caches
      .filter((c) => c.bytes !== null)
      .map((c) => {
        const past = Math.floor((c.bytes! * (c.shared ? 1 : threads)) / probe.busyBytes);
        return `${c.name} (${c.size}${c.shared ? ', shared' : ' a core'}) past ${past} connection${past === 1 ? '' : 's'}`;
      });
    const cpu =
      a.cpuUsPerPacket !== undefined && b.cpuUsPerPacket !== undefined
        ? `; a packet cost ${a.cpuUsPerPacket.toFixed(2)} CPU µs at ${a.connections} connections and ` +
          `${b.cpuUsPerPacket.toFixed(2)} at ${b.connections}` +
          ` (${times(b.meanMbps / a.meanMbps)} the throughput)`
        : '';
    out.push(
      `**${stack}** ${SIDE_WORD[side]}: a connection holds ${(probe.busyBytes / 1024).toFixed(0)} KiB busy (both ends, measured apart), ` +
        (levels.length > 0
          ? `so ${threads} threads' connections outgrow ${levels.join(', ')}`
          : 'and this machine names no cache sizes to set it against') +
        `${cpu}.`,
    );
  }
  return out;
}
