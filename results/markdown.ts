// Markdown tables for report.md (and the terminal): a header row, the alignment row, the rows.

/** Columns align left ('l') or right ('r'); by default the first left and the rest right (figures). */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = header.map((_, i) => (i === 0 ? 'l' : 'r'))): string {
  const lines = [`| ${header.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
