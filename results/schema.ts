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
