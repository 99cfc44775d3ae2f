// The shape of results.json, in one place: what a run writes, what `npm run report`, `--compare`,
// the github-action-benchmark format and users' scripts read back. `formatVersion` says which
// shape a file has (files written before it existed have none: version 0, the same fields).

import type { BeneckeRow, ScalingRow, ShiehLaiRow } from './model-report.js';
import type { PairedRatio, SliceGroup } from './paired-ratios.js';
import type { CalibrationRow, RunDetail, SummaryRow } from './rows.js';

/**
 * The version of results.json's shape. Raised when a field changes meaning or goes away (adding
 * a field does not raise it); readers accept every version up to this one.
 */
export const RESULTS_FORMAT_VERSION = 1;

/** Where results.json's JSON Schema lives, relative to the package root (generated from these types: bench/results-schema.ts). */
export const RESULTS_SCHEMA_FILE = 'docs/results.schema.json';

/** A cache of CPU 0 as /sys/devices/system/cpu lists it. */
export interface MachineCache {
  level: number;
  type: string;
  size: string;
  /** The kernel's list of the CPUs sharing it ("0-1"), and how many they are. */
  sharedWith: string;
  sharedBy: number;
}

/** How much the machine's speed varied just before the runs (bench/machine.ts probeNoise). */
export interface MachineNoise {
  probeSeconds: number;
  sliceMs: number;
  slices: number;
  /** Coefficient of variation of the per-slice rates, %. */
  variationPercent: number | null;
  /** Standard deviation of the log ratio of neighbouring slices, ×100 (≈ % between two neighbours). */
  pairVariationPercent: number | null;
}

/** Which machine measured the run (meta.machine). */
export interface MachineDescription {
  cpu: string;
  vendor: string | null;
  family: number | null;
  model: number | null;
  stepping: number | null;
  logicalCpus: number;
  /** Logical CPUs per core (CPU 0's thread siblings), and whether that is more than one. */
  threadsPerCore: number | null;
  smtSiblings: boolean | null;
  virtualized: boolean;
  /** CPU 0's caches; empty where the kernel lists none (as in some VMs). */
  caches: MachineCache[];
  /** /proc/cpuinfo's "cache size", for when the kernel lists no caches. */
  cpuinfoCache: string | null;
  /** Whether one L3 serves all the logical CPUs (null: no L3 listed). */
  l3SharedByAll: boolean | null;
  /** null when the probe was skipped (--noise-probe 0). */
  noise: MachineNoise | null;
  /**
   * One-way latency of a cache line's hand-off between two threads, ns (bench/machine.ts
   * handOffNs), before the runs and after them; absent with one CPU, or the probe skipped.
   */
  coreHandOff?: { beforeNs: number; afterNs: number | null };
  /**
   * The Internet checksum of 4 KB on each CPU, ns, index = CPU number, measured on all CPUs at once
   * in processes pinned to them (bench/machine.ts cpuChecksumNs), before the runs and after them;
   * absent with one CPU, without taskset, or with the probe skipped.
   */
  cpuChecksumNs?: { before: number[]; after: number[] | null };
}

/** A configuration as the plan made it (bench/plan.ts Configuration), as meta.enforcement and failures name it. */
export interface PlannedConfiguration {
  stack: string;
  side: string;
  crypto: string;
  mode: string;
  workers: number;
  connections: number;
  clp?: string;
  tcpLockScope?: string;
  /** PLP: the lock design (--lock). */
  lockDesign?: string;
  /** Gateway stacks: how packets reach the workers. */
  dispatch?: { policy: string; unit: string; hashField: string };
  loss?: number;
  /** Gateway stacks: their own packet size (IPsec's frame size; 0 for a screen's mixed sizes). */
  packetSize?: number;
}

/** What a configuration's runs enforced (a failure drops the packet) and only computed (meta.enforcement). */
export interface EnforcementEntry extends PlannedConfiguration {
  enforced: string[];
  computedOnly: string[];
  /** Whether the received frames were genuine (a live peer) rather than replayed templates. */
  genuineFrames: boolean;
}

/** A configuration that could not be measured (a worker threw or died), with the error. */
export interface FailedConfigurationEntry extends PlannedConfiguration {
  error: string;
  /** How long the configuration took to end after the failure, ms. */
  endedAfterMs?: number;
}

/** What the report's header and checks need from meta (results.json's meta has more). */
export interface ReportMeta {
  timestamp: string;
  node: string;
  cpu: string;
  cpus: number;
  os: string;
  commit: string | null;
  incomplete: boolean;
  command: string;
  enforcement: EnforcementEntry[];
  /** Where the threads' CPU times came from (schedstat, threadCpuUsage or none). */
  cpuSource?: string;
  /** A lossy wire (--loss, --duplicate, --reorder, --corrupt): its probabilities, and TCP's smallest RTO. */
  wire?: { losses: number[]; duplicate: number; reorder: number; corrupt: number; minRtoMs: number };
  /** The machine (absent in files older than it). */
  machine?: MachineDescription;
}

/** The plan's estimate, made before any work (bench/plan.ts estimatePlan). */
export interface PlanEstimate {
  configurations: number;
  groups: number;
  runs: number;
  /** The most threads alive at once (one group's run). */
  peakThreads: number;
  /** The most connections alive at once (one group's run). */
  peakConnections: number;
  /** Seconds for the runs asked for, and its parts. */
  seconds: number;
  warmupSeconds: number;
  sliceSeconds: number;
  threadStartSeconds: number;
  /** What each configuration's run costs besides (set-up and end). */
  runOverheadSeconds: number;
}

/** The plan, what fitting it changed, and how long the run took (meta.plan). */
export interface PlanRecord extends Omit<PlanEstimate, 'runOverheadSeconds' | 'peakConnections'> {
  /** The most connections alive at once (absent in files older than it). */
  peakConnections?: number;
  /** Each configuration's run set-up and end (absent in files older than it). */
  runOverheadSeconds?: number;
  /** What --budget or the memory check changed, in words. */
  fitted: string[];
  /** How long the runs asked for took (absent in files older than it), and the whole command. */
  plannedRunsTookSeconds?: number;
  tookSeconds: number;
}

/** Everything results.json's meta holds. */
export interface ResultsMeta extends ReportMeta {
  tool: string;
  version: string;
  /** The options the run was given, as parsed (bench/config.ts BenchConfig). */
  config: object;
  /** The machine's logical CPUs (os.availableParallelism). */
  cores: number;
  /** What each mode means, in words. */
  modes: Record<string, string>;
  /** How the figures were measured, in words. */
  method: string;
  /** The precision target, the budget and the slice length. */
  precision: { targetCiPercent: number | null; budgetSeconds: number | null; sliceMs: number };
  /** How the threads' CPU times were read, in words. */
  cpuAccounting: string;
  plan: PlanRecord;
}

/** What one stack and side's connections cost in memory, per connection (bytes): xkbench connection-memory, run for CLP's stacks. */
export interface ConnectionMemory {
  stack: string;
  side: 'send' | 'recv';
  connections: number;
  /** Resident memory an established, idle connection adds (both ends, its share of its arena and of the application's data). */
  idleBytes: number;
  /** The same at a turn's end, after every connection has sent or received (what it holds in flight included). */
  busyBytes: number;
  /** The JavaScript heap's part of busyBytes (the stacks' objects). */
  heapBytes: number;
  /** Ring pages held at a turn's end, per connection (4 KiB each). */
  pagesHeld: number;
}

export interface ResultsFile {
  /** RESULTS_FORMAT_VERSION when written (absent in files older than it). */
  formatVersion?: number;
  runs: RunDetail[];
  summary: SummaryRow[];
  /** Raw primitive throughput of the same run (absent in files older than the regression check). */
  calibration?: CalibrationRow[];
  /** Ratios measured in alternation, slice by slice (absent in files older than interleaved measurement). */
  pairedRatios?: PairedRatio[];
  /** Each interleaved group's Mbit/s per member, round by round: what pairedRatios were computed from. */
  slices?: SliceGroup[];
  /** Configurations that could not be measured (a worker threw or died), with the error. */
  failures?: FailedConfigurationEntry[];
  /** CLP's stacks and sides: what a connection costs in memory, measured apart (absent without CLP, and in files older than it). */
  connectionMemory?: ConnectionMemory[];
  /** Benecke's model and the Amdahl/USL fits, from the summary (predictions labelled as such). */
  models?: { benecke: BeneckeRow[]; shiehLai: ShiehLaiRow[]; scaling: ScalingRow[] };
  /**
   * --load: the open loop's runs and their summary, each configuration at each offered load
   * (offeredPps, and loadFraction for a share of saturation); absent without --load.
   */
  openLoop?: { runs: RunDetail[]; summary: SummaryRow[] };
  meta: ResultsMeta;
}
