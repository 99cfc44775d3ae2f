// results.json's JSON Schema, generated from the types in results/schema.ts (ts-json-schema-generator), so
// that the schema users validate against cannot drift from what xkbench writes: `npm run docs`
// writes it to docs/results.schema.json, test/docs.test.ts fails when that file is stale, and under
// `npm test` every results.json a run writes is validated against it (validate-results.ts).

import * as path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { packageRoot } from './version.js';
export { RESULTS_SCHEMA_FILE } from '../results/schema.js';

/** The schema of ResultsFile, from the TypeScript sources (needs them and the dev dependencies: a development task). */
export function resultsJsonSchema(): string {
  const root = packageRoot;
  const schema = createGenerator({
    path: path.join(root, 'results', 'schema.ts'),
    tsconfig: path.join(root, 'tsconfig.json'),
    type: 'ResultsFile',
    topRef: false,
    skipTypeCheck: true,
    jsDoc: 'extended',
    sortProps: true,
  }).createSchema('ResultsFile');
  const note = 'Generated from results/schema.ts by `npm run docs`; do not edit by hand.';
  return `${JSON.stringify({ $comment: note, ...schema }, null, 2)}\n`;
}
