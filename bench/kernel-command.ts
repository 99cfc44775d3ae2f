// `xkbench kernel` (npm run bench:kernel): our tcp/ip/eth against the Linux kernel, and the kernel
// against itself, over the same TAP bridge, in namespaces made for the run and removed however it
// ends (kernel/netns.ts). Each round measures ours → Linux, Linux → ours, Linux → Linux and the
// bridge alone once, in a random order; the figures are means with 90% intervals over the rounds,
// and the ratios of ours to Linux's are paired by round (geometric mean of the rounds' ratios).
// Written whole into the run's folder: kernel.json, kernel.csv and report.md.

import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CommandSpec, type FlagSpec, OptionError, type ParsedArgs, flagReader, startCommand } from './args.js';
import { text, wholeNumber } from './flag-parsers.js';
import { EXIT, exitForSignal } from './exit-codes.js';
import { gitCommit, packageVersion } from './version.js';
import { type KernelBenchTask, type KernelSample, TRANSFERS, type Transfer } from '../kernel/kernel-bench-task.js';
import { Namespace, kernelPeerProblem, sweepStale } from '../kernel/netns.js';
import { prepareOutputFolder, timestampFolder, toCsv, writeAtomic } from '../results/output.js';
import { table, withInterval } from '../results/markdown.js';
import { type RatioEstimate, pairedRatio } from '../results/paired.js';
import { type Summary, summarize } from '../results/stats.js';

const BENCH_SCRIPT = fileURLToPath(new URL('../kernel/kernel-bench.js', import.meta.url));
const OUTPUT = 'Output';
const MEASUREMENT = 'Measurement';

const KERNEL_FLAGS = {
  '--runs': {
    group: MEASUREMENT,
    value: 'N',
    help:
      'rounds; each measures ours → Linux, Linux → ours, Linux → Linux and the bridge alone once, in a random order ' +
      '(a warm-up round comes first)',
    default: '10',
    parsed: true,
    parse: wholeNumber(2, 1000),
  },
  '--transfer': {
    group: MEASUREMENT,
    value: 'BYTES',
    help: 'bytes per transfer, in 4 KB writes; K and M are 1024-based (16M)',
    default: '16M',
    parsed: true,
    parse: transferBytes,
  },
  '--seed': {
    group: MEASUREMENT,
    value: 'S',
    help: "seed of the rounds' orders and of the bytes sent",
    default: '1',
    parsed: true,
    parse: wholeNumber(0, 0xffff_ffff),
  },
  '--out': {
    group: OUTPUT,
    value: 'DIR',
    help: 'folder for kernel.json, kernel.csv and report.md',
    default: 'results/<timestamp>-kernel/',
    parse: text,
  },
  '--json': { group: OUTPUT, help: 'print kernel.json on stdout instead of the table' },
  '--quiet': { group: OUTPUT, help: 'no progress lines' },
} satisfies Record<string, FlagSpec>;

export const KERNEL_COMMAND: CommandSpec = {
  name: 'xkbench kernel',
  npm: 'npm run bench:kernel --',
  operands: '',
  positionals: 0,
  flags: KERNEL_FLAGS,
};

interface KernelOptions {
  rounds: number;
  bytes: number;
  seed: number;
  out: string | null;
  json: boolean;
  quiet: boolean;
}

/** 16M, 512K, 1048576: bytes (K and M 1024-based), from 64 KiB to 1 GiB. */
function transferBytes(text: string, flag: string): number {
  const m = /^(\d+)([KkMm]?)$/.exec(text);
  const bytes = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toUpperCase() === 'K' ? 1024 : 1 << 20);
  if (!(bytes >= 64 << 10 && bytes <= 1 << 30)) throw new OptionError(`${flag} ${text}: give bytes from 64K to 1024M (such as 16M)`);
  return bytes;
}

function readOptions(args: ParsedArgs): KernelOptions {
  const flags = flagReader(KERNEL_FLAGS, args);
  return {
    rounds: flags.value('--runs'),
    bytes: flags.value('--transfer'),
    seed: flags.value('--seed'),
    out: flags.given('--out') ?? null,
    json: args.has('--json'),
    quiet: args.has('--quiet'),
  };
}

const LABELS: Record<Transfer, string> = {
  'ours-to-linux': 'ours → Linux',
  'linux-to-ours': 'Linux → ours',
  'linux-to-linux': 'Linux → Linux',
  bridge: 'the bridge alone (echo)',
};

export interface KernelRow {
  transfer: Transfer;
  label: string;
  summary: Summary;
}

export interface KernelRatio {
  name: string;
  estimate: RatioEstimate;
}

/** Means per transfer, and ours ÷ Linux's and each ÷ the bridge's, paired by round. */
export function analyse(samples: readonly KernelSample[]): { rows: KernelRow[]; ratios: KernelRatio[] } {
  const byRound = (t: Transfer) =>
    samples
      .filter((s) => s.transfer === t)
      .sort((a, b) => a.round - b.round)
      .map((s) => s.mbits);
  const rows = TRANSFERS.map((t) => ({ transfer: t, label: LABELS[t], summary: summarize(byRound(t)) }));
  const linux = byRound('linux-to-linux');
  const bridge = byRound('bridge');
  const ratios: KernelRatio[] = [
    { name: 'ours → Linux ÷ Linux → Linux', estimate: pairedRatio(linux, byRound('ours-to-linux')) },
    { name: 'Linux → ours ÷ Linux → Linux', estimate: pairedRatio(linux, byRound('linux-to-ours')) },
    { name: 'ours → Linux ÷ the bridge alone', estimate: pairedRatio(bridge, byRound('ours-to-linux')) },
    { name: 'Linux → ours ÷ the bridge alone', estimate: pairedRatio(bridge, byRound('linux-to-ours')) },
    { name: 'Linux → Linux ÷ the bridge alone', estimate: pairedRatio(bridge, linux) },
  ];
  return { rows, ratios };
}

const BRIDGE_NOTE =
  'The bridge, not either stack, may bound these figures. Every frame crosses user space: a socat process carries it ' +
  "between the kernel's TAP device and a UDP socket on the namespace's loopback, and this Node process (our stack, or " +
  'the relay between two kernels) takes and sends each one. Linux → Linux crosses two such bridges and the relay, as ' +
  'ours → Linux crosses one bridge and our stack. The bridge alone is the same path with no stack at either end: full ' +
  'frames sent into a TAP device whose ingress tc turns straight back out (mirred), counted at 1460 data bytes a frame. ' +
  'A transfer near that figure is bounded by the bridge, and its ratio to Linux says little about the stacks.';

/** The report's first line: our stack against Linux's each way, and which transfers the bridge bounds (within 10% of it). */
export function kernelFinding(ratios: readonly KernelRatio[]): string {
  const of = (name: string) => ratios.find((r) => r.name === name)?.estimate;
  const text = (e: RatioEstimate | undefined) =>
    e === undefined
      ? 'n/a'
      : `${e.ratio.toFixed(2)}×${e.low !== null && e.high !== null ? ` (${e.low.toFixed(2)}–${e.high.toFixed(2)})` : ''}`;
  const bounded = ratios
    .filter((r) => r.name.endsWith('÷ the bridge alone') && r.estimate.ratio >= 0.9)
    .map((r) => r.name.replace(' ÷ the bridge alone', ''));
  return (
    `Ours → Linux carries ${text(of('ours → Linux ÷ Linux → Linux'))} Linux → Linux's Mbit/s, and Linux → ours ` +
    `${text(of('Linux → ours ÷ Linux → Linux'))}; ` +
    (bounded.length > 0
      ? `${bounded.join(' and ')} came within 10% of the bridge alone, which bounds ${bounded.length > 1 ? 'them' : 'it'}.`
      : 'every transfer stayed more than 10% below the bridge alone.')
  );
}

export function renderReport(rows: readonly KernelRow[], ratios: readonly KernelRatio[], meta: { rounds: number; bytes: number }): string {
  const out = [
    '# Our stack against the Linux kernel',
    '',
    kernelFinding(ratios),
    '',
    `${meta.rounds} rounds of ${(meta.bytes / (1 << 20)).toFixed(0)} MiB transfers in 4 KB writes, tcp/ip/eth against the kernel's TCP ` +
      'over a TAP device; Mbit/s of data at the receiver, first byte to last; means with 90% intervals over the rounds.',
    '',
    table(
      ['transfer', 'Mbit/s', 'runs'],
      rows.map((r) => [r.label, withInterval(r.summary.mean, r.summary.low, r.summary.high, 0), String(r.summary.n)]),
    ),
    '',
    'Ratios, paired by round (geometric mean of the rounds’ ratios, 90% interval):',
    '',
    table(
      ['ratio', 'value'],
      ratios.map((r) => [r.name, withInterval(r.estimate.ratio, r.estimate.low, r.estimate.high, 2)]),
    ),
    '',
    BRIDGE_NOTE,
    '',
  ];
  return out.join('\n');
}

/** Runs the measurements in the namespaces; answers the samples, or null when stopped by a signal. */
function runInNamespaces(task: Omit<KernelBenchTask, 'secondNamespace'>, quiet: boolean, stopped: () => boolean): Promise<KernelSample[]> {
  const main = Namespace.create('kernel');
  const second = Namespace.create('second');
  const full: KernelBenchTask = { ...task, secondNamespace: second.name };
  const child = spawn('ip', ['netns', 'exec', main.name, process.execPath, BENCH_SCRIPT, JSON.stringify(full)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const samples: KernelSample[] = [];
  let stderr = '';
  let pending = '';
  let done = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (t: string) => {
    pending += t;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = JSON.parse(pending.slice(0, nl)) as KernelSample | { event: 'done' };
      pending = pending.slice(nl + 1);
      if (line.event === 'done') done = true;
      else {
        if (line.round > 0) samples.push(line);
        const round = line.round === 0 ? 'warm-up' : `round ${line.round}/${task.rounds}`;
        if (!quiet) process.stderr.write(`${round}: ${LABELS[line.transfer]} ${line.mbits.toFixed(0)} Mbit/s\n`);
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      main.remove();
      second.remove();
      if (stopped()) reject(new Error('stopped'));
      else if (done && code === 0) resolve(samples);
      else reject(new Error(`the measurements failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

export async function kernelMain(argv: readonly string[]): Promise<number> {
  const options = startCommand(KERNEL_COMMAND, argv, readOptions);
  if (typeof options === 'number') return options;
  const started = new Date();
  const out = options.out ?? path.join('results', `${timestampFolder(started)}-kernel`);
  try {
    prepareOutputFolder(out);
  } catch (err) {
    console.error(`xkbench kernel: --out ${out} is not a writable folder: ${(err as Error).message}`);
    return EXIT.badInput;
  }
  const problem = kernelPeerProblem();
  if (problem !== null) {
    console.error(`xkbench kernel: ${problem}`);
    return EXIT.failed;
  }
  sweepStale();
  let signal: NodeJS.Signals | null = null;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => (signal ??= s));
  let samples: KernelSample[];
  try {
    samples = await runInNamespaces(
      { rounds: options.rounds, bytes: options.bytes, seed: options.seed, echoMs: 400, limitMs: 120_000 },
      options.quiet || options.json,
      () => signal !== null,
    );
  } catch (err) {
    if (signal !== null) {
      console.error(`xkbench kernel: stopped by ${signal}; nothing written, no namespace left`);
      return exitForSignal(signal);
    }
    console.error(`xkbench kernel: ${(err as Error).message}`);
    return EXIT.failed;
  }
  const { rows, ratios } = analyse(samples);
  const report = renderReport(rows, ratios, { rounds: options.rounds, bytes: options.bytes });
  const results = {
    tool: 'xkbench kernel',
    version: packageVersion(),
    commit: gitCommit(),
    node: process.version,
    kernel: os.release(),
    cpus: os.cpus().length,
    timestamp: started.toISOString(),
    command: ['xkbench', 'kernel', ...argv].join(' '),
    config: { runs: options.rounds, transferBytes: options.bytes, writeBytes: 4096, seed: options.seed, stack: 'tcp/ip/eth' },
    rows: rows.map((r) => ({ transfer: r.transfer, label: r.label, ...r.summary })),
    ratios: ratios.map((r) => ({ name: r.name, ...r.estimate })),
    note: BRIDGE_NOTE,
    samples,
  };
  writeAtomic(path.join(out, 'kernel.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(path.join(out, 'kernel.csv'), toCsv(samples, ['round', 'transfer', 'mbits', 'bytes', 'seconds', 'retransmits']));
  writeAtomic(path.join(out, 'report.md'), report);
  if (options.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`${report}\nwritten: ${path.join(out, 'kernel.json')}, kernel.csv, report.md`);
  return EXIT.ok;
}
