// Single DES through node:crypto needs OpenSSL's legacy provider, chosen before Node starts:
// the launcher arranges it so a user never has to.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';

const root = process.cwd();
const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-launch-')), 'probe.mjs');
fs.writeFileSync(
  probe,
  `import { nodeHasSingleDes } from ${JSON.stringify(path.join(root, 'dist/stacks/crypto/index.js'))};
   const { Worker } = await import('node:worker_threads');
   const inWorker = await new Promise((resolve) => {
     const code = "const c = require('node:crypto'); const { parentPort } = require('node:worker_threads'); " +
       "try { c.createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8)); parentPort.postMessage(true) } " +
       "catch { parentPort.postMessage(false) }";
     const w = new Worker(code, { eval: true });
     w.once('message', resolve);
   });
   console.log(JSON.stringify({ main: nodeHasSingleDes(), worker: inWorker, args: process.argv.slice(2) }));`,
);

/** The environment of a user who has never heard of the legacy provider. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.XKBENCH_LEGACY_REEXEC;
  return env;
}

test('plain node cannot run single DES (why the launcher exists)', () => {
  const out = JSON.parse(execFileSync(process.execPath, [probe], { env: cleanEnv(), encoding: 'utf8', timeout: PROCESS_LIMIT_MS }));
  assert.is(out.main, false);
});

test('through the launcher, DES works in the main thread and in workers, arguments pass through', () => {
  const out = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'bin/with-legacy-openssl.js'), probe, '--stacks', 'des/tcp/ip/fddi'], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: PROCESS_LIMIT_MS,
    }),
  );
  assert.equal(out, { main: true, worker: true, args: ['--stacks', 'des/tcp/ip/fddi'] });
});

test("the child's exit code comes back through the launcher", () => {
  const failing = path.join(path.dirname(probe), 'exit3.mjs');
  fs.writeFileSync(failing, 'process.exit(3);');
  try {
    execFileSync(process.execPath, [path.join(root, 'bin/with-legacy-openssl.js'), failing], {
      env: cleanEnv(),
      stdio: 'ignore',
      timeout: PROCESS_LIMIT_MS,
    });
    assert.unreachable('should have failed');
  } catch (err) {
    assert.is((err as { status: number }).status, 3);
  }
});

// A signal to the launcher goes on to the child; the launcher then ends the way the child ended:
// killed by that signal when the child has no handler (as uvu under `npm test` has none), or with
// the child's own exit code when it handles the signal (xkbench exits 130 or 143).
const SIGNAL_CHILDREN = {
  'has no handler': "console.log('ready'); setInterval(() => {}, 1000);",
  'handles it (exit 128 + N)':
    "import os from 'node:os'; for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => " +
    "process.exit(128 + os.constants.signals[s])); console.log('ready'); setInterval(() => {}, 1000);",
};
for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) {
  for (const [behaviour, source] of Object.entries(SIGNAL_CHILDREN)) {
    const expected = behaviour === 'has no handler' ? `killed by ${signal}` : `exit ${128 + os.constants.signals[signal]}`;
    test(`${signal} to the launcher, child ${behaviour} → launcher ${expected}`, async () => {
      const script = path.join(path.dirname(probe), `child-${signal}-${behaviour.split(' ')[0]}.mjs`);
      fs.writeFileSync(script, source);
      const launcher = spawn(process.execPath, [path.join(root, 'bin/with-legacy-openssl.js'), script], {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        launcher.on('exit', (code, sig) => resolve([code, sig])),
      );
      try {
        await withinLimit('the child starting', PROCESS_LIMIT_MS, new Promise((resolve) => launcher.stdout.once('data', resolve)));
        launcher.kill(signal);
        const [code, killedBy] = await withinLimit(`the launcher ending after ${signal}`, PROCESS_LIMIT_MS, ended);
        assert.is(code === null ? `killed by ${killedBy}` : `exit ${code}`, expected);
      } finally {
        launcher.kill('SIGKILL');
      }
    });
  }
}

test.after(() => fs.rmSync(path.dirname(probe), { recursive: true, force: true }));

test.run();
