// The xkbench command line: parse, run, report. Flags are checked before any work; results are
// written whole (temporary file, then rename) into the run's folder; Ctrl-C writes what finished,
// marked incomplete.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PcapWriter } from '../drivers/pcap.js';
import { prepareOutputFolder, timestampFolder, toCsv, writeAtomic } from '../results/output.js';
import { type Comparison, compareResults, renderComparison } from '../results/compare.js';
import { writeExtras, writeReports } from '../results/publish.js';
import { addRatios } from '../results/ratios.js';
import { applyPairedRatios, pairedRatios } from '../results/paired-ratios.js';
import { precisionLines } from '../results/precision.js';
import { sliceMs } from './interleaved.js';
import { type ResultsFile, ResultsFileError, readResults } from '../results/results-file.js';
import { RESULTS_FORMAT_VERSION } from '../results/schema.js';
import { amdahlTable, connectionsTable, parallelTables, throughputTable } from '../results/report-parallel.js';
import { packetLatencyTable } from '../results/report-latency.js';
import { openLoopFindings, openLoopTable } from '../results/report-open-loop.js';
import { connectionMemoryTable, cpuTable } from '../results/report-memory-cpu.js';
import { gatewaySections } from '../results/report-gateway.js';
import { latencyTables } from '../results/report-crypto.js';
import { pairedTables } from '../results/report-comparisons.js';
import { beneckeRows, scalingRows, shiehLaiRows } from '../results/model-report.js';
import { OPEN_LOOP_COLUMNS, RUN_COLUMNS, lockDesignOf, otherLock, summarizeRuns } from '../results/rows.js';
import { LEGACY_PROVIDER_FLAG, nodeHasSingleDes } from '../stacks/crypto/index.js';
import type { Msg } from '../stacks/message.js';
import { cryptoPrimitives } from '../stacks/spec.js';
import { runLayerBenchmarks } from './layers.js';
import { startCommand } from './args.js';
import { EXIT, exitForSignal } from './exit-codes.js';
import { type BenchConfig, faultsAsked } from './config.js';
import { XKBENCH, configFrom, probeStack } from './options.js';
import { gitCommit, packageVersion } from './version.js';
import { configurations, estimatePlan, planLine } from './plan.js';
import { measureConnectionMemory } from './connection-memory.js';
import type { Side } from '../drivers/workload-contract.js';
import { cpuChecksumNs, describeMachine, handOffNs, probeNoise } from './machine.js';
import { machineLine } from '../results/machine-line.js';
import type { ConnectionMemory, MachineDescription } from '../results/schema.js';
import { findings, workingSetFindings } from '../results/findings.js';
import { cpuSource } from '../parallel/thread-cpu.js';
import type { Configuration } from './plan.js';
import { type BenchOutcome, type ProgressStatus, VerifyError, runBenchmarks } from './runner.js';

function formatSeconds(s: number): string {
  const total = Math.max(0, Math.round(s));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * --progress auto: one line on stderr, redrawn at most ten times a second, whenever stderr is a
 * terminal (also with --json > file); never with --quiet, on a dumb terminal (TERM=dumb) or under CI
 * (CI set). --progress lines: a plain line each time a run starts (for logs, and for scripts that
 * wait for a run to finish); off: nothing.
 */
class ProgressLine {
  private last = 0;
  private shown = false;
  private lastRun = 0;
  /** --progress lines: the configurations seen in this run (a group's members take turns slice by slice). */
  private readonly seen = new Set<string>();
  private readonly redraw: boolean;
  constructor(
    private readonly mode: BenchConfig['progress'],
    quiet: boolean,
  ) {
    this.redraw = mode === 'auto' && process.stderr.isTTY === true && !quiet && process.env.TERM !== 'dumb' && !process.env.CI;
  }

  update(s: ProgressStatus): void {
    const line =
      `${s.label}  run ${s.run}/${s.runs} ${s.phase}  ${formatSeconds(s.elapsed)} elapsed, ` +
      `${formatSeconds(s.planned - s.elapsed)} left`;
    if (this.mode === 'lines') {
      if (s.run !== this.lastRun) this.seen.clear();
      this.lastRun = s.run;
      if (!this.seen.has(s.label)) process.stderr.write(`xkbench: ${line}\n`);
      this.seen.add(s.label);
      return;
    }
    if (!this.redraw) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** pcap files: one per link type, the frames of the first run of each configuration (capped). */
class Captures {
  private readonly writers = new Map<number, PcapWriter>();
  private readonly counts = new Map<string, number>();
  static readonly FRAMES_PER_CONFIGURATION = 1000;

  constructor(
    private readonly file: string,
    private readonly linkTypes: Map<string, number>,
  ) {}

  tap(config: Configuration, frame: Msg): void {
    const key = `${config.stack}|${config.side}|${config.crypto}`;
    const n = this.counts.get(key) ?? 0;
    if (n >= Captures.FRAMES_PER_CONFIGURATION) return;
    this.counts.set(key, n + 1);
    const linkType = this.linkTypes.get(config.stack)!;
    let writer = this.writers.get(linkType);
    if (writer === undefined) {
      const types = new Set(this.linkTypes.values());
      const name = types.size === 1 ? this.file : this.file.replace(/(\.pcap)?$/, linkType === 10 ? '-fddi.pcap' : '-eth.pcap');
      writer = new PcapWriter(name, linkType);
      this.writers.set(linkType, writer);
    }
    writer.write(frame);
  }

  close(): string[] {
    const files: string[] = [];
    for (const w of this.writers.values()) {
      w.close();
      files.push(w.path);
    }
    return files;
  }
}

/** Why a capture cannot be written at this path (checked before any work), or null. */
function capturePathProblem(file: string): string | null {
  const dir = path.dirname(path.resolve(file));
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) return `folder ${dir} does not exist`;
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() === true)
    return `is a folder: give a file name, such as ${path.join(file, 'capture.pcap')}`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `folder ${dir} is not writable`;
  }
  return null;
}

/** The machine, with its noise probed for --noise-probe (2 s, or a twentieth of the plan if shorter, at least 9 slices). */
async function measureMachine(config: BenchConfig, planSeconds: number): Promise<MachineDescription> {
  const seconds = config.noiseProbeSeconds ?? Math.max(9 * config.sliceSeconds, Math.min(2, planSeconds / 20));
  const machine: MachineDescription = { ...describeMachine(), noise: seconds > 0 ? probeNoise(config.sliceSeconds, seconds) : null };
  // (with the noise probe: a run that skips it, a test's, skips this too)
  if (seconds > 0 && machine.logicalCpus > 1) machine.coreHandOff = { beforeNs: Math.round(await handOffNs()), afterNs: null };
  const perCpu = seconds > 0 ? await cpuChecksumNs() : null;
  if (perCpu !== null) machine.cpuChecksumNs = { before: perCpu, after: null };
  return machine;
}

function buildMeta(config: BenchConfig, outcome: BenchOutcome, started: Date, argv: string[], machine: MachineDescription) {
  const source = cpuSource();
  return {
    tool: 'xkbench',
    version: packageVersion(),
    commit: gitCommit(),
    node: process.version,
    cpu: machine.cpu,
    cpus: machine.logicalCpus,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    timestamp: started.toISOString(),
    command: ['xkbench', ...argv].join(' '),
    config,
    cores: os.availableParallelism(),
    machine,
    modes: {
      single: 'one thread, no pool; connections served in turn',
      plp:
        'packet-level: one connection on all workers; TCP control block, reassembly queue, IP identification ' +
        'and AH sequence in shared memory; TCP state under an Atomics mutex; segments delivered to the ' +
        'application in stream order',
      clp: `connection-level (${config.clp.join(', ')}): each connection owned by one worker, no lock on the fast path`,
    },
    incomplete: outcome.incomplete,
    enforcement: outcome.enforcement,
    method:
      'Application payload bits per second of wall-clock time over the steady window, after a warm-up that is excluded; ' +
      'a new seed per run fills the data buffers; mean and 90% confidence interval (Student t) over runs. ' +
      (`The configurations of a stack, side and crypto provider and the primitives they are divided by take ` +
        `turns in slices of ${Math.round(sliceMs(config))} ms, in random order each round, the others parked; `) +
      ("a run's window is its slices. Speedups, PLP ÷ CLP, lock scopes and same-run ratios are geometric " +
        "means of the rounds' ratios with a 90% interval from the runs (Student t over each run's mean log " +
        'ratio; each run on new threads; pairedRatios); ') +
      'gateway stacks run whole windows, their ratios propagated from the run means.',
    precision: {
      targetCiPercent: config.targetCiPercent,
      budgetSeconds: config.budgetSeconds,
      sliceMs: Math.round(config.sliceSeconds * 1000),
    },
    cpuSource: source,
    ...(faultsAsked(config)
      ? {
          wire: {
            losses: config.losses,
            duplicate: config.duplicate,
            reorder: config.reorder,
            corrupt: config.corrupt,
            minRtoMs: config.minRtoMs,
          },
        }
      : {}),
    cpuAccounting:
      source === 'none'
        ? 'no per-thread CPU time on this system (no /proc/thread-self/schedstat, no process.threadCpuUsage): the CPU columns are absent'
        : source === 'threadCpuUsage'
          ? 'process.threadCpuUsage: on-CPU time only, no run-queue wait'
          : '/proc/thread-self/schedstat: on-CPU and run-queue wait ns per thread, read at the start and end of every slice',
    plan: {
      ...estimatePlan(config),
      fitted: config.fitted,
      plannedRunsTookSeconds: Math.round(outcome.plannedPassSeconds * 10) / 10,
      tookSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    },
  };
}

/** What main needs of the command line once it is checked: the baseline to compare with, and the folder. */
interface CheckedInputs {
  baseline: ResultsFile | null;
  out: string;
}

/** Everything checked before any work (exit 2 with one line on a problem), the output folder made. */
function checkInputs(config: BenchConfig, started: Date): CheckedInputs | number {
  if (config.cryptos.includes('node') && config.stacks.some((s) => cryptoPrimitives(s).includes('des')) && !nodeHasSingleDes()) {
    console.error(
      `xkbench: --crypto node with a DES stack needs OpenSSL's legacy provider: run through the xkbench ` +
        `command or npm run bench, or set NODE_OPTIONS=${LEGACY_PROVIDER_FLAG}`,
    );
    return EXIT.badInput;
  }
  let baseline: ResultsFile | null = null;
  if (config.compare !== null) {
    try {
      baseline = readResults(config.compare);
    } catch (err) {
      if (err instanceof ResultsFileError) {
        console.error(`xkbench: --compare ${err.message}`);
        return EXIT.badInput;
      }
      throw err;
    }
  }
  const pcapProblem = config.pcap !== null ? capturePathProblem(config.pcap) : null;
  if (pcapProblem !== null) {
    console.error(`xkbench: --pcap ${config.pcap}: ${pcapProblem}`);
    return EXIT.badInput;
  }
  const out = config.out ?? path.join('results', timestampFolder(started));
  try {
    prepareOutputFolder(out);
  } catch (err) {
    console.error(`xkbench: --out ${out} is not a writable folder: ${(err as Error).message}`);
    return EXIT.badInput;
  }
  return { baseline, out };
}

/** The signal that asked the run to stop, if one did. */
interface StopRequest {
  signal: NodeJS.Signals | null;
}

/** Ctrl-C (and TERM, HUP) end the run under way and write what finished; a second one soon after exits at once. */
function stopOnSignals(): StopRequest {
  const stop: StopRequest = { signal: null };
  let stopAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // npm and a terminal may both pass on one Ctrl-C: only a second one a moment later means "now".
    if (stop.signal !== null) {
      if (Date.now() - stopAt > 1000) process.exit(exitForSignal(signal));
      return;
    }
    stop.signal = signal;
    stopAt = Date.now();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return stop;
}

/** Runs the configurations with a progress line; a failure of the whole benchmark is an exit status. */
async function measure(config: BenchConfig, captures: Captures | null, stop: StopRequest): Promise<BenchOutcome | number> {
  const progress = new ProgressLine(config.progress, config.quiet);
  try {
    return await runBenchmarks(config, {
      progress: (s) => progress.update(s),
      stopRequested: () => stop.signal !== null,
      failed: (f) => {
        progress.clear();
        console.error(
          `xkbench: ${f.stack} ${f.side} ${f.mode}${otherLock(f) ? `/${lockDesignOf(f)}` : ''} ×${f.workers} [${f.crypto}] failed: ` +
            `${f.error}${f.endedAfterMs !== undefined ? ` (ended ${f.endedAfterMs} ms later, pool replaced)` : ''}; ` +
            `its figures are missing, the other configurations go on`,
        );
      },
      ...(captures ? { tap: (c: Configuration, f: Msg) => captures.tap(c, f) } : {}),
    });
  } catch (err) {
    if (err instanceof VerifyError) {
      console.error(`xkbench: --verify failed: ${err.message}`);
      return EXIT.failed;
    }
    console.error(`xkbench: the benchmark failed: ${(err as Error).message}`);
    return EXIT.failed;
  } finally {
    progress.clear();
  }
}

/** Connections the memory probe builds on one thread: enough that a connection's share stands out of the process's own. */
const MEMORY_PROBE_CONNECTIONS = 1000;

/** What a connection of each CLP stack and side costs in memory (xkbench connection-memory), or none without CLP. */
function measureClpMemory(config: BenchConfig): ConnectionMemory[] {
  const pairs = new Map<string, [string, Side]>();
  for (const c of configurations(config))
    if (c.mode === 'clp' && c.dispatch === undefined && c.loss === undefined) pairs.set(`${c.stack}|${c.side}`, [c.stack, c.side]);
  if (pairs.size === 0) return [];
  if (!config.quiet) console.error(`xkbench: what a connection costs in memory, ${MEMORY_PROBE_CONNECTIONS} connections a process`);
  return [...pairs.values()].flatMap(([stack, side]) =>
    measureConnectionMemory([stack], [side], MEMORY_PROBE_CONNECTIONS, config.packetSize),
  );
}

/** results.json's whole content: the runs, their summary and ratios, the models and the meta. */
function resultsOf(
  config: BenchConfig,
  outcome: BenchOutcome,
  started: Date,
  argv: string[],
  machine: MachineDescription,
  connectionMemory: ConnectionMemory[],
): ResultsFile {
  const summary = summarizeRuns(outcome.rows);
  addRatios(summary, outcome.calibration, outcome.calibrationByConfiguration);
  const paired = pairedRatios(outcome.slices, config.targetCiPercent);
  applyPairedRatios(summary, paired);
  return {
    formatVersion: RESULTS_FORMAT_VERSION,
    runs: outcome.rows,
    summary,
    calibration: outcome.calibration,
    pairedRatios: paired,
    failures: outcome.failures,
    ...(connectionMemory.length > 0 ? { connectionMemory } : {}),
    models: { benecke: beneckeRows(summary), shiehLai: shiehLaiRows(outcome.rows), scaling: scalingRows(summary) },
    ...(config.loads.length > 0 ? { openLoop: { runs: outcome.openLoopRows, summary: summarizeRuns(outcome.openLoopRows) } } : {}),
    meta: buildMeta(config, outcome, started, argv, machine),
    slices: outcome.slices,
  };
}

/** The terminal's account of a run: the tables, the comparison, and the findings last. */
function printTables(config: BenchConfig, results: ResultsFile, comparison: Comparison | null): void {
  const { summary, runs } = results;
  const paired = results.pairedRatios ?? [];
  console.log(throughputTable(summary));
  console.log('');
  const latency = packetLatencyTable(summary);
  if (latency) console.log(`Packet latency (sampled, closed loop; µs):\n\n${latency}\n`);
  const openLoop = openLoopTable(results.openLoop?.summary ?? []);
  if (openLoop) console.log(`Packet latency against offered load (open loop; µs):\n\n${openLoop}\n`);
  const parallel = parallelTables(summary);
  if (parallel) console.log(`${parallel}\n\n${amdahlTable(summary)}\n`);
  const fig11 = connectionsTable(summary, runs);
  if (fig11) console.log(`CLP against connections (Fig. 11):\n\n${fig11}\n`);
  const memory = results.connectionMemory ?? [];
  if (memory.length > 0)
    console.log(`What a connection costs in memory (both ends, measured apart):\n\n${connectionMemoryTable(memory)}\n`);
  const cpu = cpuTable(summary);
  if (cpu) console.log(`Where the speedups come from (threads busy × per-packet CPU cost):\n\n${cpu}\n`);
  // The comparisons the tables above do not show, measured in alternation (all of them in report.md).
  const shown = new Set(['plp-clp', 'plp-single', 'clp-policy', 'lock-scope', 'speedup-vs-stack', 'primitives']);
  const comparisons = pairedTables(
    paired.filter((r) => shown.has(r.kind)),
    config.targetCiPercent,
  );
  if (comparisons) console.log(`${comparisons}`);
  const gateway = gatewaySections(summary, runs);
  if (gateway.length > 0) console.log(gateway.join('\n'));
  console.log(latencyTables(summary));
  console.log('');
  if (comparison !== null) console.log(`${renderComparison(comparison, true)}\n`);
  // What the reader came for, last, where the eye lands when the run ends (report.md leads with it).
  const said = [
    ...findings(summary),
    ...workingSetFindings(summary, results.meta.machine, results.connectionMemory ?? []),
    ...openLoopFindings(results.openLoop?.summary ?? []),
  ];
  if (said.length > 0) console.log(`Findings:\n${said.map((line) => `- ${line.replace(/\*\*/g, '')}`).join('\n')}\n`);
  const precision = precisionLines(paired, config.targetCiPercent);
  if (precision.length > 0) console.log(`${precision.join('\n')}\n`);
}

/** --json: the summary and what went wrong, on stdout. */
function printJson(results: ResultsFile, outcome: BenchOutcome, comparison: Comparison | null, out: string): void {
  const invalidRuns = outcome.rows
    .filter((r) => !r.valid)
    .map((r) => ({
      stack: r.stack,
      side: r.side,
      mode: r.mode,
      workers: r.workers,
      run: r.run,
      ...(r.conservation ? { conservation: r.conservation } : {}),
    }));
  const json = {
    summary: results.summary,
    failures: outcome.failures,
    invalidRuns,
    comparison,
    regressions: comparison?.regressions ?? [],
    incomplete: outcome.incomplete,
    out,
  };
  console.log(JSON.stringify(json, null, 2));
}

/** The exit status, with one line on stderr for each thing that makes it other than 0. */
function reportEnd(config: BenchConfig, outcome: BenchOutcome, comparison: Comparison | null, out: string, stop: StopRequest): number {
  const regressed = comparison !== null && comparison.regressions.length > 0;
  if (regressed) {
    const list = comparison.regressions.map((r) => `${r.row} ${r.metric} ${r.changePercent.toFixed(1)}%`).join('; ');
    console.error(`xkbench: ${comparison.regressions.length} regression(s) against ${config.compare}: ${list}`);
  }
  const invalid = outcome.rows.filter((r) => !r.valid);
  if (invalid.length > 0) {
    const list = invalid.map((r) => `${r.stack} ${r.side} run ${r.run}${r.conservation ? ` (${r.conservation})` : ''}`).join(', ');
    console.error(`xkbench: ${invalid.length} run(s) marked invalid (dropped packets, wrong data or broken conservation): ${list}`);
  }
  if (outcome.incomplete) {
    console.error(
      `xkbench: stopped by ${stop.signal}; the ${outcome.rows.length} finished run(s) are written to ${out}, marked incomplete`,
    );
    return exitForSignal(stop.signal ?? 'SIGINT');
  }
  if (outcome.failures.length > 0) {
    console.error(
      `xkbench: ${outcome.failures.length} configuration(s) failed (listed in results.json "failures" and report.md); ` +
        `the ${outcome.rows.length} runs that finished are written to ${out}`,
    );
    return EXIT.failed;
  }
  if (invalid.length > 0) return EXIT.failed;
  return config.failOnRegression && regressed ? EXIT.regression : EXIT.ok;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'ab') return (await import('./ab.js')).abMain(argv.slice(1));
  if (argv[0] === 'kernel') return (await import('./kernel-command.js')).kernelMain(argv.slice(1));
  if (argv[0] === 'plp-cost') return (await import('./plp-cost.js')).plpCostMain(argv.slice(1));
  if (argv[0] === 'connection-memory') return (await import('./connection-memory.js')).connectionMemoryMain(argv.slice(1));
  const config = startCommand(XKBENCH, argv, configFrom);
  if (typeof config === 'number') return config;
  const started = new Date();
  const inputs = checkInputs(config, started);
  if (typeof inputs === 'number') return inputs;
  const { baseline, out } = inputs;
  config.out = out;
  if (config.layers) {
    await runLayerBenchmarks(config);
    return EXIT.ok;
  }
  const captures = config.pcap !== null ? new Captures(config.pcap, new Map(config.stacks.map((s) => [s, probeStack(s).linkType]))) : null;
  const stop = stopOnSignals();
  // The plan before any work: what will run, on how many threads, and about how long.
  const plan = estimatePlan(config);
  if (!config.quiet) console.error(`xkbench: ${planLine(config, plan, config.fitted)}`);
  else if (config.fitted.length > 0) console.error(`xkbench: plan changed to fit: ${config.fitted.join(', ')}`);
  const machine = await measureMachine(config, plan.seconds);
  if (!config.quiet) console.error(`xkbench: machine: ${machineLine(machine)}`);
  const outcome = await measure(config, captures, stop);
  if (typeof outcome === 'number') return outcome;
  if (machine.coreHandOff !== undefined) machine.coreHandOff.afterNs = Math.round(await handOffNs());
  if (machine.cpuChecksumNs !== undefined) machine.cpuChecksumNs.after = await cpuChecksumNs();
  const connectionMemory = measureClpMemory(config);

  const results = resultsOf(config, outcome, started, argv, machine, connectionMemory);
  writeAtomic(path.join(out, 'results.csv'), toCsv(outcome.rows, RUN_COLUMNS));
  if (config.loads.length > 0) writeAtomic(path.join(out, 'open-loop.csv'), toCsv(outcome.openLoopRows, OPEN_LOOP_COLUMNS));
  const resultsText = `${JSON.stringify(results, null, 2)}\n`;
  if (process.env.XKBENCH_VALIDATE_RESULTS) {
    // Under npm test: the file must match docs/results.schema.json (bench/validate-results.ts).
    const { checkResultsIfAsked } = await import('./validate-results.js');
    try {
      checkResultsIfAsked(JSON.parse(resultsText), path.join(out, 'results.json'));
    } catch (err) {
      console.error(`xkbench: ${(err as Error).message}`);
      return EXIT.failed;
    }
  }
  writeAtomic(path.join(out, 'results.json'), resultsText);
  const comparison =
    baseline !== null && config.compare !== null ? compareResults(baseline, results, config.compare, config.thresholdPercent) : null;
  const written = await writeReports(out, results, comparison);
  written.push(...writeExtras(out, results, comparison, config.formats));
  const pcaps = captures?.close() ?? [];
  if (captures !== null && pcaps.length === 0) {
    console.error(
      "xkbench: --pcap: no frame was captured (frames are taken during the warm-up of each configuration's " +
        'first run: give --warmup above 0)',
    );
  }
  if (config.json) printJson(results, outcome, comparison, out);
  else if (!config.quiet) {
    printTables(config, results, comparison);
    const files = written.filter((f) => !f.includes('/')).join(', ');
    const charts = written.filter((f) => f.includes('/')).length;
    console.log(
      `results: ${path.join(out, 'results.csv')}, results.json, ${files} and ${charts} ` +
        `charts${pcaps.length ? `; capture: ${pcaps.join(', ')}` : ''}`,
    );
  }
  return reportEnd(config, outcome, comparison, out, stop);
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
// A worker thread that a failure left waiting would keep the process alive after its answer: once
// output has had a moment to drain, leave (an unref'd timer fires only if something else holds on).
setTimeout(() => process.exit(exitCode), 2000).unref();
