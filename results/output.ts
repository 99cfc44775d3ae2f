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

/** Creates the folder and proves it writable, before any work starts. Throws with the reason. */
export function prepareOutputFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const probe = path.join(dir, `.write-test.${process.pid}`);
  fs.writeFileSync(probe, '');
  fs.rmSync(probe);
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return stringify(rows as unknown as Record<string, unknown>[], { header: true, columns: [...columns] });
}

/** A timestamp usable as a folder name: 2026-11-22T03-40-12Z. */
export function timestampFolder(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}
