// The xkbench command line. The benchmark runner (npm run bench) arrives with the next issue;
// until then this says so and lists the stacks that can be built.

import { PAPER_STACKS, LAYER_NAMES } from '../stacks/spec.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: xkbench [--help]\n\nThe benchmark runner arrives with the next issue (benchmark runner and in-memory drivers).');
  process.exit(0);
}
console.log('xkbench: the protocol stacks are in place; the benchmark runner (npm run bench) arrives with the next issue.');
console.log(`paper stacks: ${PAPER_STACKS.join(', ')}`);
console.log(`layers: ${LAYER_NAMES.join(', ')}`);
console.log('per-layer costs today: npm run microbench');
