// One run of a parallel configuration measured in slices, in alternation with others: its workers
// warm up and park in Atomics.wait; each slice() wakes them for a few tens of milliseconds and
// reads what they did from shared memory; endRun() ends the run and close() lets the threads go.
// While one configuration's slice runs, every other configuration's workers are parked, so slices
// taken one after the other share the machine's speed of that moment (see results/paired.ts).

import { MemoryTrace } from './memory-trace.js';
import { type CombineOptions, combineRuns } from './combine-runs.js';
import { CounterField } from './counters.js';
import type { ConfigurationTask, ParallelRun } from './parallel-run.js';
import { Command, type CommandKind, Mark, SharedRun, sharedNow } from './shared-run.js';
import { WorkerFailure } from './worker-failure.js';
import type { WorkerResult } from './worker.js';

/** What one slice measured: the window from its start to the last worker's stop. */
export interface SliceFigures {
  seconds: number;
  packets: number;
  bytes: number;
}

export class SlicedSession {
  private failure: WorkerFailure | null = null;
  private failedAt = 0;
  private readonly settled: Promise<PromiseSettledResult<WorkerResult>[]>;
  /** The run's slices so far, in seconds, and whether it ended. */
  private seconds = 0;
  private ended = false;
  private readonly trace: MemoryTrace;
  private closed = false;
  private discarded = false;

  constructor(
    private readonly task: ConfigurationTask,
    private readonly shared: SharedRun,
    tasks: Promise<WorkerResult>[],
    private readonly combine: Omit<CombineOptions, 'traces' | 'secondsOf'>,
    /** Ends the session's threads (its pool is its own). */
    private readonly destroyPool: () => Promise<void>,
  ) {
    tasks.forEach((t, index) => {
      void t.catch((err: unknown) => {
        if (this.failure === null) {
          this.failure = new WorkerFailure(`worker ${index} running ${task.spec} ${task.side}: ${(err as Error).message}`);
          this.failedAt = performance.now();
        }
        shared.stop();
      });
    });
    this.settled = Promise.allSettled(tasks);
    this.trace = new MemoryTrace(task.durationSeconds);
  }

  /** Builds the run's drivers and warms them up; false when stopped. Throws WorkerFailure. */
  async warm(): Promise<boolean> {
    return this.give(Command.warm);
  }

  /** Measures one slice of `ms`; null when stopped. Throws WorkerFailure. */
  async slice(ms: number): Promise<SliceFigures | null> {
    const start = sharedNow();
    this.shared.marks[Mark.sliceStart] = start;
    this.shared.marks[Mark.sliceEnd] = start + ms;
    if (!(await this.give(Command.slice))) return null;
    const counters = this.shared.counters;
    let stoppedAt = start;
    for (let w = 0; w < this.shared.workers; w++) stoppedAt = Math.max(stoppedAt, counters.f[counters.at(w, CounterField.sliceStoppedAt)]!);
    const seconds = (stoppedAt - start) / 1000;
    this.seconds += seconds;
    if (this.trace.due(this.seconds)) this.trace.add(this.seconds, counters.sum(CounterField.heapUsed), process.memoryUsage.rss());
    return { seconds, packets: counters.sum(CounterField.packets), bytes: counters.sum(CounterField.bytes) };
  }

  /** Ends the run under way (the workers add up its figures); false when stopped. Throws WorkerFailure. */
  async endRun(): Promise<boolean> {
    if (!(await this.give(Command.endRun))) return false;
    this.ended = true;
    return true;
  }

  /** Lets the workers go; answers the run's figures (none when it did not end). Throws WorkerFailure. */
  async close(): Promise<ParallelRun[]> {
    if (!this.closed) {
      this.closed = true;
      if (this.failure === null && !this.shared.stopped) this.shared.command(Command.quit);
      else this.shared.stop();
    }
    const settled = await this.settled;
    await this.failed();
    await this.destroyPool();
    const results = settled.map((r) => (r as PromiseFulfilledResult<WorkerResult>).value);
    if (!this.ended) return [];
    return combineRuns(results, { ...this.combine, traces: new Map([[1, { points: this.trace.points }]]), secondsOf: () => this.seconds });
  }

  /** Stops the workers (Ctrl-C): they leave their park; close() then answers the runs that ended. */
  stop(): void {
    this.shared.stop();
  }

  private async give(kind: CommandKind): Promise<boolean> {
    if (this.failure !== null) await this.failed();
    this.shared.command(kind);
    if (await this.shared.acknowledged(() => this.failure !== null)) return true;
    await this.failed();
    return false;
  }

  /** Throws the failure, once the pool is gone; nothing when there is none. */
  private async failed(): Promise<void> {
    const failure = this.failure;
    if (failure === null) return;
    this.closed = true;
    await this.settled;
    if (!this.discarded) {
      this.discarded = true;
      await this.destroyPool();
    }
    if (failure.endedAfterMs === 0) failure.endedAfterMs = Math.round(performance.now() - this.failedAt);
    throw failure;
  }
}
