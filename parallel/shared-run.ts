// The shared-memory block one parallel configuration runs on: a stop flag and the run/phase the
// workers are in, the common clock marks, the start barrier and the per-worker counters.

import { SharedBarrier } from './barrier.js';
import { WorkerCounters } from './counters.js';

const CONTROL_BYTES = 32; // Int32: stop, run, phase
const TIMES_BYTES = 32; // Float64: warm-up end, steady start, steady end
const BARRIER_AT = CONTROL_BYTES + TIMES_BYTES;
const COUNTERS_AT = 128;

export const Phase = { Setup: 0, WarmUp: 1, Steady: 2, Done: 3 } as const;
export const Mark = { warmupEnd: 0, steadyStart: 1, steadyEnd: 2 } as const;

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

export class SharedRun {
  readonly control: Int32Array;
  readonly marks: Float64Array;
  readonly barrier: SharedBarrier;
  readonly counters: WorkerCounters;

  /** A block for `workers`, with `extraBytes` behind the counters (a shared connection). */
  static create(workers: number, extraBytes = 0): SharedArrayBuffer {
    return new SharedArrayBuffer(SharedRun.extraOffset(workers) + extraBytes);
  }

  /** Where the extra bytes start: after the counters, on a 64-byte line. */
  static extraOffset(workers: number): number {
    return COUNTERS_AT + WorkerCounters.bytesFor(workers);
  }

  constructor(readonly buffer: SharedArrayBuffer, readonly workers: number) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.marks = new Float64Array(buffer, CONTROL_BYTES, TIMES_BYTES / 8);
    this.barrier = new SharedBarrier(buffer, BARRIER_AT, workers);
    this.counters = new WorkerCounters(buffer, COUNTERS_AT, workers);
  }

  get stopped(): boolean {
    return Atomics.load(this.control, 0) !== 0;
  }

  stop(): void {
    Atomics.store(this.control, 0, 1);
  }

  setProgress(run: number, phase: number): void {
    Atomics.store(this.control, 1, run);
    Atomics.store(this.control, 2, phase);
  }

  get run(): number {
    return Atomics.load(this.control, 1);
  }

  get phase(): number {
    return Atomics.load(this.control, 2);
  }
}
