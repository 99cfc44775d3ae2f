// The one argument parser of xkbench, xkbench-report and xkbench-fuzz, on node:util parseArgs:
// `--flag value` and `--flag=value`, a flag given twice refused, an unknown flag named with the
// closest known one, `-h`/`--help` and `--version` answered whatever else is on the line, and
// help grouped and wrapped to the terminal. Domain checks stay with each command.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageVersion } from './version.js';

export class OptionError extends Error {
  override name = 'OptionError';
}

export interface FlagSpec<T = unknown> {
  group: string;
  /** What the value looks like (N, a,b, T); absent for a switch. */
  value?: string;
  help: string;
  /**
   * The default as help shows it. With `parsed` (below) it is the very text the flag's parser reads
   * when the flag is absent (ParsedArgs.textOrDefault), so the help cannot say one default and the
   * code use another.
   */
  default?: string;
  /** Whether `default` is a value the flag could be given (read by textOrDefault), not a description. */
  parsed?: boolean;
  /** What the default comes to on this machine: --help adds it, the generated reference (the same on every machine) does not. */
  here?: () => string;
  /** How the flag's text (or its `parsed` default) becomes its value; throws an OptionError naming the flag (bench/flag-parsers.ts). */
  parse?: (text: string, flag: string) => T;
}

/** The value a flag's declared parser makes. */
export type FlagValue<S> = S extends { parse: (text: string, flag: string) => infer T } ? T : never;

/** A command line read through the parsers its flags declare, typed by the declarations. */
export interface FlagReader<F> {
  /** The flag's value: the text given, or else its declared default, through its declared parser. */
  value<K extends keyof F & string>(flag: K): FlagValue<F[K]>;
  /** The value given, through the declared parser; undefined when the flag is absent. */
  given<K extends keyof F & string>(flag: K): FlagValue<F[K]> | undefined;
}

/** Reads `args` with the parsers `flags` declares (the defaults come from args.textOrDefault, so a command may substitute its own). */
export function flagReader<F extends Record<string, FlagSpec>>(flags: F, args: ParsedArgs): FlagReader<F> {
  const parser = (flag: string): ((text: string, flag: string) => unknown) => {
    const parse = flags[flag]?.parse;
    if (parse === undefined) throw new Error(`${flag} declares no parser`);
    return parse;
  };
  return {
    value: (flag) => parser(flag)(args.textOrDefault(flag), flag) as never,
    given: (flag) => {
      const text = args.text(flag);
      return text === undefined ? undefined : (parser(flag)(text, flag) as never);
    },
  };
}

export interface CommandSpec {
  /** The installed command's name (xkbench). */
  name: string;
  /** The same through npm (npm run bench --). */
  npm: string;
  /** Positional arguments as the usage line shows them ('' for none). */
  operands: string;
  /** The positionals' help, shown first. */
  operandHelp?: [string, string][];
  /** Allowed number of positionals. */
  positionals: number;
  /** Other commands the program answers (`xkbench ab REF`), shown after the usage line. */
  subcommands?: [string, string][];
  flags: Record<string, FlagSpec>;
}

/** The flags every command has (they end each help text). */
export const HELP_FLAGS: Record<string, FlagSpec> = {
  '--help': { group: 'Help', help: 'this text, then exit 0, whatever else is given' },
  '--version': { group: 'Help', help: 'the version, then exit 0' },
};

export interface ParsedArgs {
  given: Map<string, string | true>;
  positionals: string[];
  /** The value of a flag that takes one, if given. */
  text(flag: string): string | undefined;
  /** The text given to `flag`, or its declared default (a flag declared `parsed`; throws for one that is not). */
  textOrDefault(flag: string): string;
  has(flag: string): boolean;
}

/** What -h/--help or --version asks for, whatever else is on the line (before a `--`); null for neither. */
export function helpOrVersion(spec: CommandSpec, argv: readonly string[]): string | null {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  if (args.includes('-h') || args.includes('--help')) return usage(spec);
  if (args.includes('--version')) return `${spec.name} ${packageVersion()} (Node ${process.version})`;
  return null;
}

/** Parses argv against the command's flags; throws OptionError, one line, on anything wrong. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags = { ...spec.flags, ...HELP_FLAGS };
  const options = Object.fromEntries(
    Object.entries(flags).map(([flag, f]) => [flag.slice(2), { type: f.value !== undefined ? ('string' as const) : ('boolean' as const) }]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, h: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = new Map<string, string | true>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (positionals.length >= spec.positionals) {
        throw new OptionError(
          spec.positionals === 0
            ? `unexpected argument '${token.value}': flags start with --; see --help`
            : `unexpected argument '${token.value}': ${usageLine(spec)}`,
        );
      }
      positionals.push(token.value);
      continue;
    }
    const flag = token.rawName === '-h' ? '--help' : token.rawName;
    const f = flags[flag];
    if (f === undefined) throw new OptionError(unknownFlag(flag, Object.keys(flags)));
    if (given.has(flag)) throw new OptionError(`${flag} is given twice`);
    if (f.value === undefined) {
      if (token.value !== undefined) throw new OptionError(`${flag} takes no value`);
      given.set(flag, true);
      continue;
    }
    // parseArgs takes the next argument as the value even when it is the next flag.
    const value = token.value;
    if (value === undefined || value.trim() === '' || (!token.inlineValue && value.startsWith('--'))) {
      throw new OptionError(`${flag} needs a value: ${f.help}`);
    }
    given.set(flag, value);
  }
  if (positionals.length < spec.positionals) throw new OptionError(`give ${spec.operands}: ${usageLine(spec)}`);
  return {
    given,
    positionals,
    text: (flag) => {
      const v = given.get(flag);
      return typeof v === 'string' ? v : undefined;
    },
    has: (flag) => given.has(flag),
    textOrDefault: (flag) => {
      const v = given.get(flag);
      return typeof v === 'string' ? v : declaredDefault(flags, flag);
    },
  };
}

/** The default `flags` declares for `flag`, as its parser reads it; throws when it declares none that is parsed. */
export function declaredDefault(flags: Record<string, FlagSpec>, flag: string): string {
  const f = flags[flag];
  if (f?.parsed !== true || f.default === undefined) throw new Error(`${flag} declares no default a parser can read`);
  return f.default;
}

function unknownFlag(flag: string, known: string[]): string {
  const closest = closestFlag(flag, known);
  return closest !== null
    ? `unknown flag ${flag}: did you mean ${closest}? (see --help)`
    : `unknown flag ${flag}: allowed are ${known.join(', ')}`;
}

/** The known flag nearest to a mistyped one (edit distance, or a prefix), or null when none is near. */
export function closestFlag(flag: string, known: readonly string[]): string | null {
  const name = flag.replace(/^-+/, '');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const other = candidate.slice(2);
    const distance = name.length >= 3 && other.startsWith(name) ? 1 : editDistance(name, other);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

function usageLine(spec: CommandSpec): string {
  const operands = spec.operands === '' ? '' : ` ${spec.operands}`;
  return `usage: ${spec.name}${operands} [flags]   (${spec.npm}${operands} [flags])`;
}

/** The help text: flags by group, each with its value, what it does and its default, wrapped to `width`. */
export function usage(spec: CommandSpec, width = terminalWidth()): string {
  const flags = { ...spec.flags, ...HELP_FLAGS };
  const names = Object.entries(flags).map(
    ([flag, f]) => [flag === '--help' ? '-h, --help' : flag + (f.value ? ` ${f.value}` : ''), f] as const,
  );
  const operands = spec.operandHelp ?? [];
  const column = Math.min(30, Math.max(...names.map(([n]) => n.length), ...operands.map(([n]) => n.length)) + 4);
  const entry = (name: string, text: string): string[] => {
    const lines = wrap(text, Math.max(30, width - column));
    const head = `  ${name}`;
    if (head.length + 2 > column) return [head, ...lines.map((line) => ' '.repeat(column) + line)];
    return lines.map((line, i) => (i === 0 ? head.padEnd(column) : ' '.repeat(column)) + line);
  };
  const out = [usageLine(spec)];
  for (const [name, text] of operands) out.push('', ...entry(name, text));
  for (const [name, text] of spec.subcommands ?? []) {
    const head = `       ${spec.name} ${name}: `;
    const lines = wrap(text, Math.max(30, width - head.length));
    out.push(...lines.map((line, i) => (i === 0 ? head : ' '.repeat(head.length)) + line));
  }
  const groups = [...new Set(names.map(([, f]) => f.group))];
  for (const group of groups) {
    out.push('', `${group}:`);
    for (const [name, f] of names.filter(([, x]) => x.group === group))
      out.push(...entry(name, f.default !== undefined ? `${f.help} (default: ${f.default}${f.here ? `: here ${f.here()}` : ''})` : f.help));
  }
  return out.join('\n');
}

function terminalWidth(): number {
  return process.stdout.isTTY ? Math.max(60, process.stdout.columns ?? 80) : 80;
}

/** Words into lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * The start every command shares: prints help or the version (exit 0), or parses the line and
 * reads it with `read` (the command's own checks); a bad line is one message on stderr and exit 2.
 * Returns what `read` made, or the exit code.
 */
export function startCommand<T>(spec: CommandSpec, argv: readonly string[], read: (args: ParsedArgs) => T): T | number {
  const early = helpOrVersion(spec, argv);
  if (early !== null) {
    console.log(early);
    return 0;
  }
  try {
    return read(parseCommandLine(spec, argv));
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`${spec.name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** Whether the module at `moduleUrl` is the program Node started (not imported, as the reference generator imports it). */
export function runsAsProgram(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}
