// The xkbench command line: parse, run, report. Flags are checked before any work; results are
// written whole (temporary file, then rename) into the run's folder; Ctrl-C writes what finished,
// marked incomplete.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcapWriter } from '../drivers/pcap.js';
import { prepareOutputFolder, timestampFolder, toCsv, writeAtomic } from '../results/output.js';
import { compareResults, renderComparison } from '../results/compare.js';
import { writeExtras, writeReports } from '../results/publish.js';
import { addRatios } from '../results/ratios.js';
import { type ResultsFile, ResultsFileError, readResults } from '../results/results-file.js';
import { amdahlTable, gatewaySections, latencyTables, parallelTables, throughputTable } from '../results/report.js';
import { beneckeRows, scalingRows, shiehLaiRows } from '../results/model-report.js';
import { RUN_COLUMNS, summarizeRuns } from '../results/rows.js';
import { LEGACY_PROVIDER_FLAG, nodeHasSingleDes } from '../stacks/crypto/index.js';
import type { Msg } from '../stacks/message.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { runLayerBenchmarks } from './layers.js';
import { type BenchConfig, OptionError, parseOptions, usage } from './options.js';
import { type BenchOutcome, type Configuration, type ProgressStatus, VerifyError, runBenchmarks } from './runner.js';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function formatSeconds(s: number): string {
  const total = Math.max(0, Math.round(s));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** One line on a terminal, redrawn at most ten times a second; nothing when stdout is not a TTY. */
class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly enabled: boolean) {}

  update(s: ProgressStatus): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const line = `${s.label}  run ${s.run}/${s.runs} ${s.phase}  ${formatSeconds(s.elapsed)} elapsed, ${formatSeconds(s.planned - s.elapsed)} left`;
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

  constructor(private readonly file: string, private readonly linkTypes: Map<string, number>) {}

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

function buildMeta(config: BenchConfig, outcome: BenchOutcome, started: Date, argv: string[]) {
  const cpus = os.cpus();
  return {
    tool: 'xkbench',
    version: packageVersion(),
    commit: gitCommit(),
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    timestamp: started.toISOString(),
    command: ['xkbench', ...argv].join(' '),
    config,
    cores: os.availableParallelism(),
    modes: {
      single: 'one thread, no pool; connections served in turn',
      plp: 'packet-level: one connection on all workers; TCP control block, reassembly queue, IP identification and AH sequence in shared memory; TCP state under an Atomics mutex; segments delivered to the application in stream order',
      clp: `connection-level (${config.clp}): each connection owned by one worker, no lock on the fast path`,
    },
    incomplete: outcome.incomplete,
    enforcement: outcome.enforcement,
    method:
      'Application payload bits per second of wall-clock time over the steady window, after a warm-up that is excluded; ' +
      'a new seed per run fills the data buffers; mean and 90% confidence interval (Student t) over runs.',
  };
}

async function main(argv: string[]): Promise<number> {
  let config: BenchConfig;
  try {
    config = parseOptions(argv);
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`xkbench: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (config.help) {
    console.log(usage());
    return 0;
  }
  if (config.layers) {
    await runLayerBenchmarks(config);
    return 0;
  }

  if (config.cryptos.includes('node') && config.stacks.some((s) => s.split('/').includes('des')) && !nodeHasSingleDes()) {
    console.error(`xkbench: --crypto node with a DES stack needs OpenSSL's legacy provider: run through the xkbench command or npm run bench, or set NODE_OPTIONS=${LEGACY_PROVIDER_FLAG}`);
    return 2;
  }
  let baseline: ResultsFile | null = null;
  if (config.compare !== null) {
    try {
      baseline = readResults(config.compare);
    } catch (err) {
      if (err instanceof ResultsFileError) {
        console.error(`xkbench: --compare ${err.message}`);
        return 2;
      }
      throw err;
    }
  }
  const started = new Date();
  const out = config.out ?? path.join('results', timestampFolder(started));
  try {
    prepareOutputFolder(out);
  } catch (err) {
    console.error(`xkbench: --out ${out} is not a writable folder: ${(err as Error).message}`);
    return 2;
  }
  config.out = out;
  let captures: Captures | null = null;
  if (config.pcap !== null) {
    const dir = path.dirname(path.resolve(config.pcap));
    if (!fs.existsSync(dir)) {
      console.error(`xkbench: --pcap ${config.pcap}: folder ${dir} does not exist`);
      return 2;
    }
    const linkTypes = new Map(config.stacks.map((s) => [s, new Stack(s, endpointPair()[0]).link.linkType]));
    captures = new Captures(config.pcap, linkTypes);
  }

  let stopSignal: NodeJS.Signals | null = null;
  let stopAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // npm and a terminal may both pass on one Ctrl-C: only a second one a moment later means "now".
    if (stopSignal !== null) {
      if (Date.now() - stopAt > 1000) process.exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopSignal = signal;
    stopAt = Date.now();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = new ProgressLine(process.stdout.isTTY === true && process.stderr.isTTY === true && !config.quiet);
  let outcome: BenchOutcome;
  try {
    outcome = await runBenchmarks(config, {
      progress: (s) => progress.update(s),
      stopRequested: () => stopSignal !== null,
      failed: (f) => {
        progress.clear();
        console.error(`xkbench: ${f.stack} ${f.side} ${f.mode} ×${f.workers} [${f.crypto}] failed: ${f.error}${f.endedAfterMs !== undefined ? ` (ended ${f.endedAfterMs} ms later, pool replaced)` : ''}; its figures are missing, the other configurations go on`);
      },
      ...(captures ? { tap: (c: Configuration, f: Msg) => captures!.tap(c, f) } : {}),
    });
  } catch (err) {
    progress.clear();
    if (err instanceof VerifyError) {
      console.error(`xkbench: --verify failed: ${err.message}`);
      return 1;
    }
    console.error(`xkbench: the benchmark failed: ${(err as Error).message}`);
    return 1;
  }
  progress.clear();

  const summary = summarizeRuns(outcome.rows);
  addRatios(summary, outcome.calibration, outcome.calibrationByConfiguration);
  const meta = buildMeta(config, outcome, started, argv);
  const models = { benecke: beneckeRows(summary), shiehLai: shiehLaiRows(outcome.rows), scaling: scalingRows(summary) };
  const results: ResultsFile = { runs: outcome.rows, summary, calibration: outcome.calibration, failures: outcome.failures, models, meta };
  writeAtomic(path.join(out, 'results.csv'), toCsv(outcome.rows, RUN_COLUMNS));
  writeAtomic(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const comparison = baseline !== null ? compareResults(baseline, results, config.compare!, config.thresholdPercent) : null;
  const written = await writeReports(out, results, comparison);
  written.push(...writeExtras(out, results, comparison, config.formats));
  const pcaps = captures?.close() ?? [];

  const invalid = outcome.rows.filter((r) => !r.valid);
  if (config.json) {
    console.log(JSON.stringify({ summary, incomplete: outcome.incomplete, out }, null, 2));
  } else if (!config.quiet) {
    console.log(throughputTable(summary));
    console.log('');
    const parallel = parallelTables(summary);
    if (parallel) console.log(`${parallel}\n\n${amdahlTable(summary)}\n`);
    const gateway = gatewaySections(summary, outcome.rows);
    if (gateway.length > 0) console.log(gateway.join('\n'));
    console.log(latencyTables(summary));
    console.log('');
    if (comparison !== null) console.log(`${renderComparison(comparison, true)}\n`);
    console.log(`results: ${path.join(out, 'results.csv')}, results.json, ${written.filter((f) => !f.includes('/')).join(', ')} and ${written.filter((f) => f.includes('/')).length} charts${pcaps.length ? `; capture: ${pcaps.join(', ')}` : ''}`);
  }
  if (comparison !== null && comparison.regressions.length > 0) {
    console.error(`xkbench: ${comparison.regressions.length} regression(s) against ${config.compare}: ${comparison.regressions.map((r) => `${r.row} ${r.metric} ${r.changePercent.toFixed(1)}%`).join('; ')}`);
  }
  if (invalid.length > 0) {
    console.error(`xkbench: ${invalid.length} run(s) marked invalid (dropped packets, wrong data or broken conservation): ${invalid.map((r) => `${r.stack} ${r.side} run ${r.run}${r.conservation ? ` (${r.conservation})` : ''}`).join(', ')}`);
  }
  if (outcome.incomplete) {
    console.error(`xkbench: stopped by ${stopSignal}; the ${outcome.rows.length} finished run(s) are written to ${out}, marked incomplete`);
    return stopSignal === 'SIGTERM' ? 143 : 130;
  }
  if (outcome.failures.length > 0) {
    console.error(`xkbench: ${outcome.failures.length} configuration(s) failed (listed in results.json "failures" and report.md); the ${outcome.rows.length} runs that finished are written to ${out}`);
    return 1;
  }
  if (invalid.length > 0) return 1;
  return config.failOnRegression && comparison !== null && comparison.regressions.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
