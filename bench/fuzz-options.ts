// xkbench-fuzz's command line: its flags (for --help and the generated reference) and what they ask for.

import { FUZZ_STACKS } from '../drivers/fuzz.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { type CommandSpec, OptionError, type ParsedArgs, parseInteger } from './args.js';
import { stacksOption } from './stack-flag.js';

export interface FuzzConfig {
  iterations: number;
  stacks: string[];
  crypto: CryptoProviderName;
  seed: number;
  json: boolean;
  enforceIcv: boolean;
}

export const FUZZ: CommandSpec = {
  name: 'xkbench-fuzz',
  npm: 'npm run fuzz --',
  operands: '',
  positionals: 0,
  flags: {
    '--iterations': { group: 'What to fuzz', value: 'N', help: 'frames per stack, 1 to 100000000', default: '100000', parsed: true },
    '--stacks': { group: 'What to fuzz', value: 'a,b', help: 'stack specs, any kind', default: FUZZ_STACKS.join(', '), parsed: true },
    '--crypto': {
      group: 'What to fuzz',
      value: 'P',
      help: `${CRYPTO_PROVIDERS.join(' or ')} (node is the faster one: mutated frames rarely reach the cipher)`,
      default: 'node',
      parsed: true,
    },
    '--icv': {
      group: 'What to fuzz',
      value: 'X',
      help: 'IPsec stacks: enforced (drop on a wrong ICV) or computed (compare only, as benchmark replay does)',
      default: 'enforced',
      parsed: true,
    },
    '--seed': { group: 'What to fuzz', value: 'S', help: 'PRNG seed, 0 to 4294967295', default: '1', parsed: true },
    '--json': { group: 'Output', help: 'print the counts as one JSON object' },
  },
};

export function parseFuzzOptions(args: ParsedArgs): FuzzConfig {
  const icv = args.textOrDefault('--icv');
  if (icv !== 'enforced' && icv !== 'computed') throw new OptionError(`--icv '${icv}' is not allowed: enforced or computed`);
  const crypto = args.textOrDefault('--crypto');
  if (!CRYPTO_PROVIDERS.includes(crypto as CryptoProviderName))
    throw new OptionError(`--crypto '${crypto}' is not a provider: allowed are ${CRYPTO_PROVIDERS.join(', ')}`);
  const stacks = stacksOption(args.textOrDefault('--stacks'));
  return {
    iterations: parseInteger('--iterations', args.textOrDefault('--iterations'), 1, 100_000_000),
    stacks,
    crypto: crypto as CryptoProviderName,
    seed: parseInteger('--seed', args.textOrDefault('--seed'), 0, 0xffff_ffff),
    json: args.has('--json'),
    enforceIcv: icv === 'enforced',
  };
}
