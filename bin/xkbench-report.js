#!/usr/bin/env node
// The xkbench-report command: rebuilds a run folder's reports from its results.json.
import { pathToFileURL } from 'node:url';
import { builtScript } from './built.js';

await import(pathToFileURL(builtScript('xkbench-report', 'bench/report-command.js')).href);
