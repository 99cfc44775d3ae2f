// `npm run fuzz -- --iterations N`: hostile frames into the receive path of each stack (genuine,
// bit-flipped, truncated, extended, header fields at edge values, random bytes). Prints per stack
// what became of every frame and the drops by reason; exits 1 if a frame escaped the data path as
// an exception or was not accounted for exactly once, 2 on a bad flag.

import { FuzzSource, type FuzzCounts, accountingProblem } from '../drivers/fuzz.js';
import { startCommand } from './args.js';
import { FUZZ, parseFuzzOptions } from './fuzz-options.js';
import { EXIT } from './exit-codes.js';

function main(argv: string[]): number {
  const config = startCommand(FUZZ, argv, parseFuzzOptions);
  if (typeof config === 'number') return config;
  const results: Record<string, FuzzCounts & { seconds: number; problem: string | null }> = {};
  let failed = false;
  for (const spec of config.stacks) {
    const started = performance.now();
    const counts = new FuzzSource({ spec, crypto: config.crypto, seed: config.seed, enforceIcv: config.enforceIcv }).run(config.iterations);
    const problem = accountingProblem(counts);
    failed ||= problem !== null;
    results[spec] = { ...counts, seconds: (performance.now() - started) / 1000, problem };
    if (!config.json) {
      const c = counts;
      console.log(
        `${spec} [${config.crypto}]: ${c.offered} frames in ${results[spec]!.seconds.toFixed(1)} s — ` +
          `delivered ${c.delivered}, queued out of order ${c.queued}, without data ${c.withoutData}, blocked ` +
          `${c.blocked}, dropped ${c.dropped}; escapes ${c.escapes}; reconnects ` +
          `${c.reconnects}${problem ? `; FAILED: ${problem}` : '; every frame accounted for once'}`,
      );
      console.log(
        `  made: ${Object.entries(c.byMutation)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      console.log(
        `  drops: ${Object.entries(c.dropsByReason)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      if (c.statesReached.length > 0) console.log(`  tcp states after a frame: ${c.statesReached.join(', ')}`);
      for (const e of c.escapeSamples)
        console.log(`  escape (${e.mutation}): ${e.error.split('\n')[0]} — frame ${e.frameHex.slice(0, 160)}…`);
    }
  }
  if (config.json)
    console.log(
      JSON.stringify(
        {
          iterations: config.iterations,
          crypto: config.crypto,
          icv: config.enforceIcv ? 'enforced' : 'computed',
          seed: config.seed,
          stacks: results,
        },
        null,
        2,
      ),
    );
  return failed ? EXIT.failed : EXIT.ok;
}

process.exitCode = main(process.argv.slice(2));
