// `npm run report -- DIR [--compare OLD] [--threshold X] [--fail-on-regression] [--format X]`:
// rebuilds report.md, report.html and charts/ of a run folder from its results.json, without
// running anything; with --compare, compares DIR's results with OLD's (exit 1 on a regression
// with --fail-on-regression). Bad input exits 2 with one line.

import * as path from 'node:path';
import { compareResults, renderComparison } from '../results/compare.js';
import { writeExtras, writeReports } from '../results/publish.js';
import { ResultsFileError, readResults, resultsPath } from '../results/results-file.js';
import { FLAGS, OptionError, comparisonOptions } from './options.js';

const REPORT_FLAGS = ['--compare', '--threshold', '--fail-on-regression', '--format', '--help'];

function usage(): string {
  const lines = REPORT_FLAGS.map((f) => `  ${(f + (FLAGS[f]!.takes ? ' X' : '')).padEnd(24)}${FLAGS[f]!.help}`);
  return ['usage: xkbench-report DIR [flags]   (npm run report -- DIR [flags])', '', '  DIR                     a run folder (or its results.json): report.md, report.html and charts/ are rebuilt there', ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const given = new Map<string, string | true>();
  const positional: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '-h' || arg === '--help') {
        console.log(usage());
        return 0;
      }
      if (!arg.startsWith('--')) {
        positional.push(arg);
        continue;
      }
      const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      if (!REPORT_FLAGS.includes(flag)) throw new OptionError(`unknown flag ${flag}: allowed are ${REPORT_FLAGS.join(', ')}`);
      if (given.has(flag)) throw new OptionError(`${flag} is given twice`);
      if (!FLAGS[flag]!.takes) {
        given.set(flag, true);
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--') || value.trim() === '') throw new OptionError(`${flag} needs a value: ${FLAGS[flag]!.help}`);
      given.set(flag, value);
    }
    if (positional.length !== 1) throw new OptionError(`give exactly one run folder (or results.json), got ${positional.length}: ${usage().split('\n')[0]}`);
  } catch (err) {
    if (err instanceof OptionError) {
      console.error(`xkbench-report: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const text = (flag: string): string | undefined => {
    const v = given.get(flag);
    return typeof v === 'string' ? v : undefined;
  };
  let options: ReturnType<typeof comparisonOptions>;
  let results;
  let baseline = null;
  try {
    options = comparisonOptions(text, given.has('--fail-on-regression'));
    results = readResults(positional[0]!);
    if (options.compare !== null) baseline = readResults(options.compare);
  } catch (err) {
    if (err instanceof OptionError || err instanceof ResultsFileError) {
      console.error(`xkbench-report: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const out = path.dirname(resultsPath(positional[0]!));
  const comparison = baseline !== null ? compareResults(baseline, results, options.compare!, options.thresholdPercent) : null;
  const written = await writeReports(out, results, comparison);
  written.push(...writeExtras(out, results, comparison, options.formats));
  if (comparison !== null) console.log(`${renderComparison(comparison, true)}\n`);
  console.log(`rebuilt in ${out}: ${written.join(', ')}`);
  if (comparison !== null && comparison.regressions.length > 0) {
    console.error(`xkbench-report: ${comparison.regressions.length} regression(s) against ${options.compare}`);
    if (options.failOnRegression) return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
