// `npm run fuzz -- --iterations N`: hostile frames into the receive path of each stack (genuine,
// bit-flipped, truncated, extended, header fields at edge values, random bytes). Prints per stack
// what became of every frame and the drops by reason; exits 1 if a frame escaped the data path as
// an exception or was not accounted for exactly once, 2 on a bad flag.

import { FUZZ_STACKS, FuzzSource, type FuzzCounts, accountingProblem } from '../drivers/fuzz.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { StackSpecError, parseStackSpec, stackList } from '../stacks/spec.js';
import { type CommandSpec, OptionError, type ParsedArgs, parseInteger, startCommand } from './args.js';
import { EXIT } from './exit-codes.js';

interface FuzzConfig {
  iterations: number;
  stacks: string[];
  crypto: CryptoProviderName;
  seed: number;
  json: boolean;
  enforceIcv: boolean;
}

const FUZZ: CommandSpec = {
  name: 'xkbench-fuzz',
  npm: 'npm run fuzz --',
  operands: '',
  positionals: 0,
  flags: {
    '--iterations': { group: 'What to fuzz', value: 'N', help: 'frames per stack, 1 to 100000000', default: '100000' },
    '--stacks': { group: 'What to fuzz', value: 'a,b', help: 'stack specs, any kind', default: FUZZ_STACKS.join(', ') },
    '--crypto': {
      group: 'What to fuzz',
      value: 'P',
      help: `${CRYPTO_PROVIDERS.join(' or ')} (node is the faster one: mutated frames rarely reach the cipher)`,
      default: 'node',
    },
    '--icv': {
      group: 'What to fuzz',
      value: 'X',
      help: 'IPsec stacks: enforced (drop on a wrong ICV) or computed (compare only, as benchmark replay does)',
      default: 'enforced',
    },
    '--seed': { group: 'What to fuzz', value: 'S', help: 'PRNG seed, 0 to 4294967295', default: '1' },
    '--json': { group: 'Output', help: 'print the counts as one JSON object' },
  },
};

function parse(args: ParsedArgs): FuzzConfig {
  const config: FuzzConfig = {
    iterations: 100_000,
    stacks: [...FUZZ_STACKS],
    crypto: 'node',
    seed: 1,
    json: args.has('--json'),
    enforceIcv: true,
  };
  const text = args.text;
  config.iterations = args.value('--iterations', (t) => parseInteger('--iterations', t, 1, 100_000_000), config.iterations);
  config.seed = args.value('--seed', (t) => parseInteger('--seed', t, 0, 0xffff_ffff), config.seed);
  const icv = text('--icv');
  if (icv !== undefined) {
    if (icv !== 'enforced' && icv !== 'computed') throw new OptionError(`--icv '${icv}' is not allowed: enforced or computed`);
    config.enforceIcv = icv === 'enforced';
  }
  const crypto = text('--crypto');
  if (crypto !== undefined) {
    if (!CRYPTO_PROVIDERS.includes(crypto as CryptoProviderName))
      throw new OptionError(`--crypto '${crypto}' is not a provider: allowed are ${CRYPTO_PROVIDERS.join(', ')}`);
    config.crypto = crypto as CryptoProviderName;
  }
  const stacks = text('--stacks');
  if (stacks !== undefined) {
    config.stacks = stackList(stacks);
    if (config.stacks.length === 0) throw new OptionError('--stacks names no stack');
    for (const spec of config.stacks) {
      try {
        parseStackSpec(spec);
      } catch (err) {
        if (err instanceof StackSpecError) throw new OptionError(`--stacks: ${err.message}`);
        throw err;
      }
    }
  }
  return config;
}

function main(argv: string[]): number {
  const config = startCommand(FUZZ, argv, parse);
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
