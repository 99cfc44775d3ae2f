// xkbench-fuzz's command line: its flags (for --help and the generated reference) and what they ask for.

import { FUZZ_STACKS } from '../drivers/fuzz.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { type CommandSpec, type FlagSpec, type ParsedArgs, flagReader } from './args.js';
import { oneOf, wholeNumber } from './flag-parsers.js';
import { stacksOption } from './stack-flag.js';

export interface FuzzConfig {
  iterations: number;
  stacks: string[];
  crypto: CryptoProviderName;
  seed: number;
  json: boolean;
  enforceIcv: boolean;
}

const FUZZ_FLAGS = {
  '--iterations': {
    group: 'What to fuzz',
    value: 'N',
    help: 'frames per stack, 1 to 100000000',
    default: '100000',
    parsed: true,
    parse: wholeNumber(1, 100_000_000),
  },
  '--stacks': {
    group: 'What to fuzz',
    value: 'a,b',
    help: 'stack specs, any kind',
    default: FUZZ_STACKS.join(', '),
    parsed: true,
    parse: (text: string) => stacksOption(text),
  },
  '--crypto': {
    group: 'What to fuzz',
    value: 'P',
    help: `${CRYPTO_PROVIDERS.join(' or ')} (node is the faster one: mutated frames rarely reach the cipher)`,
    default: 'node',
    parsed: true,
    parse: oneOf(CRYPTO_PROVIDERS, 'provider'),
  },
  '--icv': {
    group: 'What to fuzz',
    value: 'X',
    help: 'IPsec stacks: enforced (drop on a wrong ICV) or computed (compare only, as benchmark replay does)',
    default: 'enforced',
    parsed: true,
    parse: oneOf(['enforced', 'computed'] as const, 'choice'),
  },
  '--seed': {
    group: 'What to fuzz',
    value: 'S',
    help: 'PRNG seed, 0 to 4294967295',
    default: '1',
    parsed: true,
    parse: wholeNumber(0, 0xffff_ffff),
  },
  '--json': { group: 'Output', help: 'print the counts as one JSON object' },
} satisfies Record<string, FlagSpec>;

export const FUZZ: CommandSpec = {
  name: 'xkbench-fuzz',
  npm: 'npm run fuzz --',
  operands: '',
  positionals: 0,
  flags: FUZZ_FLAGS,
};

export function parseFuzzOptions(args: ParsedArgs): FuzzConfig {
  const flags = flagReader(FUZZ_FLAGS, args);
  return {
    iterations: flags.value('--iterations'),
    stacks: flags.value('--stacks'),
    crypto: flags.value('--crypto'),
    seed: flags.value('--seed'),
    json: args.has('--json'),
    enforceIcv: flags.value('--icv') === 'enforced',
  };
}
