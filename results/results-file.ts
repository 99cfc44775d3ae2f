// Reading results.json back (its shape is schema.ts): for `npm run report` and `--compare`. Reading
// checks the shape, so a wrong or corrupt file is named with what is wrong, never a stack trace.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESULTS_FORMAT_VERSION, type ResultsFile } from './schema.js';
import { StackSpecError, stackShape } from '../stacks/spec.js';

export type { ResultsFile };

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/** The results.json a path names: the file itself, or the one in a run folder. */
export function resultsPath(fileOrFolder: string): string {
  return fs.existsSync(fileOrFolder) && fs.statSync(fileOrFolder).isDirectory() ? path.join(fileOrFolder, 'results.json') : fileOrFolder;
}

export function readResults(fileOrFolder: string): ResultsFile {
  const file = resultsPath(fileOrFolder);
  let text: string;
  try {
    // Only a regular file: reading a FIFO or a device could block forever.
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new ResultsFileError(`${file}: not a regular file: give a results.json or a run folder holding one`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ResultsFileError) throw err;
    throw new ResultsFileError(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give a ` +
        `results.json or a run folder holding one`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const problem = shapeProblem(data);
  if (problem !== null) throw new ResultsFileError(`${file}: not an xkbench results.json: ${problem}`);
  return data as ResultsFile;
}

/** Why this xkbench cannot read a stack a results file names (a layer it does not have), or null. */
function stackProblem(spec: string): string | null {
  try {
    stackShape(spec);
    return null;
  } catch (err) {
    if (err instanceof StackSpecError) return `${err.message} (a layer this xkbench does not have)`;
    throw err;
  }
}

function shapeProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'the top level is not an object';
  const d = data as Record<string, unknown>;
  if (!Array.isArray(d.summary)) return "no 'summary' array";
  if (!Array.isArray(d.runs)) return "no 'runs' array";
  if (typeof d.meta !== 'object' || d.meta === null) return "no 'meta' object";
  for (const [i, row] of (d.summary as unknown[]).entries()) {
    const r = row as Record<string, unknown>;
    if (typeof r !== 'object' || r === null) return `summary[${i}] is not an object`;
    for (const field of ['stack', 'side', 'mode', 'crypto'] as const)
      if (typeof r[field] !== 'string') return `summary[${i}].${field} is not a string`;
    for (const field of ['workers', 'connections', 'packetSize', 'meanMbps'] as const)
      if (typeof r[field] !== 'number') return `summary[${i}].${field} is not a number`;
    const stack = stackProblem(r.stack as string);
    if (stack !== null) return `summary[${i}].stack: ${stack}`;
  }
  if (d.calibration !== undefined && !Array.isArray(d.calibration)) return "'calibration' is not an array";
  if (d.formatVersion !== undefined && !(Number.isInteger(d.formatVersion) && (d.formatVersion as number) >= 0))
    return "'formatVersion' is not a whole number";
  if (typeof d.formatVersion === 'number' && d.formatVersion > RESULTS_FORMAT_VERSION)
    return `formatVersion ${d.formatVersion} is newer than this xkbench reads (up to ${RESULTS_FORMAT_VERSION}): update xkbench`;
  return null;
}
