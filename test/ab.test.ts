// `xkbench ab REF`: this code against another build, in alternation: every configuration in pairs,
// the verdicts and the exit status agreeing; what it cannot compare is refused in one line with exit
// 2, before any work. (Whether a run finds a regression is a measurement, not a test's verdict:
// against itself, on a 2-vCPU AMD EPYC, one suite run in four found tcp/ip/fddi send plp ×1 at -36.7%.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROCESS_LIMIT_MS } from './time-limit.js';

const xkbench = path.join(process.cwd(), 'bin/xkbench.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-ab-test-'));

function ab(args: string[]) {
  const r = spawnSync(process.execPath, [xkbench, 'ab', ...args], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
  assert.is(r.error, undefined, `xkbench ab ${args.join(' ')} ended within the limit`);
  return r;
}

test('ab of this code against itself: every configuration measured in pairs; the exit status says whether any regressed', () => {
  const out = path.join(dir, 'itself');
  const r = ab([
    process.cwd(),
    '--stacks',
    'tcp/ip/fddi',
    '--side',
    'send',
    '--workers',
    '1,2',
    '--runs',
    '3',
    '--warmup',
    '200ms',
    '--duration',
    '200ms',
    '--threshold',
    '10%',
    '--json',
    '--out',
    out,
  ]);
  const result = JSON.parse(r.stdout);
  // Exit 3 exactly when a configuration is a regression (slower beyond 10% with its whole interval), else 0.
  assert.is(r.status, result.regressions.length > 0 ? 3 : 0, r.stderr);
  assert.equal(
    result.regressions,
    result.rows.filter((x: { verdict: string }) => x.verdict === 'regression').map((x: { configuration: string }) => x.configuration),
  );
  assert.equal(
    result.rows.map((x: { configuration: string }) => x.configuration),
    [
      'tcp/ip/fddi send plp ×1 [cryptojs]',
      'tcp/ip/fddi send plp ×2 [cryptojs]',
      'tcp/ip/fddi send clp ×1 12 conns [cryptojs]',
      'tcp/ip/fddi send clp ×2 12 conns [cryptojs]',
    ],
  );
  for (const row of result.rows) {
    assert.is(row.pairs, 12, 'three runs of four rounds');
    assert.is(row.method, "paired t on the runs' mean log ratios");
    assert.ok(row.low <= row.ratio && row.ratio <= row.high && row.pHolm >= row.p, JSON.stringify(row));
    if (row.verdict === 'regression') assert.ok(row.high <= 0.9, `a regression's whole interval is below 0.9: ${JSON.stringify(row)}`);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'ab.json'), 'utf8')), result, 'ab.json holds what --json printed');
  assert.match(fs.readFileSync(path.join(out, 'ab.md'), 'utf8'), /new ÷ old \(90%\)/);
});

test('what ab cannot compare is refused in one line, exit 2, before any work', () => {
  const old = path.join(dir, 'old-build');
  fs.mkdirSync(path.join(old, 'dist', 'parallel'), { recursive: true });
  fs.writeFileSync(path.join(old, 'dist', 'parallel', 'engine.js'), 'export class ParallelEngine { async close() {} }\n');
  for (const [args, message] of [
    [[], /xkbench ab: give REF: usage: xkbench ab REF/],
    [['no-such-ref-anywhere'], /'no-such-ref-anywhere' is neither a commit of .* nor a built checkout's folder/],
    [[dir], /not a built xkbench checkout \(no dist\/parallel\/engine\.js\)/],
    [[old, '--runs', '1'], /predates this interleaved measurement \(none, this code protocol \d+\)/],
    [[process.cwd(), '--stacks', 'screen(10)/ip/eth'], /--stacks screen\(10\)\/ip\/eth: ab compares stacks measured in slices/],
    [[process.cwd(), '--threshold', 'lots'], /--threshold 'lots' is not a percentage/],
  ] as [string[], RegExp][]) {
    const r = ab([...args]);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  // A commit from before interleaved measurement (the first commit, unless this clone is shallow)
  // is refused from its source, before anything is built.
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  if (git('rev-parse', '--is-shallow-repository') === 'false') {
    const first = git('rev-list', '--max-parents=0', 'HEAD').split('\n')[0]!;
    const r = ab([first]);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /predates this interleaved measurement \(none, this code protocol \d+\)/);
    assert.not.match(r.stderr, /building/, 'refused before building');
  }
  const help = ab(['--help']);
  assert.is(help.status, 0);
  assert.match(help.stdout, /^usage: xkbench ab /);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
