// What a benchmark run is asked to do: the checked form of the command line (options.ts makes it),
// read by the plan, the runner and the report.

import type { LoadSpec } from './load-spec.js';
import type { LockDesign } from '../parallel/lock-designs.js';
import type { Side } from '../drivers/workload-contract.js';
import type { DispatchPolicy, DispatchUnit, HashField } from '../parallel/dispatch.js';
import type { ClpPolicy } from '../parallel/parallel-run.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';

/** The most threads one configuration may start (thread-per-connection: one per connection). */
export const MAX_THREADS = 1024;
/** The most connections one configuration may hold (processor-per-connection; thread-per-connection stops at MAX_THREADS). */
export const MAX_CONNECTIONS = 10_000;

export type Profile = 'quick' | 'paper' | 'ci';
export type OutputFormat = 'github-action-benchmark';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['github-action-benchmark'];
export type Mode = 'single' | 'plp' | 'clp';
export const MODES: readonly Mode[] = ['single', 'plp', 'clp'];

export interface BenchConfig {
  stacks: string[];
  sides: Side[];
  packetSize: number;
  /** Connection counts to sweep; null: each mode's default (single and plp 1, clp 12 or the most workers). */
  connections: number[] | null;
  modes: Mode[];
  /** Worker counts to sweep (plp, and clp processor-per-connection). */
  workers: number[];
  /** CLP: the policies to run (thread-per-connection, processor-per-connection, or both). */
  clp: ClpPolicy[];
  /** The cores the plan is made for (os.availableParallelism() unless a test says otherwise). */
  cores: number;
  /** What --budget changed to fit the plan (empty when it fitted as asked). */
  fitted: string[];
  /** The most threads thread-per-connection may run here (plan.ts threadLimit): its counts above run processor-per-connection only. */
  threadLimit: number;
  /** PLP: the lock designs to sweep (--lock, or --tcp-lock-scope by its old name). */
  locks: LockDesign[];
  cryptos: CryptoProviderName[];
  warmupSeconds: number;
  /** Warm-up by work: each thread warms up until it has had this much CPU time (and 64 packets). */
  warmupCpuSeconds: number;
  durationSeconds: number;
  runs: number;
  /**
   * The precision target: after `runs` runs, groups of configurations get more runs, the furthest
   * from the target first, until every paired ratio's 90% half-width is within this percentage or
   * the budget is spent.
   * Null: exactly `runs` runs.
   */
  targetCiPercent: number | null;
  /** What the whole benchmark may take, in seconds, with a precision target (null: 1.5 × the plan). */
  budgetSeconds: number | null;
  /** The length of one interleaved slice, in seconds. */
  sliceSeconds: number;
  /** How long the machine's noise is probed before the runs (null: 2 s, or a twentieth of the plan if shorter; 0: not probed). */
  noiseProbeSeconds: number | null;
  seed: number;
  profile: Profile;
  out: string | null;
  pcap: string | null;
  verify: boolean;
  json: boolean;
  quiet: boolean;
  /** auto: a line redrawn on a terminal; lines: a plain line on stderr as each run starts; off. */
  progress: 'auto' | 'lines' | 'off';
  layers: boolean;
  help: boolean;
  /** A results.json or run folder to compare the new results with. */
  compare: string | null;
  /** A change smaller than this (percent) is not counted. */
  thresholdPercent: number;
  failOnRegression: boolean;
  /** Extra result files to write. */
  formats: OutputFormat[];
  /** Gateway stacks (packet screen): the dispatch policies and units to sweep, and flat-hash's field. */
  dispatches: DispatchPolicy[];
  dispatchUnits: DispatchUnit[];
  hashField: HashField;
  /** IPsec gateway stacks: the inner datagram sizes to sweep (Shieh & Lai's Table 4-1). */
  frameSizes: number[];
  /** Gateway stacks: crash this worker this many seconds into each steady window. */
  killWorker: { worker: number; atSeconds: number } | null;
  /** Gateway stacks: heartbeat period in ms (survivors re-divide the hash space after a crash). */
  heartbeatMs: number | null;
  /** A lossy wire: the loss probabilities to sweep (0 to 0.5; [0]: none), and the other faults' fixed probabilities. */
  losses: number[];
  duplicate: number;
  reorder: number;
  corrupt: number;
  /** TCP's smallest retransmission timeout, ms. */
  minRtoMs: number;
  /** --load: the open loop's offered loads (none: closed loop only). */
  loads: LoadSpec[];
}

/** Whether the wire is to inject any fault: then every TCP configuration names its loss. */
export function faultsAsked(config: Pick<BenchConfig, 'losses' | 'duplicate' | 'reorder' | 'corrupt'>): boolean {
  return config.losses.some((p) => p > 0) || config.duplicate > 0 || config.reorder > 0 || config.corrupt > 0;
}
