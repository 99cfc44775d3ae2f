// PLP's in-order commit (drivers/plp-commit.ts): segments that threads deliver in any order are
// committed once each and in stream order, whichever path commits them (the CAS that needs no lock,
// or parking under the reorder lock and the drain); duplicates are counted, not committed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { inOrderApplication } from '../drivers/plp-commit.js';
import { SharedWord, sharedConnection, sharedConnectionBytes } from '../drivers/shared-connection.js';
import { AtomicsMutex } from '../parallel/mutex.js';
import { BufferPool } from '../stacks/message.js';
import { memoryOf, sharedMemory } from '../stacks/native-memory.js';
import { segmentStarts } from './helpers.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';

/** A stream that wraps past 2^32 part way. */
const BASE = -20_000;

function connection(native: boolean, workers: number): SharedArrayBuffer {
  const bytes = sharedConnectionBytes(workers);
  const buffer = native ? sharedMemory(bytes) : new SharedArrayBuffer(bytes);
  const shared = sharedConnection(buffer, 0, 0, (b, at) => new AtomicsMutex(b, at));
  Atomics.store(shared.words, SharedWord.committed, BASE);
  return buffer;
}

for (const native of [false, true])
  test(`one thread${native ? ' (native atomics)' : ''}: segments in a shuffled order, some twice, committed once each, in order`, () => {
    const segments = 300;
    const starts = segmentStarts(BASE, segments);
    const shared = sharedConnection(connection(native, 1), 0, 0, (b, at) => new AtomicsMutex(b, at));
    let credited = 0;
    let duplicates = 0;
    const order: number[] = [];
    const application = inOrderApplication(
      shared,
      (m) => starts.indexOf(m.streamSeq),
      (bytes) => void (credited += bytes),
      () => void duplicates++,
      (tag) => void order.push(tag),
    );
    const fast = inOrderApplication(
      shared,
      () => -1,
      (bytes) => void (credited += bytes),
      () => void duplicates++,
    );
    // Each window of 100 reversed (up to 99 parked behind a gap), then segments 0..9 again.
    const given = [...Array(segments).keys()].map((i) => i - (i % 100) + 99 - (i % 100));
    const msg = new BufferPool(1).get();
    const deliver = (via: typeof application, i: number): void => {
      msg.resetPayload((starts[i + 1]! - starts[i]!) | 0);
      msg.streamSeq = starts[i]!;
      msg.streamNext = starts[i + 1]!;
      via.pop(msg);
    };
    for (const i of given.slice(0, 200)) deliver(application, i);
    assert.equal(order, [...Array(200).keys()], 'the locked path: inOrder in stream order');
    for (const i of given.slice(200)) deliver(fast, i); // the fast path for the third window
    for (let i = 0; i < 10; i++) deliver(fast, i);
    deliver(application, 250);
    assert.is(credited, (starts[segments]! - BASE) | 0);
    assert.is(duplicates, 11);
    assert.is(Atomics.load(shared.words, SharedWord.committed), starts[segments]);
    assert.is(shared.words[SharedWord.parked], 0);
  });

for (const [native, ordered] of [
  [false, false],
  [true, false], // the lock-free commit on WebAssembly's atomics, as a run makes it
  [true, true], // with inOrder: every commit under the lock
] as const) {
  const how = `${native ? ' (native)' : ''}${ordered ? ', in order under the lock' : ''}`;
  test(`3 threads${how}: 30 000 segments, 1 in 97 twice, each committed once`, async () => {
    const workers = 3;
    const segments = 30_000;
    const again = 97;
    const buffer = connection(native, workers);
    const memory = memoryOf(buffer);
    const answers = await withinLimit(
      `${workers} threads committing`,
      PROCESS_LIMIT_MS,
      Promise.all(
        Array.from({ length: workers }, (_, worker) => {
          const w = new Worker(new URL('./fixtures/commit-worker.js', import.meta.url), {
            workerData: { buffer, memory, worker, workers, segments, base: BASE, again, ordered },
          });
          return new Promise<{ credited: number; duplicates: number; outOfTurn: number; delivered: number }>((resolve, reject) => {
            w.once('message', (m) => (resolve(m), void w.terminate()));
            w.once('error', reject);
          });
        }),
      ),
    );
    const starts = segmentStarts(BASE, segments);
    const words = new Int32Array(buffer, sharedConnection(buffer, 0, 0, (b, at) => new AtomicsMutex(b, at)).words.byteOffset);
    const sum = (k: 'credited' | 'duplicates' | 'outOfTurn' | 'delivered'): number => answers.reduce((s, a) => s + a[k], 0);
    assert.is(sum('credited'), (starts[segments]! - BASE) | 0, 'every byte credited once');
    assert.is(sum('delivered') - segments, sum('duplicates'), 'every second delivery counted a duplicate');
    assert.ok(sum('duplicates') >= 300, `duplicates delivered: ${sum('duplicates')}`);
    assert.is(sum('outOfTurn'), 0);
    assert.is(Atomics.load(words, SharedWord.committed), starts[segments]);
    assert.is(Atomics.load(words, SharedWord.parked), 0);
  });
}

test.run();
