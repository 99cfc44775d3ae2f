// The figures every measured run answers, however it ran: one worker's share of a parallel run
// (worker.ts), a parallel run added up over its workers (parallel-run.ts), or a run as the runner
// keeps it, single-thread runs included (bench/measurement.ts). Declared once; each adds its own.

import type { RunCounts } from '../drivers/run-counts.js';
import type { MemoryBetween } from './memory-trace.js';
import type { LockStats } from './mutex.js';
import type { LatencyRun } from '../drivers/latency-sampler.js';

export interface RunFigures extends RunCounts {
  packets: number;
  /** Application payload bytes sent (send side) or delivered (receive side). */
  bytes: number;
  /** What the drivers consumed, folded into one number, so that no work can be optimised away. */
  observed: number;
  /** PLP: the TCP lock's use in the steady window (null without a lock). */
  lock: LockStats | null;
  /** The first conservation failure at the end of the run, or null. */
  conservation: string | null;
  /** At the steady window's start and end. */
  memory: MemoryBetween;
  /** Sampled packets' latency through the stack over the steady window (null: nothing was timed). */
  latency: LatencyRun | null;
}
