// The bins run the compiled program in dist/, which `npm run build` makes (and `npm install` or
// `npm ci`, through the prepare script). Without it a bin says in one line what to run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The compiled script's path, or exit 1 with one line naming the command to run. */
export function builtScript(command, script) {
  const file = path.join(root, 'dist', script);
  if (!fs.existsSync(file)) {
    console.error(`${command}: not built (${path.relative(root, file)} is missing): run \`npm run build\` in ${root}`);
    process.exit(1);
  }
  return file;
}
