// Same-run ratios: each summary row's throughput divided by the raw throughput of a plain checksum
// pass and of the stack's dominant primitive, both timed in the same command (calibration). Unlike
// Mbit/s, these carry over between machines, so the regression check can track them.

import { dominantPrimitive } from '../stacks/spec.js';
import { type CalibrationRow, type SummaryRow, configKey, round } from './rows.js';
import { speedupOf } from './speedup.js';

/** A 90% half-width from an interval; Infinity (no interval) when it has none (one run or sample). */
function halfWidth(low: number | null, high: number | null): number {
  return low === null || high === null ? Infinity : (high - low) / 2;
}

function ratio(row: SummaryRow, of: CalibrationRow): [number, number | null, number | null] {
  const r = speedupOf(
    { mean: row.meanMbps, halfWidth: halfWidth(row.ci90Low, row.ci90High) },
    { mean: of.meanMbps, halfWidth: halfWidth(of.ci90Low, of.ci90High) },
  );
  return [round(r.speedup), r.speedupLow === null ? null : round(r.speedupLow), r.speedupHigh === null ? null : round(r.speedupHigh)];
}

/**
 * Adds checksumRatio and primitiveRatio (with their 90% ranges) to every row it can, dividing by
 * the primitives timed just before the row's configuration when `byConfiguration` has them.
 */
export function addRatios(
  summary: SummaryRow[],
  wholeRun: readonly CalibrationRow[],
  byConfiguration: ReadonlyMap<string, CalibrationRow[]> = new Map(),
): void {
  for (const row of summary) {
    const calibration = byConfiguration.get(configKey(row)) ?? wholeRun;
    const checksum = calibration.find((c) => c.primitive === 'checksum');
    if (checksum !== undefined) [row.checksumRatio, row.checksumRatioLow, row.checksumRatioHigh] = ratio(row, checksum);
    const name = dominantPrimitive(row.stack);
    const primitive = calibration.find((c) => c.primitive === name && c.crypto === row.crypto);
    if (name !== null && primitive !== undefined) {
      row.primitive = name;
      [row.primitiveRatio, row.primitiveRatioLow, row.primitiveRatioHigh] = ratio(row, primitive);
    }
  }
}
