// What a precision target (--target-ci) came to: how many ratios met it, and for each speedup that
// did not, about how many runs (and how long) it would have needed, so a reader can tell a noisy
// machine from a short run and ask for the time that would do.

import type { PairedRatio } from './paired-ratios.js';

/** "≈ 11 runs (7 more, about 49 s)"; empty where the interval is not from runs (nothing to say). */
export function runsNeededText(r: PairedRatio): string {
  if (r.runsNeeded === undefined) return '';
  if (r.runsNeeded === null) return 'over 1000 runs';
  const more = r.runsNeeded - (r.runs ?? r.runsNeeded);
  const time = r.moreSeconds !== null && r.moreSeconds !== undefined ? `, about ${formatDuration(r.moreSeconds)}` : '';
  return `≈ ${r.runsNeeded} runs (${more} more${time})`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The target's outcome: a line for all ratios, then one per speedup that missed it (empty without a target). */
export function precisionLines(ratios: readonly PairedRatio[], targetPercent: number | null): string[] {
  if (targetPercent === null || ratios.length === 0) return [];
  const speedups = ratios.filter((r) => r.kind === 'speedup');
  const missed = speedups.filter((r) => r.metTarget === false);
  return [
    `Precision target ±${targetPercent}%: ${speedups.length - missed.length} of ${speedups.length} speedups met it, ` +
      `${ratios.filter((r) => r.metTarget).length} of ${ratios.length} paired ratios in all.`,
    ...missed.map((r) => {
      const width = r.halfWidthPercent === null ? 'no interval' : `±${r.halfWidthPercent.toFixed(1)}%`;
      return r.runsNeeded === undefined
        ? `- ${r.label}: ${width} from one run's slices; more runs would show how much runs differ`
        : `- ${r.label}: ${width} with ${r.runs} runs; the target needs ${runsNeededText(r)}`;
    }),
  ];
}
