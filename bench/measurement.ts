// What one measured run of a configuration answers, whichever engine ran it, and what a failed
// configuration reports instead.

import type { RunFigures } from '../parallel/run-figures.js';
import type { RunCpu } from '../parallel/thread-cpu.js';
import type { CrashRunResult, GatewayRunResult } from '../parallel/gateway-worker.js';
import type { Configuration } from './plan.js';

/** A configuration that could not be measured (a worker threw or died); the others go on. */
export interface FailedConfiguration extends Configuration {
  error: string;
  /** A worker's failure: ms from it reaching the main thread to the configuration ended, its pool destroyed. */
  endedAfterMs?: number;
}

/** Everything a run row needs from one measured run, whichever engine ran it. */
export interface Measurement extends RunFigures {
  seconds: number;
  fairness: number | null;
  perConnectionMbps: number[] | null;
  gateway: GatewayRunResult[] | null;
  crash?: CrashRunResult | null;
  /** The threads' CPU time over the window (every mode; absent from another build's runs under ab). */
  cpu?: RunCpu;
}
