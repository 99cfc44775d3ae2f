// Cell formatting and section layout the report's section families share: numbers, mode labels, a
// speedup cell, a titled section.

import { type SummaryRow, lockDesignOf, otherLock } from './rows.js';
import { withInterval } from './markdown.js';

export function fmt(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return x.toFixed(x < 1 ? 3 : digits);
}

/** The mode, with PLP's lock scope or CLP's policy when it is not the default. */
export function baseModeLabel(s: SummaryRow): string {
  if (s.dispatch !== undefined) return s.dispatch;
  if (s.mode === 'clp' && s.clp === 'thread-per-connection') return 'clp (thread-per-connection)';
  return otherLock(s) ? `plp (${lockDesignOf(s)} lock)` : s.mode;
}

/** The mode, and the wire's loss when one was asked. */
export function modeLabel(s: SummaryRow): string {
  return s.loss === undefined ? baseModeLabel(s) : `${baseModeLabel(s)}, ${lossLabel(s.loss)} loss`;
}

export function lossLabel(loss: number): string {
  return `${+(loss * 100).toFixed(3)}%`;
}

export function speedupCell(s: SummaryRow | undefined): string {
  if (s === undefined) return '—';
  if (s.speedup === null) return 'n/a';
  return withInterval(s.speedup, s.speedupLow, s.speedupHigh, 2);
}

export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(2)}%`;
}

/** A titled section of report.md: its heading, what it shows, its body; nothing when the body is empty unless `always`. */
export function section(heading: string, intro: string, body: string | null | undefined, always = false): string[] {
  if (!body && !always) return [];
  return [heading, '', ...(intro ? [intro, ''] : []), body ?? '', ''];
}
