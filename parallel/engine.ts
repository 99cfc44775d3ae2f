// The main thread's side of parallel runs: a piscina pool with minThreads = maxThreads = N and no
// idle timeout for each N, kept for the whole benchmark so the workers' JIT stays warm while the
// runner takes turns between worker counts; one long-lived task per worker per call; the common
// steady window read from shared memory.

import { Piscina } from 'piscina';
import { jainFairness } from '../results/speedup.js';
import { sharedConnectionBytes } from '../drivers/shared-connection.js';
import { type MemoryBetween, MemoryTrace, type SharedAccount, sharedAccountProblem } from '../drivers/workload.js';
import { CounterField } from './counters.js';
import type { LockStats } from './mutex.js';
import { Mark, Phase, SharedRun, sharedNow } from './shared-run.js';
import type { CrashRunResult, GatewayRunResult, WorkerResult, WorkerTask } from './worker.js';
import { GATEWAY_SHARED_BYTES } from './dispatch.js';
import { CrashBoard } from './crash.js';

/** A worker threw or its thread exited: the configuration ended, every thread of its pool gone. */
export class WorkerFailure extends Error {
  /** From the failure reaching the main thread to the other workers stopped and the pool destroyed. */
  endedAfterMs = 0;
}

export type ClpPolicy = 'thread-per-connection' | 'processor-per-connection';

export interface ParallelRun {
  run: number;
  seconds: number;
  packets: number;
  bytes: number;
  /** Mbit/s of each connection over the common window. */
  perConnectionMbps: number[];
  fairness: number;
  drops: Record<string, number>;
  dataErrors: number;
  digestMismatchesIgnored: number;
  observed: number;
  /** Data segments that reached the measured receiving TCP out of order (receive side). */
  outOfOrder: number;
  /** PLP: the TCP lock over all workers in the steady window (null for CLP). */
  lock: LockStats | null;
  /** The first conservation failure any worker found, or null. */
  conservation: string | null;
  /** Bytes: every worker's heap used added up, and the process's RSS, at the steady window's start and end. */
  memory: MemoryBetween;
  /** Gateway stacks: each worker's counts and selection cost, by worker index. */
  gateway: GatewayRunResult[] | null;
  /** --kill-worker / --heartbeat: the crash board's timeline. */
  crash: CrashRunResult | null;
}

export interface ParallelProgress {
  run: number;
  phase: 'warm-up' | 'steady' | 'setup';
  packets: number;
}

/** Which connections each of `workers` threads owns: connection k goes to thread k mod workers. */
export function assignConnections(connections: number, workers: number): number[][] {
  const owned: number[][] = Array.from({ length: workers }, () => []);
  for (let k = 0; k < connections; k++) owned[k % workers]!.push(k);
  return owned;
}

export class ParallelEngine {
  private readonly pools = new Map<number, Piscina>();

  private poolOf(threads: number): Piscina {
    const existing = this.pools.get(threads);
    if (existing !== undefined) return existing;
    const pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
    });
    this.pools.set(threads, pool);
    return pool;
  }

  /**
   * Runs one configuration on `workers` threads, each owning its share of `connections`.
   * Answers the finished runs; fewer than asked when `stopRequested` turned true.
   */
  async run(
    task: Omit<WorkerTask, 'buffer' | 'workers' | 'index' | 'connections'>,
    workers: number,
    connections: number,
    onProgress: (p: ParallelProgress) => void,
    stopRequested: () => boolean,
  ): Promise<ParallelRun[]> {
    const gateway = task.dispatch !== undefined;
    const plp = task.mode === 'plp' && !gateway;
    if (task.mode === 'clp' && connections < workers) throw new RangeError(`${workers} workers need at least as many connections, got ${connections}`);
    if (plp && connections !== 1) throw new RangeError('packet-level parallelism runs one connection on all workers');
    const pool = this.poolOf(workers);
    // PLP: the shared connection behind the counters; a gateway: the shared queue and SA.
    const crashBytes = task.crash !== undefined ? CrashBoard.bytes(workers, task.crash.buckets) : 0;
    const buffer = SharedRun.create(workers, plp ? sharedConnectionBytes(workers) : gateway ? GATEWAY_SHARED_BYTES + crashBytes : 0);
    const shared = new SharedRun(buffer, workers);
    const owned = task.mode === 'plp' ? Array.from({ length: workers }, () => [0]) : assignConnections(connections, workers);
    const tasks = owned.map((mine, index) => pool.run({ ...task, buffer, workers, index, connections: mine } satisfies WorkerTask) as Promise<WorkerResult>);
    let failure: WorkerFailure | null = null;
    let failedAt = 0;
    tasks.forEach((t, index) =>
      t.catch((err: unknown) => {
        if (failure === null) {
          failure = new WorkerFailure(`worker ${index} running ${task.spec} ${task.side}: ${(err as Error).message}`);
          failedAt = performance.now();
        }
        shared.stop();
      }),
    );
    const all = Promise.allSettled(tasks);
    let settled = false;
    void all.then(() => (settled = true));
    // Memory through long steady windows, one trace per run: the workers' heaps as they last
    // published them, and this process's RSS (every thread's).
    const traces = new Map<number, MemoryTrace>();
    while (!settled) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (stopRequested()) shared.stop();
      const phase = shared.phase;
      if (phase === Phase.Steady) {
        const trace = traces.get(shared.run) ?? traces.set(shared.run, new MemoryTrace(task.durationSeconds)).get(shared.run)!;
        const seconds = (sharedNow() - shared.marks[Mark.steadyStart]!) / 1000;
        if (trace.due(seconds)) trace.add(seconds, shared.counters.sum(CounterField.heapUsed), process.memoryUsage.rss());
      }
      onProgress({ run: shared.run, phase: phase === Phase.Steady ? 'steady' : phase === Phase.WarmUp ? 'warm-up' : 'setup', packets: shared.counters.sum(CounterField.packets) });
    }
    if (failure !== null) {
      // A worker that threw may have left shared state half-changed, and one that exited is gone:
      // the next configuration gets a new pool.
      this.pools.delete(workers);
      await pool.destroy();
      (failure as WorkerFailure).endedAfterMs = Math.round(performance.now() - failedAt);
      throw failure;
    }
    const results = (await all).map((r) => (r as PromiseFulfilledResult<WorkerResult>).value);
    const finished = Math.min(...results.map((r) => r.runs.length));
    const runs: ParallelRun[] = [];
    for (let i = 0; i < finished; i++) {
      const start = results[0]!.steadyStarts[i]!;
      const end = Math.max(...results.map((r) => r.runs[i]!.stoppedAt));
      const seconds = (end - start) / 1000;
      const perConnection = new Array<number>(connections).fill(0);
      const lock: LockStats | null = plp ? { acquisitions: 0, contended: 0, waitNs: 0, holdNs: 0 } : null;
      const drops: Record<string, number> = {};
      let packets = 0;
      let bytes = 0;
      let dataErrors = 0;
      let digestMismatchesIgnored = 0;
      let observed = 0;
      // PLP workers share one control block, so each saw the same count: take the leader's.
      let outOfOrder = plp ? results[0]!.runs[i]!.outOfOrder : 0;
      const trace = traces.get(i + 1)?.points;
      const memory: MemoryBetween = { heapStart: 0, heapEnd: 0, rssStart: 0, rssEnd: 0, ...(trace?.length ? { trace } : {}) };
      let conservation: string | null = null;
      const accounts: SharedAccount[] = [];
      results.forEach((r, w) => {
        const one = r.runs[i]!;
        packets += one.packets;
        bytes += one.bytes;
        dataErrors += one.dataErrors;
        digestMismatchesIgnored += one.digestMismatchesIgnored;
        observed = (observed + one.observed) | 0;
        if (!plp) outOfOrder += one.outOfOrder;
        conservation ??= one.conservation;
        if (one.account !== null) accounts.push(one.account);
        memory.heapStart += one.memory.heapStart;
        memory.heapEnd += one.memory.heapEnd;
        memory.rssStart = Math.max(memory.rssStart, one.memory.rssStart);
        memory.rssEnd = Math.max(memory.rssEnd, one.memory.rssEnd);
        one.perConnection.forEach((b, j) => (perConnection[owned[w]![j]!]! += (b * 8) / seconds / 1e6));
        if (lock !== null && one.lock !== null) {
          lock.acquisitions += one.lock.acquisitions;
          lock.contended += one.lock.contended;
          lock.waitNs += one.lock.waitNs;
          lock.holdNs += one.lock.holdNs;
        }
        for (const [name, n] of Object.entries(one.drops)) drops[name] = (drops[name] ?? 0) + n;
      });
      conservation ??= sharedAccountProblem(accounts);
      const gatewayRuns = gateway ? results.map((r) => r.runs[i]!.gateway!) : null;
      runs.push({ run: i + 1, seconds, packets, bytes, perConnectionMbps: perConnection, fairness: jainFairness(perConnection), drops, dataErrors, digestMismatchesIgnored, outOfOrder, observed, lock, memory, conservation, gateway: gatewayRuns, crash: results[0]!.runs[i]!.crash });
    }
    return runs;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}
