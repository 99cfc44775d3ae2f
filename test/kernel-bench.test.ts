// `xkbench kernel` (npm run bench:kernel): a short run writes its three files with every transfer
// measured and the ratios paired; a run stopped by Ctrl-C exits 130 and writes nothing; and neither
// leaves a namespace behind. Skipped, saying why, where root, /dev/net/tun, ip or socat is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelPeerProblem, namespaceNames } from '../kernel/netns.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';
import { testWhere } from './tools.js';

const XKBENCH = fileURLToPath(new URL('../../bin/xkbench.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-kernel-bench-'));
const missing = kernelPeerProblem();

function ours(): string[] {
  return namespaceNames().filter((n) => n.startsWith('xkbench-'));
}

testWhere(
  test,
  missing,
  'xkbench kernel: every transfer measured each round, ratios paired, three files written, no namespace left',
  () => {
    const before = ours();
    const out = path.join(dir, 'run');
    const r = spawnSync(process.execPath, [XKBENCH, 'kernel', '--runs', '2', '--transfer', '2M', '--out', out, '--quiet'], {
      encoding: 'utf8',
      timeout: PROCESS_LIMIT_MS,
    });
    assert.is(r.status, 0, r.stderr);
    assert.equal(fs.readdirSync(out).sort(), ['kernel.csv', 'kernel.json', 'report.md']);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'kernel.json'), 'utf8')) as {
      rows: { transfer: string; n: number; mean: number }[];
      ratios: { name: string; ratio: number; pairs: number }[];
      samples: { round: number }[];
    };
    assert.equal(
      results.rows.map((row) => [row.transfer, row.n]),
      [
        ['ours-to-linux', 2],
        ['linux-to-ours', 2],
        ['linux-to-linux', 2],
        ['bridge', 2],
      ],
    );
    for (const row of results.rows) assert.ok(row.mean > 0, `${row.transfer} moved data`);
    assert.is(results.ratios.length, 5);
    for (const ratio of results.ratios) assert.is(ratio.pairs, 2, ratio.name);
    assert.ok(
      results.samples.every((s) => s.round >= 1),
      'the warm-up round is not reported',
    );
    assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /The bridge, not either stack, may bound these figures/);
    assert.equal(ours(), before, 'no namespace left');
  },
);

testWhere(test, missing, 'xkbench kernel stopped by Ctrl-C: exit 130, nothing written, no namespace left', async () => {
  const before = ours();
  const out = path.join(dir, 'stopped');
  const child = spawn(process.execPath, [XKBENCH, 'kernel', '--runs', '50', '--out', out, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Stopped once its namespaces exist (the measurements are under way).
  await withinLimit(
    'namespaces made',
    PROCESS_LIMIT_MS,
    (async () => {
      while (ours().length < before.length + 2) await new Promise((resolve) => setTimeout(resolve, 50));
    })(),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  child.kill('SIGINT');
  const code = await withinLimit('xkbench kernel after SIGINT', PROCESS_LIMIT_MS, exited);
  assert.is(code, 130, stderr);
  assert.match(stderr, /stopped by SIGINT; nothing written/);
  assert.equal(fs.existsSync(out) ? fs.readdirSync(out) : [], []);
  assert.equal(ours(), before, 'no namespace left');
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
