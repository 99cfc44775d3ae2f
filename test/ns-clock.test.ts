// The nanosecond clock (drivers/ns-clock.ts): it reads the clock process.hrtime reads (CLOCK_MONOTONIC),
// never goes back, and loading it prints nothing (Node's WASI, which it reads the clock through,
// warns once when loaded).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readClock } from '../drivers/ns-clock.js';
import { PROCESS_LIMIT_MS } from './time-limit.js';

test('a reading lies between two process.hrtime.bigint() readings taken around it', () => {
  const reading = new Float64Array(1);
  for (let i = 0; i < 1000; i++) {
    const before = Number(process.hrtime.bigint());
    readClock(reading, 0);
    const after = Number(process.hrtime.bigint());
    assert.ok(before <= reading[0]! && reading[0]! <= after, `${before} ≤ ${reading[0]} ≤ ${after}`);
  }
});

test('readings never go back, into any slot', () => {
  const readings = new Float64Array(4);
  let last = 0;
  for (let i = 0; i < 100_000; i++) {
    readClock(readings, i & 3);
    assert.ok(readings[i & 3]! >= last, `reading ${i}: ${readings[i & 3]} after ${last}`);
    last = readings[i & 3]!;
  }
});

test('loading the clock writes nothing to stderr (no ExperimentalWarning)', () => {
  const clock = fileURLToPath(new URL('../drivers/ns-clock.js', import.meta.url));
  const script = [
    `import { readClock } from ${JSON.stringify(clock)};`,
    'const a = new Float64Array(1);',
    'readClock(a, 0);',
    'process.stdout.write(a[0] > 0 ? "read" : "zero");',
  ].join(' ');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout, 'read');
  assert.is(child.stderr, '');
});

test.run();
