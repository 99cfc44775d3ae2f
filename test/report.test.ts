// Reports and regression tracking: the charts a summary calls for, the latency breakdown's
// arithmetic, --compare's verdicts, the github-action-benchmark format, `npm run report`, and
// report.html as headless Chromium renders it (every chart an SVG in the page).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROCESS_LIMIT_MS } from './time-limit.js';
import { findTool, testWithTool } from './tools.js';
import { chartSpecs, latencyComponents, renderChart } from '../results/charts.js';
import { compareResults, renderComparison } from '../results/compare.js';
import { toActionBenchmark, toThroughputBenchmark } from '../results/github-benchmark.js';
import { ResultsFileError, type ResultsFile, readResults } from '../results/results-file.js';
import { type RunRow, type SummaryRow, summarizeRuns } from '../results/rows.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-report-'));
const xkbench = path.join(process.cwd(), 'bin/xkbench.js');
const reportCommand = path.join(process.cwd(), 'bin/xkbench-report.js');

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [command, ...args], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function row(
  stack: string,
  side: 'send' | 'recv',
  mode: string,
  workers: number,
  meanMbps: number,
  extra: Partial<SummaryRow> = {},
): SummaryRow {
  return {
    stack,
    side,
    mode,
    workers,
    connections: mode === 'clp' ? 12 : 1,
    packetSize: 4096,
    crypto: 'cryptojs',
    meanMbps,
    ci90Low: meanMbps * 0.98,
    ci90High: meanMbps * 1.02,
    usPerPacket: (4096 * 8) / meanMbps,
    runs: 5,
    speedup: workers === 1 ? 1 : 1.8,
    speedupLow: workers === 1 ? 0.97 : 1.75,
    speedupHigh: workers === 1 ? 1.03 : 1.85,
    oversubscribed: false,
    ...extra,
  };
}

function resultsOf(summary: SummaryRow[], meta: Partial<ResultsFile['meta']> = {}): ResultsFile {
  return {
    runs: [],
    summary,
    meta: {
      timestamp: '2026-11-22T00:00:00Z',
      node: 'v20.20.2',
      cpu: 'Test CPU',
      cpus: 2,
      os: 'Linux',
      commit: null,
      incomplete: false,
      command: 'xkbench',
      enforcement: [],
      tool: 'xkbench',
      version: '0.1.0',
      config: {},
      cores: 2,
      modes: {},
      method: 'test',
      precision: { targetCiPercent: null, budgetSeconds: null, sliceMs: 50 },
      cpuAccounting: 'test',
      plan: {
        configurations: 0,
        groups: 0,
        runs: 0,
        peakThreads: 0,
        seconds: 0,
        warmupSeconds: 0,
        sliceSeconds: 0,
        threadStartSeconds: 0,
        fitted: [],
        tookSeconds: 0,
      },
      ...meta,
    } as ResultsFile['meta'],
  };
}

test('latency breakdown: each stack is the largest measured stack it contains plus the increment of its extra layers', () => {
  const us = { 'tcp/ip/fddi': 3, 'tcp/md5/ip/fddi': 80, 'des/tcp/md5/ip/fddi': 1800, '3des/tcp/md5/ip/fddi': 6000 };
  const rows = Object.entries(us).map(([stack, u]) => ({ ...row(stack, 'send', 'single', 1, 1), usPerPacket: u }));
  const parts = latencyComponents(rows);
  const of = (stack: string) => parts.filter((p) => p.stack === stack).map((p) => [p.component, p.us]);
  assert.equal(of('tcp/ip/fddi'), [['tcp/ip/fddi', 3]]);
  assert.equal(of('tcp/md5/ip/fddi'), [
    ['tcp/ip/fddi', 3],
    ['+ md5', 77],
  ]);
  assert.equal(of('des/tcp/md5/ip/fddi'), [
    ['tcp/ip/fddi', 3],
    ['+ md5', 77],
    ['+ des', 1720],
  ]);
  assert.equal(of('3des/tcp/md5/ip/fddi'), [
    ['tcp/ip/fddi', 3],
    ['+ md5', 77],
    ['+ 3des', 5920],
  ]);
  for (const [stack, total] of Object.entries(us)) {
    assert.is(
      parts.filter((p) => p.stack === stack).reduce((sum, p) => sum + p.us, 0),
      total,
      `${stack}: the parts add up`,
    );
  }
});

test(
  'charts: throughput and speedup per stack with more than one worker count, a latency chart per group, ' +
    'the connection sweep when present',
  async () => {
    const summary = [
      row('tcp/ip/fddi', 'send', 'plp', 1, 10000),
      row('tcp/ip/fddi', 'send', 'plp', 2, 16000),
      row('tcp/ip/fddi', 'send', 'clp', 1, 10000),
      row('tcp/ip/fddi', 'send', 'clp', 2, 19000),
      row('tcp/ip/fddi', 'send', 'clp', 1, 9000, { connections: 96 }),
      row('tcp/ip/fddi', 'send', 'clp', 2, 17000, { connections: 96 }),
    ];
    const specs = chartSpecs(summary);
    assert.equal(
      specs.map((c) => c.name),
      [
        'overview',
        'throughput-tcp-ip-fddi',
        'speedup-tcp-ip-fddi',
        'latency-cryptojs-plp-1-connection',
        'latency-cryptojs-clp-12-connections',
        'latency-cryptojs-clp-96-connections',
        'connections',
      ],
    );
    const speedup = await renderChart(specs[2]!);
    assert.ok(
      specs.every((c) => c.description.length > 20),
      'every chart has a text alternative',
    );
    assert.match(specs[2]!.description, /send: plp 1 → 1, 2 → 1\.8; clp 1 → 1, 2 → 1\.8/);
    assert.equal(
      (specs[0]!.spec as { data: { values: { series: string; workers: number; speedup: number }[] } }).data.values
        .filter((v) => v.series === 'CLP')
        .map((v) => [v.workers, v.speedup]),
      [
        [1, 1],
        [2, 1.8],
      ],
      'the overview: each line at its first connection count',
    );
    assert.match(speedup.svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(speedup.svg, /tcp\/ip\/fddi: speedup/);
    assert.match(speedup.svg, /ideal \(linear\)/);
    assert.equal(
      chartSpecs([row('tcp/ip/fddi', 'send', 'single', 1, 1)]).map((c) => c.name),
      ['latency-cryptojs-single-1-connection'],
    );
  },
);

test(
  '--compare verdicts: identical is no change; 20% worse outside the intervals is a regression; inside ' +
    'them it is noise; Mbit/s is never tracked',
  () => {
    const now = resultsOf([
      row('tcp/md5/ip/fddi', 'send', 'clp', 2, 700, { checksumRatio: 0.05, checksumRatioLow: 0.049, checksumRatioHigh: 0.051 }),
    ]);
    const same = compareResults(now, now, 'itself', 10);
    assert.is(same.regressions.length, 0);
    assert.ok(same.changes.every((c) => c.verdict === 'within threshold' && c.changePercent === 0));
    assert.is(same.machineDifference, null);

    const better = resultsOf(
      [
        row('tcp/md5/ip/fddi', 'send', 'clp', 2, 875, {
          speedup: 2.25,
          speedupLow: 2.2,
          speedupHigh: 2.3,
          checksumRatio: 0.0625,
          checksumRatioLow: 0.062,
          checksumRatioHigh: 0.063,
        }),
      ],
      { cpu: 'Other CPU' },
    );
    const worse = compareResults(better, now, 'baseline', 10);
    assert.equal(worse.regressions.map((r) => r.metric).sort(), ['checksumRatio', 'speedup']);
    for (const r of worse.regressions) assert.ok(Math.abs(r.changePercent + 20) < 1e-9, `${r.metric} is 20% lower`);
    const mbps = worse.changes.find((c) => c.metric === 'meanMbps')!;
    assert.ok(!mbps.tracked && mbps.machineDependent, 'raw Mbit/s is shown, flagged machine-dependent, not tracked');
    assert.match(worse.machineDifference!, /CPU Other CPU → Test CPU/);

    const wide = resultsOf([row('tcp/md5/ip/fddi', 'send', 'clp', 2, 700, { speedup: 2.25, speedupLow: 1.7, speedupHigh: 2.8 })]);
    const noisy = compareResults(wide, now, 'wide', 10);
    assert.is(noisy.changes.find((c) => c.metric === 'speedup')!.verdict, 'noise');
    assert.is(noisy.regressions.length, 0);
    assert.is(compareResults(better, now, 'baseline', 30).regressions.length, 0, 'a 20% drop is within a 30% threshold');
  },
);

test('one run has no interval: the speedup has none either, and a comparison cannot judge its noise', () => {
  const run = (workers: number, run: number, throughputMbps: number): RunRow => ({
    stack: 'tcp/ip/fddi',
    side: 'send',
    mode: 'plp',
    workers,
    connections: 1,
    packetSize: 4096,
    crypto: 'cryptojs',
    run,
    seconds: 1,
    packets: 1000,
    bytes: 4_096_000,
    throughputMbps,
    usPerPacket: 1,
  });
  const [one, two] = summarizeRuns([run(1, 1, 1000), run(2, 1, 1500)]);
  assert.equal(
    [one!.ci90Low, one!.ci90High, two!.speedup, two!.speedupLow, two!.speedupHigh],
    [null, null, 1.5, null, null],
    'not a zero-width interval',
  );
  const now = resultsOf([{ ...two!, speedup: 1.2 }]);
  const old = resultsOf([row('tcp/ip/fddi', 'send', 'plp', 2, 1500, { speedup: 1.8, speedupLow: 1.75, speedupHigh: 1.85 })]);
  const c = compareResults(old, now, 'old', 10);
  const change = c.changes.find((x) => x.metric === 'speedup')!;
  assert.equal([change.outsideNoise, change.verdict], [null, 'noise unknown']);
  assert.is(c.regressions.length, 0, 'not counted as a regression');
  assert.match(renderComparison(c), /1 tracked change beyond 10% cannot be judged against the noise: a side was measured in one run/);
  assert.match(renderComparison(c), /slower, noise unknown \(one run\)/);
});

test(
  'github-action-benchmark: the tracked metrics in one file (Mbit/s in extra), throughput in another; ' + 'range and extra as strings',
  () => {
    const results = resultsOf([
      row('des/tcp/md5/ip/fddi', 'recv', 'plp', 2, 30, {
        primitive: 'des',
        primitiveRatio: 0.95,
        primitiveRatioLow: 0.9,
        primitiveRatioHigh: 1,
        checksumRatio: 0.2,
        checksumRatioLow: 0.19,
        checksumRatioHigh: 0.21,
      }),
      row('tcp/ip/fddi', 'send', 'plp', 2, 900, { checksumRatio: 0.5, checksumRatioLow: 0.45, checksumRatioHigh: 0.55 }),
    ]);
    const entries = toActionBenchmark(results);
    assert.equal(
      entries.map((e) => [e.name, e.unit]),
      [
        ['des/tcp/md5/ip/fddi recv plp ×2 [cryptojs] speedup', 'x'],
        ['des/tcp/md5/ip/fddi recv plp ×2 [cryptojs] ÷ des', 'ratio'],
        ['tcp/ip/fddi send plp ×2 [cryptojs] speedup', 'x'],
        ['tcp/ip/fddi send plp ×2 [cryptojs] ÷ checksum', 'ratio'],
      ],
      'a crypto stack is tracked through its primitive, not the checksum pass; no raw Mbit/s',
    );
    for (const e of entries) {
      assert.type(e.value, 'number');
      assert.type(e.range, 'string');
      assert.match(e.extra, /Mbit\/s \(machine-dependent/);
    }
    assert.is(entries[0]!.range, '± 0.05');
    const throughput = toThroughputBenchmark(results);
    assert.equal(
      throughput.map((e) => [e.name, e.unit, e.value]),
      [
        ['des/tcp/md5/ip/fddi recv plp ×2 [cryptojs] throughput', 'Mbit/s', 30],
        ['tcp/ip/fddi send plp ×2 [cryptojs] throughput', 'Mbit/s', 900],
      ],
    );
  },
);

test('reading results: a missing file, bad JSON and a wrong shape are named', () => {
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '[]');
  assert.throws(
    () => readResults(path.join(dir, 'nothing')),
    (e: unknown) => e instanceof ResultsFileError && /cannot be read/.test(e.message),
  );
  assert.throws(
    () => readResults(bad),
    (e: unknown) => e instanceof ResultsFileError && /top level is not an object/.test(e.message),
  );
});

// One short real run shared by the tests below: 4 configurations, 4 runs each.
const runDir = path.join(dir, 'run');
const benchArgs = [
  '--stacks',
  'tcp/md5/ip/fddi',
  '--side',
  'send',
  '--mode',
  'plp,clp',
  '--workers',
  '1,2',
  '--runs',
  '4',
  '--duration',
  '300ms',
  '--warmup',
  '100ms',
  '--quiet',
];

/**
 * The run with every tracked metric `factor` times its value and point intervals: factor 1.25
 * makes the run 20% below the baseline; factor 1 pins the run's own intervals to its means (the
 * noise of a short run on a busy machine must not decide whether the comparison logic works).
 */
function scaledResults(results: ResultsFile, factor: number): ResultsFile {
  const copy = structuredClone(results);
  for (const s of copy.summary) {
    if (s.workers > 1 && s.speedup !== null) s.speedup = s.speedupLow = s.speedupHigh = s.speedup * factor;
    if (s.checksumRatio !== undefined) s.checksumRatio = s.checksumRatioLow = s.checksumRatioHigh = s.checksumRatio * factor;
    if (s.primitiveRatio !== undefined) s.primitiveRatio = s.primitiveRatioLow = s.primitiveRatioHigh = s.primitiveRatio * factor;
  }
  return copy;
}

test('a run writes report.md, report.html, its charts, calibration and ratios; npm run report rebuilds them from results.json', () => {
  const r = run(xkbench, [...benchArgs, '--out', runDir, '--format', 'github-action-benchmark']);
  assert.is(r.status, 0, r.stderr);
  const results = readResults(runDir);
  assert.equal(
    results.calibration!.map((c) => c.primitive),
    ['checksum', 'md5'],
  );
  for (const s of results.summary) {
    assert.ok(s.checksumRatio! > 0 && s.checksumRatioLow! <= s.checksumRatio! && s.checksumRatio! <= s.checksumRatioHigh!);
    assert.is(s.primitive, 'md5');
  }
  const charts = fs.readdirSync(path.join(runDir, 'charts')).sort();
  assert.equal(charts, [
    'latency-cryptojs-clp-12-connections.svg',
    'latency-cryptojs-plp-1-connection.svg',
    'latency-spectrum-tcp-md5-ip-fddi.svg',
    'overview.svg',
    'speedup-tcp-md5-ip-fddi.svg',
    'throughput-tcp-md5-ip-fddi.svg',
  ]);
  const md = fs.readFileSync(path.join(runDir, 'report.md'), 'utf8');
  for (const c of charts) assert.ok(md.includes(`](charts/${c})`), `report.md links ${c}`);
  const entries = JSON.parse(fs.readFileSync(path.join(runDir, 'github-action-benchmark.json'), 'utf8'));
  assert.is(entries.length, 2 + 4, 'two speedups (×2) and four md5 ratios');
  assert.ok(entries.every((e: Record<string, unknown>) => typeof e.range === 'string' && typeof e.extra === 'string'));
  assert.is(JSON.parse(fs.readFileSync(path.join(runDir, 'github-action-benchmark-throughput.json'), 'utf8')).length, 4);

  fs.rmSync(path.join(runDir, 'report.html'));
  fs.rmSync(path.join(runDir, 'charts'), { recursive: true });
  const rebuilt = run(reportCommand, [runDir]);
  assert.is(rebuilt.status, 0, rebuilt.stderr);
  assert.equal(fs.readdirSync(path.join(runDir, 'charts')).sort(), charts);
  assert.is(fs.readFileSync(path.join(runDir, 'report.md'), 'utf8'), md, 'the same report from the same results');
  const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
  assert.is((html.match(/<figure id="[^"]+" class="chart"><svg/g) ?? []).length, charts.length, 'every chart inline');
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'nothing to run or fetch');
});

test(
  '--compare: a run against itself has no regression (exit 0); against a baseline 20% better it reports ' + 'the regression and exits 3',
  () => {
    const self = run(reportCommand, [runDir, '--compare', runDir, '--fail-on-regression']);
    assert.is(self.status, 0, self.stderr);
    assert.match(self.stdout, /0 regressions beyond 10%/);

    // The fixture: a baseline whose tracked metrics are 20% better than this run's (the run pinned to its means).
    const pinned = path.join(dir, 'pinned');
    fs.mkdirSync(pinned);
    fs.writeFileSync(path.join(pinned, 'results.json'), JSON.stringify(scaledResults(readResults(runDir), 1)));
    const baseline = path.join(dir, 'better.json');
    fs.writeFileSync(baseline, JSON.stringify(scaledResults(readResults(runDir), 1.25)));
    const report = run(reportCommand, [pinned, '--compare', baseline, '--fail-on-regression']);
    assert.is(report.status, 3, report.stdout + report.stderr);
    assert.match(report.stdout, /\| regression +\|/);
    assert.match(report.stdout, /-20\.0%/);
    assert.match(report.stderr, /regression\(s\) against .*better\.json/);
    assert.is(run(reportCommand, [pinned, '--compare', baseline]).status, 0, 'reported, but only --fail-on-regression fails');

    // The same through a live benchmark run, against a baseline four times better (beyond any noise of a short run).
    const far = path.join(dir, 'far-better.json');
    fs.writeFileSync(far, JSON.stringify(scaledResults(readResults(runDir), 4)));
    const bench = run(xkbench, [...benchArgs, '--out', path.join(dir, 'again'), '--compare', far, '--fail-on-regression']);
    assert.is(bench.status, 3, bench.stderr);
    assert.match(bench.stderr, /regression\(s\) against .*far-better\.json: tcp\/md5\/ip\/fddi send/);
    assert.ok(fs.existsSync(path.join(dir, 'again', 'comparison.json')));
  },
);

test('npm run report: bad input exits 2 with one line', () => {
  for (const [args, message] of [
    [[], /give DIR: usage: xkbench-report DIR/],
    [[runDir, runDir], /unexpected argument/],
    [[runDir, '--compar', runDir], /unknown flag --compar: did you mean --compare\?/],
    [[path.join(dir, 'nowhere')], /nowhere: cannot be read/],
    [[runDir, '--bogus'], /unknown flag --bogus/],
    [[runDir, '--threshold', '5%'], /--threshold needs --compare/],
  ] as const) {
    const r = run(reportCommand, [...args]);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
});

testWithTool(
  test,
  findTool('chromium', 'chromium-browser'),
  'Chromium',
  'report.html renders in headless Chromium with every chart present as an SVG',
  (chromium) => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-chromium-'));
    const page = `file://${path.join(runDir, 'report.html')}`;
    const r = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--dump-dom',
        page,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    fs.rmSync(profile, { recursive: true, force: true });
    assert.is(r.status, 0, r.stderr);
    const charts = fs.readdirSync(path.join(runDir, 'charts')).length;
    const rendered = (r.stdout.match(/<figure id="[^"]+" class="chart"><svg[^>]*class="marks"/g) ?? []).length;
    assert.is(rendered, charts, 'every chart is an SVG in the rendered page');
    assert.match(r.stdout, /<h1[^>]*>xkbench results<\/h1>/);
    // The page leads with what the reader came for: the findings and the speedup panel, then the tables, folded.
    const dom = r.stdout;
    const at = (pattern: RegExp) => dom.search(pattern);
    assert.ok(at(/<h1[^>]*>xkbench results/) < at(/<h2[^>]*>Findings<\/h2>/), 'the title, then the findings');
    assert.ok(at(/<h2[^>]*>Findings<\/h2>/) < at(/<li><strong>tcp\/md5\/ip\/fddi<\/strong>/), 'a sentence per stack under the findings');
    assert.ok(at(/<li><strong>tcp\/md5\/ip\/fddi<\/strong>/) < at(/<figure id="overview"/), 'the sentences, then the speedup panel');
    assert.ok(at(/<figure id="overview"/) < at(/<table/), 'the speedup panel before any table');
    assert.ok(at(/<figure id="overview"/) < at(/<details class="section"><summary><h2[^>]*>Throughput<\/h2>/), 'the tables folded below');
    assert.not.ok(/<details[^>]*>[\s\S]*<h2[^>]*>Findings/.test(dom), 'the findings are not folded');
    const svgs = dom.match(/<svg[^>]*>/g) ?? [];
    assert.ok(
      svgs.length >= charts && svgs.filter((svg) => /role="img" aria-label="[^"]{20,}"/.test(svg)).length === charts,
      'every chart has a text alternative',
    );
  },
);

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
