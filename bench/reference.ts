// The command-line reference, generated from the commands' flag tables so that it cannot drift:
// docs/cli.md, the man page docs/xkbench.1, and the README's exit-code table (between its
// "generated" markers). `npm run docs` writes them; test/docs.test.ts fails when one is stale.

import { AB } from './ab.js';
import { type CommandSpec, type FlagSpec, HELP_FLAGS } from './args.js';
import { EXIT_MEANINGS } from './exit-codes.js';
import { FUZZ } from './fuzz-options.js';
import { KERNEL_COMMAND } from './kernel-command.js';
import { REPORT, XKBENCH } from './options.js';
import { PLP_COST } from './plp-cost.js';
import { CONNECTION_MEMORY } from './connection-memory.js';
import { packageVersion } from './version.js';

/** Every command the package installs, in the reference's order, with what it is for. */
export const COMMANDS: readonly { spec: CommandSpec; about: string }[] = [
  {
    spec: XKBENCH,
    about:
      'Runs the benchmark: the stacks, sides, modes and worker counts asked for, in interleaved slices; prints the tables and ' +
      'findings and writes the run folder.',
  },
  {
    spec: AB,
    about:
      'Measures this code against another commit, the two taking turns in slices on every configuration of a profile; ' +
      'exit 3 on a regression.',
  },
  {
    spec: KERNEL_COMMAND,
    about:
      "Measures our tcp/ip/eth against the Linux kernel's TCP over a TAP device inside network namespaces " +
      '(needs root, socat and iproute2).',
  },
  {
    spec: PLP_COST,
    about:
      'Measures what packet-level parallelism costs at one worker, where no thread contends, item by item: ' +
      "PLP's driver protocol, shared memory and the uncontended lock, each against the one-owner path.",
  },
  {
    spec: CONNECTION_MEMORY,
    about:
      'Measures what a connection costs in memory, both ends: the resident set a thread of N connections adds, established ' +
      'and idle, and busy at a turn’s end, each stack and side in a process of its own.',
  },
  { spec: REPORT, about: 'Rebuilds report.md, report.html and charts/ of a run folder from its results.json, without running anything.' },
  {
    spec: FUZZ,
    about: "Feeds hostile frames to every stack's receive path; exit 1 when a frame escapes the data path or is not accounted for once.",
  },
];

/** The files the generator writes, relative to the package root. */
export const GENERATED = { cli: 'docs/cli.md', man: 'docs/xkbench.1', readme: 'README.md' } as const;

const NOTE = "Generated from the flag tables (`bench/flags.ts` and each command's) by `npm run docs`; do not edit by hand.";

function flagsOf(spec: CommandSpec): [string, FlagSpec][] {
  return Object.entries({ ...spec.flags, ...HELP_FLAGS });
}

function groupsOf(spec: CommandSpec): string[] {
  return [...new Set(flagsOf(spec).map(([, f]) => f.group))];
}

function anchor(spec: CommandSpec): string {
  return spec.name
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** Markdown table cell: no pipe or line break may end the cell early. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function flagName(flag: string, f: FlagSpec): string {
  return flag === '--help' ? '`-h`, `--help`' : `\`${flag}${f.value !== undefined ? ` ${f.value}` : ''}\``;
}

/** The exit codes as a markdown table (docs/cli.md and the README). */
export function exitCodesTable(): string {
  return ['| code | meaning |', '|---:|---|', ...EXIT_MEANINGS.map(([code, meaning]) => `| ${code} | ${cell(meaning)} |`)].join('\n');
}

/** docs/cli.md. */
export function cliMarkdown(): string {
  const out = [
    '# Command-line reference',
    '',
    `<!-- ${NOTE} -->`,
    '',
    'Every command reads its flags the same way: `--flag value` or `--flag=value`; a flag given twice, an unknown flag ' +
      '(named with the closest one) or a bad value is one line on stderr and exit 2, before any work; `-h`/`--help` and ' +
      '`--version` answer and exit 0 whatever else is on the line. Durations (T) take `ms`, `s`, `m` or `h` (a bare ' +
      'number is seconds); percentages (P) are written with `%`, such as `5%`.',
    '',
    ...COMMANDS.map(({ spec }) => `- [\`${spec.name}\`](#${anchor(spec)}) (\`${spec.npm}\`)`),
    '- [Exit codes](#exit-codes)',
  ];
  for (const { spec, about } of COMMANDS) {
    const operands = spec.operands === '' ? '' : ` ${spec.operands}`;
    out.push('', `## ${spec.name}`, '', about, '', '```', `${spec.name}${operands} [flags]`, `${spec.npm}${operands} [flags]`, '```');
    for (const [name, text] of spec.operandHelp ?? []) out.push('', `\`${name}\`: ${text}`);
    if (spec.subcommands !== undefined) {
      out.push('', 'Also:', '');
      for (const [name, text] of spec.subcommands) out.push(`- \`${spec.name} ${name}\`: ${text}`);
    }
    for (const group of groupsOf(spec)) {
      out.push('', `### ${group}`, '', '| flag | default | what it does |', '|---|---|---|');
      for (const [flag, f] of flagsOf(spec).filter(([, x]) => x.group === group))
        out.push(`| ${flagName(flag, f)} | ${cell(f.default ?? '')} | ${cell(f.help)} |`);
    }
  }
  out.push('', '## Exit codes', '', 'Every command, and `.ci/run`, exits with one of these:', '', exitCodesTable(), '');
  return out.join('\n');
}

/**
 * Text for roff: backslashes escaped, hyphens made minus signs, code in bold, no line starting
 * with a control character, other than ASCII as \[uXXXX].
 */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/`([^`]*)`/g, '\\fB$1\\fR')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

function manFlags(spec: CommandSpec, out: string[], heading: (group: string) => string): void {
  for (const group of groupsOf(spec)) {
    out.push(heading(group));
    for (const [flag, f] of flagsOf(spec).filter(([, x]) => x.group === group)) {
      const name =
        flag === '--help'
          ? '\\fB\\-h\\fR, \\fB\\-\\-help\\fR'
          : `\\fB${roff(flag)}\\fR${f.value !== undefined ? ` \\fI${roff(f.value)}\\fR` : ''}`;
      out.push('.TP', name, roff(f.default !== undefined ? `${f.help} (default: ${f.default})` : f.help));
    }
  }
}

/** docs/xkbench.1: every command's flags, the exit codes, the files a run writes. */
export function manPage(): string {
  const [main, ...others] = COMMANDS;
  const out = [
    `.\\" ${NOTE}`,
    `.TH XKBENCH 1 "" "xkbench ${packageVersion()}" "User Commands"`,
    '.SH NAME',
    'xkbench \\- benchmark of parallel protocol stacks (TCP/IP, MD5, DES, 3DES, IPsec) under packet- and connection-level parallelism',
    '.SH SYNOPSIS',
    ...COMMANDS.flatMap(({ spec }) => ['.B', `${spec.name}${spec.operands === '' ? '' : ` ${spec.operands}`} [flags]`, '.br']),
    '.SH DESCRIPTION',
    roff(main!.about),
    'An x\\-kernel\\-style protocol stack runs over in\\-memory drivers on worker threads; see the README and docs/ for the method.',
    '.SH OPTIONS',
  ];
  manFlags(main!.spec, out, (group) => `.SS ${roff(group)}`);
  for (const { spec, about } of others) {
    out.push(
      `.SH ${roff(spec.name.toUpperCase())}`,
      '.B',
      `${spec.name}${spec.operands === '' ? '' : ` ${spec.operands}`} [flags]`,
      '.PP',
      roff(about),
    );
    for (const [name, text] of spec.operandHelp ?? []) out.push('.TP', `\\fI${roff(name)}\\fR`, roff(text));
    manFlags(spec, out, (group) => `.SS ${roff(`${spec.name}: ${group}`)}`);
  }
  out.push('.SH EXIT STATUS');
  for (const [code, meaning] of EXIT_MEANINGS) out.push('.TP', `\\fB${code}\\fR`, roff(meaning));
  out.push(
    '.SH FILES',
    '.TP',
    '\\fIresults/<timestamp>/\\fR',
    roff('a run folder (or --out): results.csv, results.json (its JSON Schema: docs/results.schema.json), report.md, report.html, charts/'),
    '.SH SEE ALSO',
    roff('docs/cli.md, docs/methodology.md, docs/results.md in the package; node(1)'),
    '',
  );
  return out.join('\n');
}

const BEGIN = (name: string) => `<!-- BEGIN generated:${name} (npm run docs) -->`;
const END = (name: string) => `<!-- END generated:${name} -->`;

/** `text` with each generated block (between its BEGIN and END markers) filled in; throws when a marker is missing. */
export function fillGeneratedBlocks(text: string, blocks: Record<string, string>): string {
  let out = text;
  for (const [name, content] of Object.entries(blocks)) {
    const start = out.indexOf(BEGIN(name));
    const end = out.indexOf(END(name));
    if (start < 0 || end < start) throw new Error(`no "${BEGIN(name)}" … "${END(name)}" markers`);
    out = `${out.slice(0, start + BEGIN(name).length)}\n${content}\n${out.slice(end)}`;
  }
  return out;
}

/** The README's generated blocks. */
export function readmeBlocks(): Record<string, string> {
  return { 'exit-codes': exitCodesTable() };
}
