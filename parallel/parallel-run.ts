// What a parallel run is to those who start and combine it: the task a configuration gives its
// workers, and the figures a run answers (one engine, the sliced sessions and combine-runs share them).

import type { RunFigures } from './run-figures.js';
import type { RunCpu } from './thread-cpu.js';
import type { CrashRunResult, GatewayRunResult } from './gateway-worker.js';
import type { WorkerTask } from './worker.js';

export type ClpPolicy = 'thread-per-connection' | 'processor-per-connection';

/** A run added up over its workers (TCP counts taken once under PLP; memory: every worker's heap added up, and the RSS). */
export interface ParallelRun extends RunFigures {
  run: number;
  seconds: number;
  /** Mbit/s of each connection over the common window. */
  perConnectionMbps: number[];
  fairness: number;
  /** Each thread's CPU time over the window, added up (thread-cpu.ts). */
  cpu: RunCpu;
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

/** The task of a configuration, without what the engine fills in for each worker. */
export type ConfigurationTask = Omit<WorkerTask, 'buffer' | 'workers' | 'index' | 'connections'>;
