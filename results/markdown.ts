// Markdown tables for report.md and the terminal: one builder for every table, columns padded so
// they line up in a terminal and stay valid GitHub-flavoured markdown in a file (markdown-table).

import { markdownTable } from 'markdown-table';

/** Columns align left ('l') or right ('r'); by default the first left and the rest right (figures). */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = header.map((_, i) => (i === 0 ? 'l' : 'r'))): string {
  return markdownTable([header, ...rows], { align });
}

/** A figure with its 90% interval, `1.85 (1.70–2.00)`; a figure from one run has none to show. */
export function withInterval(x: number, low: number | null | undefined, high: number | null | undefined, digits: number): string {
  if (low === null || low === undefined || high === null || high === undefined) return `${x.toFixed(digits)} (no interval: one run)`;
  return `${x.toFixed(digits)} (${low.toFixed(digits)}–${high.toFixed(digits)})`;
}
