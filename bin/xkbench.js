#!/usr/bin/env node
// The xkbench command: the compiled command line, started with what the node crypto provider needs.
import { builtScript } from './built.js';
import { runWithLegacyOpenssl } from './with-legacy-openssl.js';

await runWithLegacyOpenssl(builtScript('xkbench', 'bench/cli.js'), process.argv.slice(2));
