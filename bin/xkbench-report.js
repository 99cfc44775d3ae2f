#!/usr/bin/env node
// The xkbench-report command: rebuilds a run folder's reports from its results.json.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
await import(path.join(root, 'dist', 'bench', 'report-command.js'));
