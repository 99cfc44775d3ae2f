// Shared-memory building blocks on real worker threads: the mutex and the ticket lock lose no update under
// contention, the barrier lets nobody through early; and the speedup arithmetic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { WorkerCounters, CounterField } from '../parallel/counters.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';
import type { LockStats } from '../parallel/mutex.js';
import { memoryOf, nativeOps, sharedMemory } from '../stacks/native-memory.js';
import { amdahlSpeedup, jainFairness, saturationProcessors, speedupOf } from '../results/speedup.js';

const script = new URL('./fixtures/parallel-worker.js', import.meta.url);

/** Each worker's answer; a worker that hangs (a lost wake-up, say) fails the test at the limit and every thread is ended. */
function runWorkers<T>(n: number, data: Record<string, unknown>): Promise<T[]> {
  const workers: Worker[] = [];
  const answers = Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<T>((resolve, reject) => {
          const w = new Worker(script, { workerData: data });
          workers.push(w);
          w.once('message', (m) => resolve(m as T));
          w.once('error', reject);
        }),
    ),
  );
  return withinLimit(`${n} threads running ${String(data.job)}`, PROCESS_LIMIT_MS, answers).finally(() => {
    for (const w of workers) void w.terminate();
  });
}

for (const [job, free, native] of [
  ['mutex', [0], false],
  ['mutex', [0], true], // in a shared WebAssembly memory: its atomics on the uncontended path, Atomics waiting
  ['ticket', [80_000, 80_000, 0], false], // every ticket taken was served, and no one sleeps
] as const)
  test(`${job}${native ? ' (native atomics)' : ''}: 4 threads × 20 000 locked increments lose no update`, async () => {
    const buffer = native ? sharedMemory(64) : new SharedArrayBuffer(64);
    const memory = memoryOf(buffer);
    if (native) assert.ok(memory !== undefined && nativeOps(buffer) !== null, 'a memory with native operations');
    const stats = await runWorkers<LockStats>(4, { buffer, memory, job, rounds: 20_000, parties: 4 });
    assert.is(new Int32Array(buffer)[8], 80_000);
    assert.equal([...new Int32Array(buffer, 0, free.length)], [...free], 'the lock is free at the end');
    assert.is(
      stats.reduce((s, x) => s + x.acquisitions, 0),
      80_000,
    );
  });

test('barrier: across 5 rounds, nobody passes before all 3 have arrived', async () => {
  const buffer = new SharedArrayBuffer(64);
  const seen = await runWorkers<number[]>(3, { buffer, job: 'barrier', rounds: 5, parties: 3 });
  for (const rounds of seen) assert.equal(rounds, [3, 3, 3, 3, 3]);
});

test('per-worker counters sit 64 bytes apart', () => {
  const counters = new WorkerCounters(new SharedArrayBuffer(WorkerCounters.bytesFor(3)), 0, 3);
  assert.is(counters.at(1, 0) * 8 - counters.at(0, 0) * 8, 64);
  counters.f[counters.at(0, CounterField.packets)] = 5;
  counters.f[counters.at(2, CounterField.packets)] = 7;
  assert.is(counters.sum(CounterField.packets), 12);
  assert.throws(() => new WorkerCounters(new SharedArrayBuffer(256), 8, 2), /64-byte line/);
});

test('speedup and its propagated error, worked by hand', () => {
  // 150 ± 6 (4%) over 100 ± 3 (3%): 1.5, relative error sqrt(0.04² + 0.03²) = 0.05.
  const s = speedupOf({ mean: 150, halfWidth: 6 }, { mean: 100, halfWidth: 3 });
  assert.is(s.speedup, 1.5);
  assert.ok(Math.abs(s.speedupLow! - 1.425) < 1e-12 && Math.abs(s.speedupHigh! - 1.575) < 1e-12);
});

test('a side measured once has no interval, so neither has the speedup (not a zero-width one)', () => {
  const s = speedupOf({ mean: 150, halfWidth: Infinity }, { mean: 100, halfWidth: 3 });
  assert.equal(s, { speedup: 1.5, speedupLow: null, speedupHigh: null });
});

test('Amdahl: a 1/16 serial fraction saturates at 16 processors', () => {
  assert.is(saturationProcessors(1 / 16), 16);
  assert.is(amdahlSpeedup(0, 8), 8);
  assert.ok(Math.abs(amdahlSpeedup(1 / 16, 16) - 8.258) < 1e-3);
  assert.is(amdahlSpeedup(1, 12), 1);
});

test("Jain's fairness index", () => {
  assert.is(jainFairness([5, 5, 5, 5]), 1);
  assert.is(jainFairness([8, 0, 0, 0]), 0.25);
  assert.ok(Math.abs(jainFairness([1, 2]) - 0.9) < 1e-12);
});

test.run();
