// What a parallel run is to those who start and combine it: the task a configuration gives its
// workers, and the figures a run answers (one engine, the sliced sessions and combine-runs share them).

import type { Transmission } from '../drivers/transmission.js';
import type { MemoryBetween } from './memory-trace.js';
import type { LockStats } from './mutex.js';
import type { RunCpu } from './thread-cpu.js';
import type { CrashRunResult, GatewayRunResult, WorkerTask } from './worker.js';

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
  /** Retransmissions, cwnd at the end and the wire's faults (TCP counts taken once under PLP). */
  transmission: Transmission;
  /** PLP: the TCP lock over all workers in the steady window (null for CLP). */
  lock: LockStats | null;
  /** The first conservation failure any worker found, or null. */
  conservation: string | null;
  /** Bytes: every worker's heap used added up, and the process's RSS, at the steady window's start and end. */
  memory: MemoryBetween;
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
