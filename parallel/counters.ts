// Per-worker counters in shared memory, one 64-byte cache line per worker so that workers
// counting at full speed never share a line (no false sharing). Each worker writes only its own.

export const CounterField = {
  packets: 0,
  bytes: 1,
  /** Interleaved measurement: shared-clock ms at which this worker ended its last slice. */
  sliceStoppedAt: 2,
  /** This worker's heap used (bytes), refreshed a few times a second during a run (memory trace). */
  heapUsed: 7,
} as const;

const STRIDE = 8; // Float64 slots per worker: 64 bytes

export class WorkerCounters {
  readonly f: Float64Array;

  static bytesFor(workers: number): number {
    return workers * STRIDE * 8;
  }

  constructor(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    readonly workers: number,
  ) {
    if (byteOffset % 64 !== 0) throw new RangeError(`worker counters must start on a 64-byte line, not at ${byteOffset}`);
    this.f = new Float64Array(buffer, byteOffset, workers * STRIDE);
  }

  /** Index of `field` for `worker` in `f`. */
  at(worker: number, field: number): number {
    return worker * STRIDE + field;
  }

  sum(field: number): number {
    let s = 0;
    for (let w = 0; w < this.workers; w++) s += this.f[w * STRIDE + field]!;
    return s;
  }
}
