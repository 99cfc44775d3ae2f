// Result files: each written whole or not at all (a temporary file beside it, then rename).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';

export function writeAtomic(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** How many missing folders --out may create at once (a guard, far above any real path). */
const MAX_NEW_FOLDERS = 64;

/**
 * Creates the folder and proves it writable, before any work starts. Throws with the reason.
 * Missing folders are made one level at a time: Node's recursive mkdir never returns on some
 * paths (/proc/x/y), where a plain mkdir fails at once.
 */
export function prepareOutputFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const stat = statIfAny(at);
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new Error(`${at} is not a folder`);
      break;
    }
    if (path.dirname(at) === at || missing.length >= MAX_NEW_FOLDERS) throw new Error(`no folder of its path exists`);
    missing.push(at);
  }
  for (const folder of missing.reverse()) fs.mkdirSync(folder);
  const probe = path.join(dir, `.write-test.${process.pid}`);
  fs.writeFileSync(probe, '');
  fs.rmSync(probe);
}

/** The path's stat, or undefined when nothing is there (also when a file stands where a folder of it would). */
function statIfAny(at: string): fs.Stats | undefined {
  try {
    return fs.statSync(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return stringify(rows as unknown as Record<string, unknown>[], { header: true, columns: [...columns] });
}

/** A timestamp usable as a folder name: 2026-11-22T03-40-12Z. */
export function timestampFolder(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}
