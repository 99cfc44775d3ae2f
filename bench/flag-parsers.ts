// The parsers flags declare (FlagSpec.parse): each turns a flag's text into its value or throws an
// OptionError, one line, naming the flag, what was given and what is allowed. A declaration says
// `parse: wholeNumber(1, 1000)` and so states its range once, for the parser and the reader alike.

import { OptionError } from './args.js';

type Parser<T> = (text: string, flag: string) => T;

/** The comma-separated items of a list, blanks dropped. */
export function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `values`, refused when one is named twice. */
export function unique<T>(flag: string, values: T[]): T[] {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) throw new OptionError(`${flag} names '${String(v)}' twice`);
    seen.add(v);
  }
  return values;
}

/** A whole number from `min` to `max` given to `flag` (every command's counts, sizes and seeds). */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new OptionError(`${flag} '${text}' is not a whole number: allowed ${min} to ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new OptionError(`${flag} ${value} is out of range: allowed ${min} to ${max}`);
  return value;
}

export function wholeNumber(min: number, max: number): Parser<number> {
  return (text, flag) => parseInteger(flag, text, min, max);
}

/** A comma-separated list of whole numbers, none twice. */
export function wholeNumbers(min: number, max: number): Parser<number[]> {
  return (text, flag) => {
    const values = unique(
      flag,
      list(text).map((v) => parseInteger(flag, v, min, max)),
    );
    if (values.length === 0) throw new OptionError(`${flag} names no value: allowed ${min} to ${max}`);
    return values;
  };
}

/** One of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[], noun: string): Parser<T> {
  return (text, flag) => {
    const item = text.trim();
    if (!allowed.includes(item as T)) throw new OptionError(`${flag} '${item}' is not a ${noun}: allowed are ${allowed.join(', ')}`);
    return item as T;
  };
}

/** A comma-separated list, each item one of `allowed` and none twice. */
export function someOf<T extends string>(allowed: readonly T[], noun: string): Parser<T[]> {
  return (text, flag) => {
    const items = unique(flag, list(text));
    for (const item of items) {
      if (!allowed.includes(item as T)) throw new OptionError(`${flag} '${item}' is not a ${noun}: allowed are ${allowed.join(', ')}`);
    }
    if (items.length === 0) throw new OptionError(`${flag} names no ${noun}: allowed are ${allowed.join(', ')}`);
    return items as T[];
  };
}

/** The text itself (a path, a file). */
export function text(value: string): string {
  return value;
}

/** Parses a duration: a number with ms, s, m or h (a bare number is seconds), in seconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null)
    throw new OptionError(`${flag} '${text}' is not a duration: give a number with ms, s, m or h, such as 500ms, 2s, 1m or 1h`);
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : 1);
}

/** A duration as help and errors write it: 500ms, 2s, 1m, 1h. */
export function seconds(value: number): string {
  if (value < 1) return `${Math.round(value * 1000)}ms`;
  if (value >= 3600 && value % 3600 === 0) return `${value / 3600}h`;
  if (value >= 60 && value % 60 === 0) return `${value / 60}m`;
  return `${value}s`;
}

/**
 * A duration in seconds within bounds: `least` (0 means more than 0) and `most`; `note` ends the
 * error (how to skip, an example).
 */
export function duration(bounds: { least?: number; most?: number; note?: string } = {}): Parser<number> {
  const { least, most, note } = bounds;
  const tail = note === undefined ? '' : ` ${note}`;
  return (text, flag) => {
    const value = parseDuration(flag, text);
    if (least !== undefined && most !== undefined && (value < least || value > most))
      throw new OptionError(`${flag} ${text} is out of range: allowed ${seconds(least)} to ${seconds(most)}${tail}`);
    if (least === 0 && value <= 0) throw new OptionError(`${flag} ${text} is too short: give more than 0${tail}`);
    if (least !== undefined && value < least) throw new OptionError(`${flag} ${text} is too short: at least ${seconds(least)}${tail}`);
    if (most !== undefined && value > most) throw new OptionError(`${flag} ${text} is too long: at most ${seconds(most)}${tail}`);
    return value;
  };
}

/** A percentage as given: 10% or 10 (percent); null when it is not one. */
export function percentage(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  return m === null ? null : Number(m[1]);
}

/** A probability given as a percentage (1% or 1) up to `mostPercent`, as a fraction. */
export function probability(mostPercent: number): Parser<number> {
  return (text, flag) => {
    const p = percentage(text);
    if (p === null || p > mostPercent)
      throw new OptionError(`${flag} '${text}' is not a probability: give 0% to ${mostPercent}%, such as 1% or 0.1%`);
    return p / 100;
  };
}

/** Probabilities, comma-separated to sweep, none twice. */
export function probabilities(mostPercent: number): Parser<number[]> {
  const one = probability(mostPercent);
  return (text, flag) => {
    const values = unique(
      flag,
      list(text).map((v) => one(v, flag)),
    );
    if (values.length === 0) throw new OptionError(`${flag} names no probability: give 0% to ${mostPercent}%, such as 0,1%`);
    return values;
  };
}

/** A precision target: a percentage above 0 and at most 100, such as 5% or 5. */
export const precisionTarget: Parser<number> = (text, flag) => {
  const p = percentage(text);
  if (p === null || !(p > 0) || p > 100)
    throw new OptionError(`${flag} '${text}' is not a precision target: give a percentage above 0% and at most 100%, such as 5%`);
  return p;
};

/** A threshold: a percentage such as 10% or 10 (percent), 0 to 1000. */
export const threshold: Parser<number> = (text, flag) => {
  const p = percentage(text);
  if (p === null || p > 1000) throw new OptionError(`${flag} '${text}' is not a percentage: give 0% to 1000%, such as 10%`);
  return p;
};
