#!/usr/bin/env node
// The xkbench-fuzz command: hostile frames into every stack's receive path (npm run fuzz).
import { builtScript } from './built.js';
import { runWithLegacyOpenssl } from './with-legacy-openssl.js';

await runWithLegacyOpenssl(builtScript('xkbench-fuzz', 'bench/fuzz.js'), process.argv.slice(2));
