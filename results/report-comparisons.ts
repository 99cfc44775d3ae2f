// report.md's comparisons measured in alternation: the paired ratios, by kind.

import { table, withInterval } from './markdown.js';
import type { PairedRatio } from './paired-ratios.js';
import { runsNeededText } from './precision.js';

const PAIRED_KINDS: Record<PairedRatio['kind'], string> = {
  speedup: 'Speedups',
  'plp-clp': 'PLP ÷ CLP',
  'plp-single': 'PLP at one worker ÷ single, the same packets (below 1: what PLP costs a packet, uncontended, is 1 ÷ it)',
  'clp-policy': 'Thread-per-connection ÷ processor-per-connection (Fig. 11)',
  'lock-scope': 'Lock scopes',
  'speedup-vs-stack': "One stack's speedup ÷ another's",
  checksum: 'Same-run ratio: ÷ checksum pass',
  primitive: "Same-run ratio: ÷ the stack's primitive",
  primitives: "Same-run ratio: ÷ all the stack's primitives, one after the other",
};

/** The paired ratios by kind: each with its 90% interval, half-width, pairs and whether it met the target. */
export function pairedTables(ratios: readonly PairedRatio[], targetPercent: number | null): string {
  const parts: string[] = [];
  for (const [kind, title] of Object.entries(PAIRED_KINDS)) {
    const mine = ratios.filter((r) => r.kind === kind);
    if (mine.length === 0) continue;
    const header = ['ratio', 'value (90%)', '±%', 'pairs', ...(targetPercent !== null ? [`within ±${targetPercent}%`] : [])];
    // Three significant digits: a stack ÷ the checksum pass is a few ten-thousandths.
    const digits = (x: number) => Math.max(2, 2 - Math.floor(Math.log10(Math.abs(x) || 1)));
    const rows = mine.map((r) => [
      r.label,
      withInterval(r.ratio, r.low, r.high, digits(r.ratio)),
      r.halfWidthPercent === null ? '—' : r.halfWidthPercent.toFixed(1),
      String(r.pairs),
      ...(targetPercent !== null ? [r.metTarget ? 'yes' : ['no', runsNeededText(r)].filter((t) => t !== '').join(': ')] : []),
    ]);
    parts.push(`**${title}**`, '', table(header, rows), '');
  }
  return parts.join('\n');
}

/** How the paired ratios were measured, and how many met the precision target. */
export function pairedIntro(ratios: readonly PairedRatio[], targetCiPercent: number | null): string {
  const target =
    targetCiPercent !== null
      ? ` Precision target: ±${targetCiPercent}% (${ratios.filter((r) => r.metTarget).length} of ${ratios.length} met it).`
      : '';
  return (
    `Each ratio is the geometric mean of the ratios of slices taken one after the other (${ratios[0]?.method}); the pairs are the ` +
    `rounds both sides took part in.${target} One stack's speedup ÷ another's combines two paired estimates (their errors added).`
  );
}
