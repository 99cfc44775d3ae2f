import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { studentTCdf, studentTQuantile, summarize } from '../results/stats.js';
import { summarizeRuns, type RunRow } from '../results/rows.js';

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);

test('Student t quantiles match the published table (two-sided 90%: t at 0.95)', () => {
  // Values from any t table: df 1, 2, 4, 9, 29 and large df approaching the normal 1.6449.
  const table: [number, number][] = [
    [1, 6.314],
    [2, 2.92],
    [4, 2.132],
    [9, 1.833],
    [29, 1.699],
    [1000, 1.646],
  ];
  for (const [df, t] of table) close(studentTQuantile(0.95, df), t, 0.001, `df ${df}`);
  close(studentTQuantile(0.975, 9), 2.262, 0.001, 'df 9 at 0.975');
  close(studentTCdf(0, 5), 0.5, 1e-12, 'cdf at 0');
  close(studentTCdf(-studentTQuantile(0.95, 7), 7), 0.05, 1e-9, 'symmetry');
});

test('90% confidence interval, worked by hand: 10, 12, 11, 13, 14', () => {
  // mean 12; s = sqrt(((-2)^2 + 0 + (-1)^2 + 1 + 2^2) / 4) = sqrt(2.5) = 1.5811;
  // half-width = t(0.95, 4) * s / sqrt(5) = 2.1318 * 0.70711 = 1.5074
  const s = summarize([10, 12, 11, 13, 14]);
  assert.is(s.mean, 12);
  close(s.stddev, Math.sqrt(2.5), 1e-12, 'stddev');
  close(s.halfWidth, 1.5074, 1e-4, 'half-width');
  close(s.low, 10.4926, 1e-4, 'low');
  close(s.high, 13.5074, 1e-4, 'high');
});

test('one run has no interval', () => {
  const s = summarize([42]);
  assert.is(s.mean, 42);
  assert.is(s.halfWidth, Infinity);
});

test('summary rows group runs by configuration', () => {
  const base: RunRow = {
    stack: 'tcp/ip/fddi',
    side: 'send',
    mode: 'single',
    workers: 1,
    connections: 1,
    packetSize: 4096,
    crypto: 'cryptojs',
    run: 1,
    seconds: 2,
    packets: 1000,
    bytes: 4096000,
    throughputMbps: 10,
    usPerPacket: 2000,
  };
  const rows: RunRow[] = [
    { ...base, run: 1, throughputMbps: 10 },
    { ...base, run: 2, throughputMbps: 12 },
    { ...base, run: 3, throughputMbps: 11, packets: 2000 },
    { ...base, side: 'recv', run: 1, throughputMbps: 5 },
  ];
  const summary = summarizeRuns(rows);
  assert.is(summary.length, 2);
  const send = summary[0]!;
  assert.is(send.meanMbps, 11);
  assert.is(send.runs, 3);
  close(send.ci90Low!, 11 - 2.92 * (1 / Math.sqrt(3)), 1e-3, 'ci low');
  assert.is(send.usPerPacket, (6 * 1e6) / 4000); // total seconds over total packets
  assert.is(summary[1]!.ci90Low, null, 'one run: no interval');
});

test.run();
