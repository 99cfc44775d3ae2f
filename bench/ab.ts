// `xkbench ab REF`: this code against another commit's, on this machine, now. REF is built in a
// git worktree (or given as a built checkout's folder); both run every configuration of the
// profile in interleaved slices, this code's and REF's taking turns in random order each round, so
// the machine's drift falls on both. For each configuration: new ÷ old, the geometric mean of the
// rounds' ratios with its 90% interval from the runs (paired t), and the paired t test's p-value,
// Holm-adjusted over the configurations. Exit 3 when a configuration is slower beyond --threshold
// with its whole interval beyond it.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CommandSpec, type FlagSpec, OptionError, type ParsedArgs, declaredDefault, startCommand } from './args.js';
import { threshold } from './flag-parsers.js';
import { EXIT } from './exit-codes.js';
import type { BenchConfig } from './config.js';
import { FLAG_TABLE } from './flags.js';
import { configFrom } from './options.js';
import { type Configuration, configFields, configurations } from './plan.js';
import { type GroupOutcome, MAX_RUNS, type Member, lastRun, measureInterleaved, openRun, sliceMs } from './interleaved.js';
import { ParallelEngine, SLICED_PROTOCOL } from '../parallel/engine.js';
import { SingleSession } from './single-session.js';
import { pairedFromSeries } from '../results/paired-ratios.js';
import { type RatioEstimate, halfWidthPercent, holmAdjusted, ratioPValue } from '../results/paired.js';
import { configKey, round } from '../results/rows.js';
import { table, withInterval } from '../results/markdown.js';
import { rowLabel } from '../results/compare.js';
import { writeAtomic, prepareOutputFolder } from '../results/output.js';
import { gitCommit, packageRoot } from './version.js';
import { isGatewaySpec } from '../stacks/spec.js';

const AB_FLAGS = Object.fromEntries(
  [
    '--stacks',
    '--side',
    '--mode',
    '--packet-size',
    '--crypto',
    '--workers',
    '--connections',
    '--clp',
    '--tcp-lock-scope',
    '--lock',
    '--profile',
    '--warmup',
    '--warmup-cpu',
    '--duration',
    '--runs',
    '--target-ci',
    '--budget',
    '--slice',
    '--seed',
    '--json',
    '--quiet',
    '--out',
  ].map((f) => [f, FLAG_TABLE[f]!]),
);
/** ab's own threshold: a smaller default than xkbench --compare's, since both sides ran in one sitting. */
const AB_THRESHOLD = {
  group: 'Comparison',
  value: 'P',
  help: 'a configuration is a regression when new ÷ old is below 1 − P with its whole 90% interval below it (exit 3)',
  default: '5%',
  parsed: true,
  parse: threshold,
} satisfies FlagSpec<number>;
AB_FLAGS['--profile'] = { ...FLAG_TABLE['--profile']!, default: 'ci' };
AB_FLAGS['--threshold'] = AB_THRESHOLD;
AB_FLAGS['--out'] = { ...FLAG_TABLE['--out']!, help: 'write ab.json and ab.md into this folder', default: 'none' };

export const AB: CommandSpec = {
  name: 'xkbench ab',
  npm: 'npm run ab --',
  operands: 'REF',
  operandHelp: [
    [
      'REF',
      'a commit (anything git names: HEAD~1, a tag, a hash) built in a temporary git worktree, or the ' +
        'folder of a built checkout; this code is "new", REF "old"',
    ],
  ],
  positionals: 1,
  flags: AB_FLAGS,
};

/** ab's first line: how many configurations got each verdict, and the largest change with its interval. */
export function abFinding(rows: readonly AbRow[], thresholdPercent: number): string {
  if (rows.length === 0) return 'No configuration was measured.';
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  const order: AbRow['verdict'][] = [
    'regression',
    'improvement',
    'slower, within the threshold',
    'faster, within the threshold',
    'no significant change',
  ];
  const verdicts = order.filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${v}`);
  const largest = [...rows].sort((a, b) => Math.abs(b.changePercent) - Math.abs(a.changePercent))[0]!;
  const interval = largest.low !== null && largest.high !== null ? ` (${largest.low.toFixed(3)}–${largest.high.toFixed(3)})` : '';
  return (
    `Of ${rows.length} configurations (threshold ${thresholdPercent}%): ${verdicts.join(', ')}. The largest change: ` +
    `${largest.configuration} ${largest.changePercent >= 0 ? '+' : ''}${largest.changePercent.toFixed(1)}%, new ÷ old ` +
    `${largest.ratio.toFixed(3)}${interval}.`
  );
}

interface AbOptions {
  ref: string;
  config: BenchConfig;
  thresholdPercent: number;
}

export interface AbRow {
  configuration: string;
  key: string;
  /** new ÷ old, the geometric mean of the rounds' ratios, with its 90% interval. */
  ratio: number;
  low: number | null;
  high: number | null;
  changePercent: number;
  pairs: number;
  method: string;
  /** The paired t test of ratio 1 (two-sided, as the interval), and Holm-adjusted over the configurations. */
  p: number;
  pHolm: number;
  significant: boolean;
  verdict: 'regression' | 'improvement' | 'slower, within the threshold' | 'faster, within the threshold' | 'no significant change';
}

function readAbOptions(args: ParsedArgs): AbOptions {
  // The benchmark flags mean what they mean for xkbench (ab's profile defaults to ci, in AB_FLAGS); --threshold is ab's own.
  const benchArgs: ParsedArgs = {
    ...args,
    text: (flag) => (flag === '--threshold' ? undefined : args.text(flag)),
    // A flag ab does not take keeps xkbench's default.
    textOrDefault: (flag) => (flag in AB_FLAGS && flag !== '--threshold' ? args.textOrDefault(flag) : declaredDefault(FLAG_TABLE, flag)),
  };
  const config = configFrom(benchArgs);
  const gateway = config.stacks.find(isGatewaySpec);
  if (gateway !== undefined)
    throw new OptionError(
      `--stacks ${gateway}: ab compares stacks measured in slices; gateway stacks run whole windows (compare them with --compare)`,
    );
  return { ref: args.positionals[0]!, config, thresholdPercent: AB_THRESHOLD.parse(args.textOrDefault('--threshold'), '--threshold') };
}

/** A built checkout of REF: the folder itself when REF is one, else a worktree built now (removed by cleanup). */
function checkoutOf(ref: string, quiet: boolean): { dir: string; commit: string | null; cleanup: () => void } {
  if (fs.existsSync(ref) && fs.statSync(ref).isDirectory()) {
    if (!fs.existsSync(path.join(ref, 'dist', 'parallel', 'engine.js')))
      throw new OptionError(`${ref}: not a built xkbench checkout (no dist/parallel/engine.js): run npm ci there, or give a commit`);
    return { dir: path.resolve(ref), commit: null, cleanup: () => {} };
  }
  const root = packageRoot;
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    throw new OptionError(`'${ref}' is neither a commit of ${root} nor a built checkout's folder`);
  }
  // Refused before anything is built: the commit's engine must measure as this code does.
  let source = '';
  try {
    source = execFileSync('git', ['show', `${commit}:parallel/engine.ts`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    /* no engine there at all */
  }
  const theirs = /export const SLICED_PROTOCOL = (\d+);/.exec(source)?.[1];
  if (Number(theirs) !== SLICED_PROTOCOL) throw new OptionError(protocolMismatch(ref, theirs === undefined ? undefined : Number(theirs)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xkbench-ab-${commit.slice(0, 12)}-`));
  const cleanup = () => {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' });
    } catch {
      /* not a worktree yet */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const say = (text: string) => quiet || console.error(`xkbench ab: ${text}`);
    say(`building ${commit.slice(0, 12)} in ${dir}`);
    execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, commit], { cwd: root, stdio: 'ignore' });
    const sameLock =
      fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8') === fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8');
    // The same dependencies: ours serve; other ones are installed for REF alone.
    if (sameLock && fs.existsSync(path.join(root, 'node_modules')))
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    else
      execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    execFileSync(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (err) {
    cleanup();
    throw new Error(`building ${ref} (${commit.slice(0, 12)}) failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return { dir, commit, cleanup };
}

function protocolMismatch(ref: string, theirs: number | undefined): string {
  return (
    `${ref} predates this interleaved measurement ` +
    `(${theirs === undefined ? 'none' : `protocol ${theirs}`}, this code protocol ${SLICED_PROTOCOL}): ab ` +
    `compares builds that measure alike; use --compare for older results`
  );
}

/** REF's engine and single-thread session, loaded from its build; refused when REF predates sliced sessions. */
async function loadOld(dir: string, ref: string): Promise<{ engine: ParallelEngine; Single: typeof SingleSession }> {
  const engineFile = path.join(dir, 'dist', 'parallel', 'engine.js');
  const singleFile = path.join(dir, 'dist', 'bench', 'single-session.js');
  const engineModule = (await import(pathToFileURL(engineFile).href)) as {
    ParallelEngine: typeof ParallelEngine;
    SLICED_PROTOCOL?: number;
  };
  if (engineModule.SLICED_PROTOCOL !== SLICED_PROTOCOL || !fs.existsSync(singleFile))
    throw new OptionError(protocolMismatch(ref, engineModule.SLICED_PROTOCOL));
  const engine = new engineModule.ParallelEngine();
  const singleModule = (await import(pathToFileURL(singleFile).href)) as { SingleSession: typeof SingleSession };
  return { engine, Single: singleModule.SingleSession };
}

export async function abMain(argv: readonly string[]): Promise<number> {
  const options = startCommand(AB, argv, readAbOptions);
  if (typeof options === 'number') return options;
  const { config } = options;
  if (config.out !== null) {
    try {
      prepareOutputFolder(config.out);
    } catch (err) {
      console.error(`xkbench ab: --out ${config.out} is not a writable folder: ${(err as Error).message}`);
      return EXIT.badInput;
    }
  }
  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => (stopSignal = signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  let checkout;
  try {
    checkout = checkoutOf(options.ref, config.quiet || config.json);
  } catch (err) {
    console.error(`xkbench ab: ${(err as Error).message}`);
    return err instanceof OptionError ? EXIT.badInput : EXIT.failed;
  }
  const engine = new ParallelEngine();
  let old: Awaited<ReturnType<typeof loadOld>> | null = null;
  try {
    old = await loadOld(checkout.dir, options.ref);
    const rows = await measure(config, engine, old, () => stopSignal !== null);
    if (rows === null) {
      console.error(`xkbench ab: stopped by ${stopSignal}; nothing written`);
      return EXIT.failed;
    }
    return report(rows, options, checkout.commit);
  } catch (err) {
    console.error(`xkbench ab: ${(err as Error).message}`);
    return err instanceof OptionError ? EXIT.badInput : EXIT.failed;
  } finally {
    await engine.close();
    await old?.engine.close();
    checkout.cleanup();
  }
}

/** Every configuration, this code's and REF's in alternation; null when stopped. */
async function measure(
  config: BenchConfig,
  engine: ParallelEngine,
  old: { engine: ParallelEngine; Single: typeof SingleSession },
  stopRequested: () => boolean,
): Promise<AbRow[] | null> {
  const configs = configurations(config);
  const started = performance.now();
  const budget = config.budgetSeconds !== null ? config.budgetSeconds * 1000 : Infinity;
  const measured: { c: Configuration; key: string; estimate: RatioEstimate }[] = [];
  const target = config.targetCiPercent;
  for (const [i, c] of configs.entries()) {
    const key = configKey(configFields(c, config.packetSize));
    const member = (version: 'new' | 'old'): Member => ({
      config: c,
      key: `${key}|${version}`,
      open: (run) =>
        version === 'new'
          ? openRun(c, config, run, engine, SingleSession, stopRequested)
          : openRun(c, config, run, old.engine, old.Single, stopRequested),
    });
    const members = [member('new'), member('old')];
    const ctx = { stopRequested, progress: () => {}, label: () => '', failed: () => {} };
    const outcome = await measureInterleaved(members, [], config, ctx, config.runs);
    // A precision target: more runs while this configuration's share of the budget lasts.
    const allowanceEnd = performance.now() + (started + budget - performance.now()) / (configs.length - i);
    while (
      target !== null &&
      !outcome.stopped &&
      outcome.failures.length === 0 &&
      lastRun(outcome) < MAX_RUNS &&
      widthOf(outcome) > target &&
      performance.now() + (outcome.slices.runSeconds ?? 0) * 1000 <= allowanceEnd
    ) {
      await measureInterleaved(members, [], config, ctx, 1, outcome);
    }
    if (outcome.stopped) return null;
    if (outcome.failures.length > 0) throw new Error(`${outcome.failures[0]!.stack}: ${outcome.failures[0]!.error}`);
    const [fresh, before] = outcome.slices.series;
    const estimate = pairedFromSeries(before!, fresh!, outcome.slices.runOfRound);
    if (estimate === null) throw new Error(`${key}: no slice of both versions was measured`);
    measured.push({ c, key, estimate });
  }
  const p = measured.map((m) => ratioPValue(m.estimate));
  const holm = holmAdjusted(p);
  return measured.map((m, i) => {
    const e = m.estimate;
    return {
      configuration: rowLabel({ ...configFields(m.c, config.packetSize) }),
      key: m.key,
      ratio: round(e.ratio),
      low: e.low === null ? null : round(e.low),
      high: e.high === null ? null : round(e.high),
      changePercent: round((e.ratio - 1) * 100),
      pairs: e.pairs,
      method: e.method,
      p: round(p[i]!),
      pHolm: round(holm[i]!),
      significant: holm[i]! <= SIGNIFICANCE,
      verdict: 'no significant change',
    };
  });
}

/** new ÷ old's 90% half-width in percent (Infinity without an interval). */
function widthOf(outcome: GroupOutcome): number {
  const [fresh, before] = outcome.slices.series;
  const e = pairedFromSeries(before!, fresh!, outcome.slices.runOfRound);
  return (e === null ? null : halfWidthPercent(e)) ?? Infinity;
}

/** Family-wise level of the significance column (Holm over the configurations). */
const SIGNIFICANCE = 0.05;

function report(rows: AbRow[], options: AbOptions, commit: string | null): number {
  const { config, thresholdPercent } = options;
  const limit = thresholdPercent / 100;
  for (const r of rows) {
    if (r.high !== null && r.high < 1 - limit) r.verdict = 'regression';
    else if (r.low !== null && r.low > 1 + limit) r.verdict = 'improvement';
    else if (r.significant) r.verdict = r.ratio < 1 ? 'slower, within the threshold' : 'faster, within the threshold';
  }
  const regressions = rows.filter((r) => r.verdict === 'regression');
  const result = {
    new: gitCommit(),
    old: commit ?? options.ref,
    thresholdPercent,
    significance: `paired t on the runs' mean log ratios, two-sided, Holm-adjusted over ${rows.length} configurations at ${SIGNIFICANCE}`,
    rows,
    regressions: regressions.map((r) => r.configuration),
  };
  const markdown = [
    abFinding(rows, thresholdPercent),
    '',
    `new ${result.new?.slice(0, 12) ?? 'this checkout'} ÷ old ${commit?.slice(0, 12) ?? options.ref}: ` +
      `slices of ${Math.round(sliceMs(config))} ms in alternation; ratio = geometric mean of the rounds' ` +
      `ratios, 90% interval and p (paired t, Holm-adjusted) from the runs.`,
    '',
    table(
      ['configuration', 'new ÷ old (90%)', 'change', 'pairs', 'p (Holm)', 'verdict'],
      rows.map((r) => [
        r.configuration,
        withInterval(r.ratio, r.low, r.high, 3),
        `${r.changePercent >= 0 ? '+' : ''}${r.changePercent.toFixed(1)}%`,
        String(r.pairs),
        r.pHolm < 0.001 ? '<0.001' : r.pHolm.toFixed(3),
        r.verdict,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    regressions.length > 0
      ? `${regressions.length} regression(s) beyond ${thresholdPercent}%: ${regressions.map((r) => r.configuration).join('; ')}`
      : `no regression beyond ${thresholdPercent}%`,
  ].join('\n');
  if (config.out !== null) {
    writeAtomic(path.join(config.out, 'ab.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeAtomic(path.join(config.out, 'ab.md'), `# xkbench ab\n\n${markdown}\n`);
  }
  if (config.json) console.log(JSON.stringify(result, null, 2));
  else if (!config.quiet) console.log(markdown);
  if (regressions.length > 0)
    console.error(
      `xkbench ab: ${regressions.length} regression(s) beyond ${thresholdPercent}%: ` +
        `${regressions.map((r) => `${r.configuration} ${r.changePercent.toFixed(1)}%`).join('; ')}`,
    );
  return regressions.length > 0 ? EXIT.regression : EXIT.ok;
}
