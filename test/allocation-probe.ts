// Run by allocation.test.ts in a child Node with a fixed 64 MB young generation and --expose-gc:
// pushes packets through one stack and prints, as JSON, how many bytes the young generation
// gained and how many scavenges ran while it did. With a young generation that large and emptied
// just before, nothing is collected during the run, so the bytes gained are the bytes allocated.
import { getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { createWorkload } from '../drivers/workload.js';
import { LatencySampler } from '../drivers/latency-sampler.js';
import type { Side } from '../drivers/workload-contract.js';
import { MAX_BATCH } from '../parallel/shared-run.js';
import { AtomicsMutex } from '../parallel/mutex.js';
import { BATCH } from '../parallel/lock-designs.js';
import { measuredLockByteOffset, sharedConnection, sharedConnectionBytes } from '../drivers/shared-connection.js';
import { Worker } from 'node:worker_threads';
import { sharedMemory } from '../stacks/native-memory.js';

const [spec, side, packetsText, mode, sizeText] = process.argv.slice(2);
if (spec === undefined || side === undefined)
  throw new Error('usage: allocation-probe SPEC SIDE PACKETS [single|plp|plp-contended|plp-backlog|plp-batch|lossy] [SIZE]');
const packets = Number(packetsText);
// plp: the path a PLP worker runs, on a shared connection with its Atomics lock (one worker here);
// plp-contended: the same, with a second thread taking and releasing the lock all the while
// (test/fixtures/lock-contender.ts), so that acquisitions find it held: the lock's spin, sleep and
// wait-timing paths.
// lossy: a wire that loses, duplicates, reorders and corrupts 1% of frames each (TCP's recovery
// paths, the fault link, the send side's scoreboard and the receive side's retransmitting source).
// plp-backlog, plp-batch: plp-contended under those lock designs: segments that find the lock held
// are queued and run by whoever releases it, one or BATCH to an acquisition (stacks/layers/tcp/backlog.ts).
const lossy = mode === 'lossy';
const backlogBatch = mode === 'plp-backlog' ? 1 : mode === 'plp-batch' ? BATCH : 0;
const contended = mode === 'plp-contended' || backlogBatch > 0;
const sharedBuffer = sharedMemory(sharedConnectionBytes(1)); // as a run's block: copies within it native (stacks/native-memory.ts)
const shared =
  mode === 'plp' || contended ? sharedConnection(sharedBuffer, 0, 0, (buffer, at) => new AtomicsMutex(buffer, at), backlogBatch) : null;
const lock = shared !== null ? (shared.lock as AtomicsMutex) : null;
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with --expose-gc');
const youngBytes = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;

const workload = createWorkload(
  {
    spec,
    side: side as Side,
    packetSize: sizeText !== undefined ? Number(sizeText) : 1024,
    crypto: 'cryptojs',
    seed: 3,
    verify: false,
    connection: 0,
    latency: new LatencySampler(7), // as a run records it: sampled packets timed through the stack
    ...(lossy ? { faults: { loss: 0.01, duplicate: 0.01, reorder: 0.01, corrupt: 0.01, seed: 5 }, minRtoMs: 1 } : {}),
  },
  shared,
);
// [stop, started, spin]: the contender runs from the warm-up (its paths compiled there too) to the end; it
// starts once the connection is open, as a PLP run's other workers join an open connection.
const contenderControl = new Int32Array(new SharedArrayBuffer(12));
const contender = contended
  ? new Worker(new URL('./fixtures/lock-contender.js', import.meta.url), {
      workerData: { buffer: sharedBuffer, lockAt: measuredLockByteOffset(0), control: contenderControl },
    })
  : null;
contender?.unref();
while (contender !== null && Atomics.load(contenderControl, 1) === 0) Atomics.wait(contenderControl, 1, 0, 10);
// The harness drives the path in batches of at most MAX_BATCH packets (one call each), so the
// probe does too: one call of 200 000 packets entered a loop compiled only on-stack, and now and
// then ran part of it in unoptimized code that boxes numbers (1 MB, in about one run in twenty).
const drive = (packets: number): void => {
  for (let left = packets; left > 0; left -= MAX_BATCH) workload.run(Math.min(MAX_BATCH, left));
};
// Set-up and JIT warm-up may allocate. A lossy wire's rarer branches (a retransmission, a hole
// filled) are compiled later: 20 000 packets left them allocating in the measured run while still
// interpreted (about 100 KB, once, not per packet), 100 000 do not. So with the backlog designs,
// whose paths the contender's timing decides: 20 000 left 2-200 KB in one run of three.
drive(lossy || backlogBatch > 0 ? 100_000 : 20_000);
let scavenges = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }
});
observer.observe({ entryTypes: ['gc'] });

// Contended: the contender must have run against the measured run, which the scheduler decides (on
// a loaded 2-vCPU host it once had 28 of 300 000 acquisitions contended). So a window goes on, a
// batch of `packets` at a time, until MIN_CONTENDED acquisitions found the lock held, or at most
// MAX_BATCHES batches: its verdict is then bytes per frame over a run that took the contended paths.
const MIN_CONTENDED = 1000;
const MAX_BATCHES = 20;
/**
 * Contended runs measure WINDOWS windows and report the median. Where the contender's timing first
 * sends the lock down a branch the warm-up never took (a sampled wait, a sleep), V8 drops the lock's
 * optimized code and runs it interpreted for some thousands of acquisitions before compiling it again:
 * 200-410 KB once (seen with two busy loops beside the probe, `--trace-deopt`: acquire, "insufficient
 * type feedback"). That lands in one window; an allocation per packet or per contended acquisition
 * lands in every window, the median's too.
 */
const WINDOWS = contended ? 3 : 1;

/** What a window measured (and what the probe prints: the median window's, with every window's bytes allocated). */
export interface Window {
  packets: number;
  bytes: number;
  allocated: number;
  scavenges: number;
  /** PLP modes: the lock's acquisitions in the window, and how many found it held. */
  acquisitions?: number;
  contended?: number;
}

function measureWindow(): Window {
  collect!();
  const scavengesBefore = scavenges;
  const before = workload.counters();
  const lockBefore = lock?.stats ?? null;
  const youngBefore = youngBytes();
  drive(packets);
  for (let batches = 1; contended && batches < MAX_BATCHES && lock!.stats.contended - lockBefore!.contended < MIN_CONTENDED; batches++)
    drive(packets);
  const youngAfter = youngBytes();
  const after = workload.counters();
  const lockAfter = lock?.stats ?? null;
  return {
    packets: after.packets - before.packets,
    bytes: after.bytes - before.bytes,
    allocated: youngAfter - youngBefore,
    // Read again when the gc entries (which arrive asynchronously) are in: see the end.
    scavenges: scavengesBefore,
    // The lock's use in the window (PLP modes): how many acquisitions found it held.
    ...(lockBefore !== null && lockAfter !== null
      ? { acquisitions: lockAfter.acquisitions - lockBefore.acquisitions, contended: lockAfter.contended - lockBefore.contended }
      : {}),
  };
}

const windows: Window[] = [];
const scavengeMarks: number[] = [];
for (let i = 0; i < WINDOWS; i++) {
  windows.push(measureWindow());
  // The window's collections are counted once the events are delivered, before the next window's own collect().
  await new Promise((resolve) => setTimeout(resolve, 50));
  scavengeMarks.push(scavenges);
}
Atomics.store(contenderControl, 0, 1);
observer.disconnect();
windows.forEach((window, i) => (window.scavenges = scavengeMarks[i]! - window.scavenges));
const median = [...windows].sort((a, b) => a.allocated - b.allocated)[Math.floor(WINDOWS / 2)]!;
console.log(JSON.stringify({ ...median, ...(WINDOWS > 1 ? { windows: windows.map((w) => w.allocated) } : {}) }));
