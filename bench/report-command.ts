// `npm run report -- DIR [--compare OLD] [--threshold X] [--fail-on-regression] [--format X]`:
// rebuilds report.md, report.html and charts/ of a run folder from its results.json, without
// running anything; with --compare, compares DIR's results with OLD's (exit 3 on a regression
// with --fail-on-regression). Bad input exits 2 with one line.

import * as path from 'node:path';
import { compareResults, renderComparison } from '../results/compare.js';
import { prepareOutputFolder } from '../results/output.js';
import { writeExtras, writeReports } from '../results/publish.js';
import { ResultsFileError, readResults, resultsPath } from '../results/results-file.js';
import { startCommand } from './args.js';
import { EXIT } from './exit-codes.js';
import { REPORT, comparisonOptions } from './options.js';

async function main(argv: string[]): Promise<number> {
  const parsed = startCommand(REPORT, argv, (args) => ({ folder: args.positionals[0]!, options: comparisonOptions(args) }));
  if (typeof parsed === 'number') return parsed;
  const { folder, options } = parsed;
  const out = path.dirname(resultsPath(folder));
  let results;
  let baseline = null;
  try {
    results = readResults(folder);
    if (options.compare !== null) baseline = readResults(options.compare);
  } catch (err) {
    if (err instanceof ResultsFileError) {
      console.error(`xkbench-report: ${err.message}`);
      return EXIT.badInput;
    }
    throw err;
  }
  try {
    prepareOutputFolder(out);
  } catch (err) {
    console.error(`xkbench-report: ${out} is not a writable folder: ${(err as Error).message}`);
    return EXIT.badInput;
  }
  const comparison = baseline !== null ? compareResults(baseline, results, options.compare!, options.thresholdPercent) : null;
  const written = await writeReports(out, results, comparison);
  written.push(...writeExtras(out, results, comparison, options.formats));
  if (comparison !== null) console.log(`${renderComparison(comparison, true)}\n`);
  console.log(`rebuilt in ${out}: ${written.join(', ')}`);
  if (comparison !== null && comparison.regressions.length > 0) {
    console.error(`xkbench-report: ${comparison.regressions.length} regression(s) against ${options.compare}`);
    if (options.failOnRegression) return EXIT.regression;
  }
  return EXIT.ok;
}

process.exitCode = await main(process.argv.slice(2));
