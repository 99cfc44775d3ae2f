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
  enforcement: { stack: string; side: string; enforced: string[]; computedOnly: string[]; genuineFrames: boolean }[];
  /** Where the threads' CPU times came from (schedstat, threadCpuUsage or none). */
  cpuSource?: string;
  /** A lossy wire (--loss, --duplicate, --reorder, --corrupt): its probabilities, and TCP's smallest RTO. */
  wire?: { losses: number[]; duplicate: number; reorder: number; corrupt: number; minRtoMs: number };
  /** The machine (absent in files older than it). */
  machine?: MachineDescription;
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
  failures?: {
    stack: string;
    side: string;
    mode: string;
    workers: number;
    connections: number;
    crypto: string;
    error: string;
    endedAfterMs?: number;
  }[];
  /** Benecke's model and the Amdahl/USL fits, from the summary (predictions labelled as such). */
  models?: { benecke: BeneckeRow[]; shiehLai: ShiehLaiRow[]; scaling: ScalingRow[] };
  meta: ReportMeta & Record<string, unknown>;
}
