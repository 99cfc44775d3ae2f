#!/usr/bin/env node
// The xkbench command: the compiled command line, started with what the node crypto provider needs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithLegacyOpenssl } from './with-legacy-openssl.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
await runWithLegacyOpenssl(path.join(root, 'dist', 'bench', 'cli.js'), process.argv.slice(2));
