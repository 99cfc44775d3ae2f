// The report's first lines: one sentence per stack from its figures, and the HTML page folding the
// tables under the findings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explanation, findings } from '../results/findings.js';
import { collapsible } from '../results/publish.js';
import type { SummaryRow } from '../results/rows.js';

function row(mode: string, side: 'send' | 'recv', workers: number, extra: Partial<SummaryRow> = {}): SummaryRow {
  return {
    stack: 'tcp/ip/fddi',
    side,
    mode,
    workers,
    connections: mode === 'clp' ? 12 : 1,
    packetSize: 4096,
    crypto: 'cryptojs',
    meanMbps: 1000,
    ci90Low: 990,
    ci90High: 1010,
    usPerPacket: 1,
    runs: 4,
    speedup: workers === 1 ? 1 : 1.5,
    speedupLow: workers === 1 ? null : 1.45,
    speedupHigh: workers === 1 ? null : 1.55,
    oversubscribed: false,
    ...(mode === 'plp' ? { tcpLockScope: 'state' } : {}),
    ...extra,
  };
}

test(
  "a stack's sentence: speedups at the most workers with intervals, the lock and its Amdahl bound, the " + 'weakest speedup explained',
  () => {
    const summary = [
      row('plp', 'send', 1, { lockHeldFraction: 0.4 }),
      row('plp', 'send', 2, {
        speedup: 1.47,
        speedupLow: 1.42,
        speedupHigh: 1.52,
        busyRatio: 1.9,
        costRatio: 0.78,
        busyThreads: 1.83,
        runQueueShare: 0.04,
      }),
      row('clp', 'send', 1),
      row('clp', 'send', 2, { speedup: 1.99, speedupLow: 1.95, speedupHigh: 2.03, busyRatio: 1.95, costRatio: 1.02, busyThreads: 1.85 }),
    ];
    assert.equal(findings(summary), [
      "**tcp/ip/fddi**: at 2 workers (sending) speedup PLP 1.47× (1.42–1.52); CLP 1.99× (1.95–2.03); PLP's " +
        'lock is held 40% of the time at one worker (Amdahl bound 1.43×); PLP sending is 1.90× from threads ' +
        'busy × 0.78× from per-packet cost: each packet cost 28% more CPU (spinning on the lock, cache lines ' +
        'moving between cores).',
    ]);
  },
);

test('explanations name lost utilisation and run-queue wait; one worker count says nothing', () => {
  assert.is(
    explanation(row('clp', 'recv', 8, { busyRatio: 5, costRatio: 1, busyThreads: 5.2, runQueueShare: 0.3 })),
    '5.00× from threads busy × 1.00× from per-packet cost: the threads were on a CPU 5.20 of 8 on ' +
      'average, 30% of the window waiting for one',
  );
  assert.is(explanation(row('clp', 'recv', 2)), null, 'no CPU figures, no explanation');
  assert.equal(findings([row('plp', 'send', 1), row('clp', 'send', 1)]), []);
});

test(
  "a connection sweep: each policy from the fewest connections to the most, with Jain's index; no " + 'speedup sentence without one worker',
  () => {
    const sweep = [12, 384].flatMap((n) => [
      row('clp', 'send', n, {
        connections: n,
        clp: 'thread-per-connection',
        meanMbps: n === 12 ? 869 : 477,
        fairness: n === 12 ? 0.999 : 0.647,
        speedup: null,
        speedupLow: null,
        speedupHigh: null,
      }),
      row('clp', 'send', 2, {
        connections: n,
        clp: 'processor-per-connection',
        meanMbps: n === 12 ? 983 : 625,
        fairness: 1,
        speedup: null,
        speedupLow: null,
        speedupHigh: null,
      }),
    ]);
    assert.equal(findings(sweep), [
      '**tcp/ip/fddi** sending, 12 → 384 connections: thread-per-connection 869 Mbit/s, Jain 0.999 → 477, ' +
        'Jain 0.647; processor-per-connection on 2 threads 983 Mbit/s, Jain 1.000 → 625, Jain 1.000.',
    ]);
  },
);

test('the HTML page folds every section after the findings, headings kept as the summaries', () => {
  const html =
    '<h1>xkbench ' +
    'results</h1><p>meta</p><h2>Findings</h2><ul><li>x</li></ul><h2>Throughput</h2><table></table><h2>Charts</h2><figure></figure>';
  assert.is(
    collapsible(html),
    '<h1>xkbench results</h1><p>meta</p><h2>Findings</h2><ul><li>x</li></ul><details ' +
      'class="section"><summary><h2>Throughput</h2></summary><table></table></details>\n<details ' +
      'class="section"><summary><h2>Charts</h2></summary><figure></figure></details>\n',
  );
});

test.run();
