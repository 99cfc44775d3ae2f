// The report's first lines: one sentence per stack from its figures, and the HTML page folding the
// tables under the findings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explanation, findings } from '../results/findings.js';
import { collapsible } from '../results/publish.js';
import type { SummaryRow } from '../results/rows.js';
import { type AbRow, abFinding } from '../bench/ab.js';
import { type KernelRatio, kernelFinding } from '../bench/kernel-command.js';
import type { RatioEstimate } from '../results/paired.js';

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
        'lock is held 40% of the time at one worker (Amdahl bound 1.43×, 103% of it reached); PLP sending is 1.90× from threads ' +
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
  // Superlinear: the whole interval above the worker count, and the cost factor that made it (said once).
  const superlinear = [
    row('clp', 'send', 1),
    row('clp', 'send', 2, { speedup: 2.09, speedupLow: 2.02, speedupHigh: 2.17, busyRatio: 1.93, costRatio: 1.08, busyThreads: 1.9 }),
  ];
  assert.equal(findings(superlinear), [
    '**tcp/ip/fddi**: at 2 workers (sending) speedup CLP 2.09× (2.02–2.17); CLP sending is superlinear, its whole interval ' +
      'above 2: 1.93× from threads busy × 1.08× from per-packet cost: each packet cost 7% less CPU than at one worker ' +
      "(each thread's share of the connections' state fits its cache better).",
  ]);
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
      "**tcp/ip/fddi** sending: at 384 connections processor-per-connection (2 threads) carries 1.31× thread-per-connection's " +
        'Mbit/s, Jain 1.00 against 0.65.',
    ]);
    // One connection count, both policies (a Fig. 11 run at one point): the comparison alone leads.
    assert.equal(findings(sweep.filter((s) => s.connections === 12)), [
      '**tcp/ip/fddi** sending: at 12 connections processor-per-connection (2 threads) carries 1.13× ' +
        "thread-per-connection's Mbit/s, Jain 1.00 against 1.00.",
    ]);
  },
);

test('a lock sweep says each design with its contention and the one closest to CLP; a gateway run each dispatch policy', () => {
  // An old file names the scope alone (tcpLockScope: segment); a new one the design (lockDesign).
  const designs = [
    row('plp', 'recv', 1),
    row('plp', 'recv', 2, { speedup: 1.3, speedupLow: 1.2, speedupHigh: 1.4, lockContendedShare: 0.31 }),
    row('plp', 'recv', 1, { tcpLockScope: 'segment' }),
    row('plp', 'recv', 2, { tcpLockScope: 'segment', speedup: 1.1, speedupLow: 1.0, speedupHigh: 1.2 }),
    row('plp', 'recv', 1, { lockDesign: 'ticket' }),
    row('plp', 'recv', 2, { lockDesign: 'ticket', speedup: 1.4, speedupLow: 1.3, speedupHigh: 1.5, lockContendedShare: 0.2 }),
    row('clp', 'recv', 1),
    row('clp', 'recv', 2, { speedup: 1.9, speedupLow: 1.8, speedupHigh: 2.0 }),
  ];
  assert.ok(
    findings(designs).includes(
      "**tcp/ip/fddi** receiving, PLP at 2 workers: speedup 1.30× (1.20–1.40) with the paper's mutex over TCP's state, 31% of " +
        "acquisitions found it held; 1.10× (1.00–1.20) with the mutex over all of TCP's work on a segment; 1.40× (1.30–1.50) with " +
        "the fair ticket lock over the state, 20% of acquisitions found it held; closest to CLP's 1.90×: ticket (74% of it).",
    ),
    findings(designs).join('\n'),
  );
  const screen = (dispatch: string, workers: number, speedup: number, loadMaxMean: number) =>
    row('plp', 'recv', workers, {
      stack: 'screen(100)/ip/eth',
      dispatch,
      packetSize: 0,
      speedup,
      speedupLow: null,
      speedupHigh: null,
      loadMaxMean,
    });
  const gateway = [
    screen('rr', 1, 1, 1),
    screen('rr', 2, 1.62, 1.01),
    screen('flat-hash(checksum)', 1, 1, 1),
    screen('flat-hash(checksum)', 2, 1.85, 1.2),
  ];
  assert.equal(findings(gateway), [
    '**screen(100)/ip/eth** receiving: at 2 workers speedup flat-hash(checksum) 1.85× (the busiest worker had 1.20× the mean load); ' +
      'rr 1.62× (the busiest worker had 1.01× the mean load).',
  ]);
});

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

test('ab and kernel lead with a sentence: verdicts counted and the largest change; our stack against Linux and the bridge', () => {
  const abRow = (configuration: string, changePercent: number, verdict: AbRow['verdict']): AbRow => ({
    configuration,
    key: configuration,
    ratio: 1 + changePercent / 100,
    low: 1 + changePercent / 100 - 0.02,
    high: 1 + changePercent / 100 + 0.02,
    changePercent,
    pairs: 40,
    method: 'paired',
    p: 0.01,
    pHolm: 0.02,
    significant: verdict !== 'no significant change',
    verdict,
  });
  assert.is(
    abFinding([abRow('a', -12, 'regression'), abRow('b', 3, 'faster, within the threshold'), abRow('c', 0.5, 'no significant change')], 5),
    'Of 3 configurations (threshold 5%): 1 regression, 1 faster, within the threshold, 1 no significant change. ' +
      'The largest change: a -12.0%, new ÷ old 0.880 (0.860–0.900).',
  );
  const estimate = (ratio: number): RatioEstimate => ({
    ratio,
    low: ratio - 0.03,
    high: ratio + 0.03,
    df: 9,
    pairs: 10,
    method: 'paired t on log ratios',
    logStandardError: 0.01,
  });
  const ratios: KernelRatio[] = [
    { name: 'ours → Linux ÷ Linux → Linux', estimate: estimate(0.89) },
    { name: 'Linux → ours ÷ Linux → Linux', estimate: estimate(1.16) },
    { name: 'ours → Linux ÷ the bridge alone', estimate: estimate(0.48) },
    { name: 'Linux → ours ÷ the bridge alone', estimate: estimate(0.93) },
    { name: 'Linux → Linux ÷ the bridge alone', estimate: estimate(0.54) },
  ];
  assert.is(
    kernelFinding(ratios),
    "Ours → Linux carries 0.89× (0.86–0.92) Linux → Linux's Mbit/s, and Linux → ours 1.16× (1.13–1.19); Linux → ours came " +
      'within 10% of the bridge alone, which bounds it.',
  );
});

test.run();
