// `npm run docs`: writes what is generated from the code (the CLI reference, the man page, the
// README's exit codes and results.json's JSON Schema). With --check it writes nothing and exits 1
// naming each stale file (test/docs.test.ts makes the same check).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESULTS_SCHEMA_FILE, resultsJsonSchema } from './results-schema.js';
import { runsAsProgram } from './args.js';
import { GENERATED, cliMarkdown, fillGeneratedBlocks, manPage, readmeBlocks } from './reference.js';
import { packageRoot } from './version.js';

/** Each generated file (relative to the package root) and what it must hold. */
export function generatedFiles(): Map<string, string> {
  const readme = fs.readFileSync(path.join(packageRoot, GENERATED.readme), 'utf8');
  return new Map([
    [GENERATED.cli, cliMarkdown()],
    [GENERATED.man, manPage()],
    [GENERATED.readme, fillGeneratedBlocks(readme, readmeBlocks())],
    [RESULTS_SCHEMA_FILE, resultsJsonSchema()],
  ]);
}

/** The generated files whose content on disk differs from what the code makes now. */
export function staleFiles(files = generatedFiles()): string[] {
  return [...files]
    .filter(([file, content]) => {
      const at = path.join(packageRoot, file);
      return !fs.existsSync(at) || fs.readFileSync(at, 'utf8') !== content;
    })
    .map(([file]) => file);
}

function main(argv: string[]): number {
  const files = generatedFiles();
  const stale = staleFiles(files);
  if (argv.includes('--check')) {
    if (stale.length === 0) return 0;
    console.error(`stale: ${stale.join(', ')}: run npm run docs`);
    return 1;
  }
  fs.mkdirSync(path.join(packageRoot, 'docs'), { recursive: true });
  for (const file of stale) fs.writeFileSync(path.join(packageRoot, file), files.get(file)!);
  console.log(stale.length === 0 ? 'docs: up to date' : `docs: wrote ${stale.join(', ')}`);
  return 0;
}

if (runsAsProgram(import.meta.url)) process.exitCode = main(process.argv.slice(2));
