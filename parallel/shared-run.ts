// The shared-memory block one parallel configuration runs on: a stop flag and the run/phase the
// workers are in, the common clock marks, the start barrier and the per-worker counters; and, for
// interleaved measurement, the command the main thread gives its parked workers and their answers.

import { SharedBarrier } from './barrier.js';
import { WorkerCounters } from './counters.js';
import { sharedMemory } from '../stacks/native-memory.js';

const CONTROL_BYTES = 32; // Int32: stop, run, phase, command generation, command, acknowledgements
const TIMES_BYTES = 40; // Float64: warm-up end, steady start, steady end, slice start, slice end
const BARRIER_AT = CONTROL_BYTES + TIMES_BYTES;
const COUNTERS_AT = 128;

export const Phase = { Setup: 0, WarmUp: 1, Steady: 2, Done: 3 } as const;
export const Mark = { warmupEnd: 0, steadyStart: 1, steadyEnd: 2, sliceStart: 3, sliceEnd: 4 } as const;

/**
 * What the main thread tells workers parked between slices: warm up the next run (and park),
 * measure one slice (until Mark.sliceEnd, and park), end the run (and park), or return.
 */
export const Command = { none: 0, warm: 1, slice: 2, endRun: 3, quit: 4 } as const;
export type CommandKind = (typeof Command)[keyof typeof Command];

const STOP = 0;
const RUN = 1;
const PHASE = 2;
const GENERATION = 3;
const COMMAND = 4;
const ACKS = 5;

/** The most packets between two clock readings (a crash switch position keeps a few batches' margin). */
export const MAX_BATCH = 256;

/** Packets per clock reading: enough that reading the clock costs little (about every 200 µs), few enough to stop on time. */
export function batchFor(usPerPacket: number): number {
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(200 / Math.max(usPerPacket, 0.01))));
}

/** Milliseconds on a clock every thread shares (performance.now() has a per-thread origin). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A SharedArrayBuffer whose first byte starts a page, so that the 64-byte lines the layout keeps
 * apart (each worker's counters, the lock, the control block) are lines of the machine too. A plain
 * SharedArrayBuffer comes from malloc, 16-byte aligned: where its start fell decided whether two
 * workers' counters shared a line, and PLP's throughput moved by up to a quarter from one
 * allocation to the next. A shared WebAssembly memory is allocated in whole pages, and copies
 * within it are native (stacks/native-memory.ts).
 */
export function alignedSharedBuffer(bytes: number): SharedArrayBuffer {
  return sharedMemory(bytes);
}

export class SharedRun {
  readonly control: Int32Array;
  readonly marks: Float64Array;
  readonly barrier: SharedBarrier;
  readonly counters: WorkerCounters;

  /** A block for `workers`, with `extraBytes` behind the counters (a shared connection). */
  static create(workers: number, extraBytes = 0): SharedArrayBuffer {
    return alignedSharedBuffer(SharedRun.extraOffset(workers) + extraBytes);
  }

  /** Where the extra bytes start: after the counters, on a 64-byte line. */
  static extraOffset(workers: number): number {
    return COUNTERS_AT + WorkerCounters.bytesFor(workers);
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly workers: number,
  ) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.marks = new Float64Array(buffer, CONTROL_BYTES, TIMES_BYTES / 8);
    this.barrier = new SharedBarrier(buffer, BARRIER_AT, workers);
    this.counters = new WorkerCounters(buffer, COUNTERS_AT, workers);
  }

  get stopped(): boolean {
    return Atomics.load(this.control, STOP) !== 0;
  }

  /** Stops the workers, also those parked waiting for a command. */
  stop(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, GENERATION);
  }

  setProgress(run: number, phase: number): void {
    Atomics.store(this.control, RUN, run);
    Atomics.store(this.control, PHASE, phase);
  }

  get run(): number {
    return Atomics.load(this.control, RUN);
  }

  get phase(): number {
    return Atomics.load(this.control, PHASE);
  }

  /** Main thread: gives the workers a command (they answer with acknowledge() when it is done). */
  command(kind: CommandKind): void {
    Atomics.store(this.control, ACKS, 0);
    Atomics.store(this.control, COMMAND, kind);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  /**
   * Main thread: resolves true once every worker acknowledged the last command, false when
   * `abandon()` turns true first (a worker failed, or a stop). Sleeps meanwhile (no polling
   * while the workers run).
   */
  async acknowledged(abandon: () => boolean): Promise<boolean> {
    for (;;) {
      const acks = Atomics.load(this.control, ACKS);
      if (acks >= this.workers) return true;
      if (abandon() || this.stopped) return false;
      const waited = Atomics.waitAsync(this.control, ACKS, acks, 50);
      if (!waited.async) continue;
      // A pending waitAsync holds no handle: once failed workers' threads are gone (piscina unrefs
      // them), Node would end the process here with the run unfinished (exit 13). A timer holds it.
      const hold = setTimeout(() => {}, 100);
      await waited.value;
      clearTimeout(hold);
    }
  }

  /** Worker: this command is done. */
  acknowledge(): void {
    Atomics.add(this.control, ACKS, 1);
    Atomics.notify(this.control, ACKS);
  }

  /** Worker: parks until a command newer than generation `seen` arrives; answers it (quit when stopped). */
  nextCommand(seen: number): { kind: CommandKind; generation: number } {
    for (;;) {
      if (this.stopped) return { kind: Command.quit, generation: seen };
      const generation = Atomics.load(this.control, GENERATION);
      if (generation !== seen) return { kind: Atomics.load(this.control, COMMAND) as CommandKind, generation };
      Atomics.wait(this.control, GENERATION, seen, 1000);
    }
  }
}
