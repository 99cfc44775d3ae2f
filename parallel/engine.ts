// The main thread's side of parallel runs, one long-lived task per worker, figures read from shared
// memory. Interleaved runs (open): a piscina pool of its own per run, minThreads = maxThreads = N,
// driven slice by slice through a SlicedSession. Whole-window runs (run, gateway stacks): a pool
// for each N kept for the whole benchmark, so the workers' JIT stays warm between worker counts.

import { Piscina } from 'piscina';
import { sharedConnectionBytes } from '../drivers/shared-connection.js';
import { MemoryTrace } from './memory-trace.js';
import { CounterField } from './counters.js';
import { Mark, Phase, SharedRun, sharedNow } from './shared-run.js';
import type { WorkerResult, WorkerTask } from './worker.js';
import { GATEWAY_SHARED_BYTES } from './dispatch.js';
import { CrashBoard } from './crash.js';
import { combineRuns } from './combine-runs.js';
import { SlicedSession } from './sliced-session.js';
import { WorkerFailure } from './worker-failure.js';
import type { ConfigurationTask, ParallelProgress, ParallelRun } from './parallel-run.js';
import { memoryOf } from '../stacks/native-memory.js';

export { WorkerFailure };

/** Which connections each of `workers` threads owns: connection k goes to thread k mod workers. */
export function assignConnections(connections: number, workers: number): number[][] {
  const owned: number[][] = Array.from({ length: workers }, () => []);
  for (let k = 0; k < connections; k++) owned[k % workers]!.push(k);
  return owned;
}

/**
 * What `xkbench ab` needs another build's engine to do alike: one run per open(), on threads of its
 * own. A build whose engine says another number (or none) measures differently and is refused.
 */
export const SLICED_PROTOCOL = 2;

/** `threads` workers, started at once and never retired while the pool lives. */
function newPool(threads: number): Piscina {
  return new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
  });
}

export class ParallelEngine {
  /** Whole-window runs (gateway stacks): a pool for each thread count, kept while the JIT is warm. */
  private readonly pools = new Map<number, Piscina>();

  private poolOf(threads: number): Piscina {
    const existing = this.pools.get(threads);
    if (existing !== undefined) return existing;
    const pool = newPool(threads);
    this.pools.set(threads, pool);
    return pool;
  }

  /** Drops a pool whose worker failed: its shared state may be half-changed, a thread may be gone. */
  private async discard(threads: number): Promise<void> {
    const pool = this.pools.get(threads);
    this.pools.delete(threads);
    await pool?.destroy();
  }

  /**
   * Starts one run of a configuration for interleaved measurement, on a pool of its own (new
   * threads: what one set of threads brings to a run, such as its JIT's luck, does not carry over
   * to the next run): the workers park until the session's commands (warm, slice, end of run).
   */
  open(task: ConfigurationTask, workers: number, connections: number): SlicedSession {
    const layout = this.layout(task, workers, connections);
    const pool = newPool(workers);
    const tasks = layout.owned.map(
      (mine, index) =>
        pool.run({ ...workerTask(task, layout.buffer, workers, index, mine), sliced: true } satisfies WorkerTask) as Promise<WorkerResult>,
    );
    return new SlicedSession(
      task,
      new SharedRun(layout.buffer, workers),
      tasks,
      { connections, owned: layout.owned, plp: layout.plp, gateway: layout.gateway },
      () => pool.destroy(),
    );
  }

  /** The shared block and connection ownership a configuration runs with. */
  private layout(
    task: ConfigurationTask,
    workers: number,
    connections: number,
  ): { buffer: SharedArrayBuffer; owned: number[][]; plp: boolean; gateway: boolean } {
    const gateway = task.dispatch !== undefined;
    const plp = task.mode === 'plp' && !gateway;
    if (task.mode === 'clp' && connections < workers)
      throw new RangeError(`${workers} workers need at least as many connections, got ${connections}`);
    if (plp && connections !== 1) throw new RangeError('packet-level parallelism runs one connection on all workers');
    // PLP: the shared connection behind the counters; a gateway: the shared queue and SA.
    const crashBytes = task.crash !== undefined ? CrashBoard.bytes(workers, task.crash.buckets) : 0;
    const buffer = SharedRun.create(workers, plp ? sharedConnectionBytes(workers) : gateway ? GATEWAY_SHARED_BYTES + crashBytes : 0);
    const owned = task.mode === 'plp' ? Array.from({ length: workers }, () => [0]) : assignConnections(connections, workers);
    return { buffer, owned, plp, gateway };
  }

  /**
   * Runs one configuration on `workers` threads, each owning its share of `connections`.
   * Answers the finished runs; fewer than asked when `stopRequested` turned true.
   */
  async run(
    task: ConfigurationTask,
    workers: number,
    connections: number,
    onProgress: (p: ParallelProgress) => void,
    stopRequested: () => boolean,
  ): Promise<ParallelRun[]> {
    const { buffer, owned, plp, gateway } = this.layout(task, workers, connections);
    const pool = this.poolOf(workers);
    const shared = new SharedRun(buffer, workers);
    const tasks = owned.map((mine, index) => pool.run(workerTask(task, buffer, workers, index, mine)) as Promise<WorkerResult>);
    let failure: WorkerFailure | null = null;
    let failedAt = 0;
    tasks.forEach((t, index) => {
      void t.catch((err: unknown) => {
        if (failure === null) {
          failure = new WorkerFailure(`worker ${index} running ${task.spec} ${task.side}: ${(err as Error).message}`);
          failedAt = performance.now();
        }
        shared.stop();
      });
    });
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
      onProgress({
        run: shared.run,
        phase: phase === Phase.Steady ? 'steady' : phase === Phase.WarmUp ? 'warm-up' : 'setup',
        packets: shared.counters.sum(CounterField.packets),
      });
    }
    if (failure !== null) {
      // A worker that threw may have left shared state half-changed, and one that exited is gone:
      // the next configuration gets a new pool.
      await this.discard(workers);
      (failure as WorkerFailure).endedAfterMs = Math.round(performance.now() - failedAt);
      throw failure;
    }
    const results = (await all).map((r) => (r as PromiseFulfilledResult<WorkerResult>).value);
    return combineRuns(results, {
      connections,
      owned,
      plp,
      gateway,
      traces,
      secondsOf: (i) => (Math.max(...results.map((r) => r.runs[i]!.stoppedAt)) - results[0]!.steadyStarts[i]!) / 1000,
    });
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

/**
 * Worker `index`'s task: the configuration, the run's shared block with the memory it lies in (so
 * the worker's copies and lock words in it are native, stacks/native-memory.ts), and its connections.
 */
function workerTask(task: ConfigurationTask, buffer: SharedArrayBuffer, workers: number, index: number, connections: number[]): WorkerTask {
  return { ...task, buffer, memory: memoryOf(buffer), workers, index, connections };
}
