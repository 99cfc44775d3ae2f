// Checks a results.json against docs/results.schema.json (ajv). Under `npm test` (the environment
// variable XKBENCH_VALIDATE_RESULTS) every results.json a run writes is checked before it is
// written, so a field the schema does not know, or a missing one, fails the test that made it.
// A development check: ajv is a dev dependency, and this module is loaded only then.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { packageRoot } from './version.js';
import { RESULTS_SCHEMA_FILE } from '../results/schema.js';

let validate: ValidateFunction | null = null;

/** What is wrong with `data` as a results.json, one line per problem (at most 5); empty when it conforms. */
export function resultsSchemaProblems(data: unknown): string[] {
  if (validate === null) {
    const schema = JSON.parse(fs.readFileSync(path.join(packageRoot, RESULTS_SCHEMA_FILE), 'utf8')) as object;
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${e.instancePath || '/'} ${e.message ?? 'is not allowed'}${extra !== undefined ? ` (${extra})` : ''}`;
  });
}

/**
 * When XKBENCH_VALIDATE_RESULTS is set: throws naming what does not conform, and appends `file` to
 * the log the variable names (when it is a path), so a test run can say how many files it checked.
 */
export function checkResultsIfAsked(data: unknown, file: string): void {
  const log = process.env.XKBENCH_VALIDATE_RESULTS;
  if (log === undefined || log === '') return;
  const problems = resultsSchemaProblems(data);
  if (problems.length > 0) throw new Error(`${file} does not match ${RESULTS_SCHEMA_FILE}: ${problems.join('; ')}`);
  if (log !== '1') fs.appendFileSync(log, `${file}\n`);
}
