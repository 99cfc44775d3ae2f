// `npm run fuzz -- --iterations N`: hostile frames into the receive path of each stack (genuine,
// bit-flipped, truncated, extended, header fields at edge values, random bytes). Prints per stack
// what became of every frame and the drops by reason; exits 1 if a frame escaped the data path as
// an exception or was not accounted for exactly once, 2 on a bad flag.

import { FUZZ_STACKS, FuzzSource, type FuzzCounts, accountingProblem } from '../drivers/fuzz.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { StackSpecError, parseStackSpec, stackList } from '../stacks/spec.js';

interface FuzzConfig {
  iterations: number;
  stacks: string[];
  crypto: CryptoProviderName;
  seed: number;
  json: boolean;
  enforceIcv: boolean;
}

const HELP = `usage: xkbench-fuzz [flags]   (npm run fuzz -- [flags])

  --iterations N   frames per stack (default: 100000; 1 to 100000000)
  --stacks a,b     stack specs, any (default: the four paper stacks over FDDI and over Ethernet,
                   des/tcp/ip/fddi, udp/ip/fddi, screen(100)/ip/eth, esp(3des,md5)/ip/eth, esp(des,md5)/ip/fddi,
                   ah(md5)/ip/eth)
  --crypto X       cryptojs or node (default: node, the faster one: mutated frames rarely reach the cipher)
  --icv X          IPsec stacks: enforced (drop on a wrong ICV, the default) or computed (compare
                   only, as benchmark replay does)
  --seed S         PRNG seed (default: 1)
  --json           print the counts as JSON
  --help           this text`;

class FlagError extends Error {}

function parse(argv: readonly string[]): FuzzConfig | null {
  const config: FuzzConfig = { iterations: 100_000, stacks: [...FUZZ_STACKS], crypto: 'node', seed: 1, json: false, enforceIcv: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return null;
    if (flag === '--json') {
      config.json = true;
      continue;
    }
    const value = argv[i + 1];
    if (!['--iterations', '--stacks', '--crypto', '--icv', '--seed'].includes(flag)) throw new FlagError(`unknown flag ${flag}: allowed are --iterations, --stacks, --crypto, --icv, --seed, --json, --help`);
    if (value === undefined || value.startsWith('--')) throw new FlagError(`${flag} needs a value`);
    i++;
    if (flag === '--iterations' || flag === '--seed') {
      const max = flag === '--iterations' ? 100_000_000 : 0xffff_ffff;
      const min = flag === '--iterations' ? 1 : 0;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new FlagError(`${flag} '${value}' is not a whole number from ${min} to ${max}`);
      if (flag === '--iterations') config.iterations = Number(value);
      else config.seed = Number(value);
    } else if (flag === '--icv') {
      if (value !== 'enforced' && value !== 'computed') throw new FlagError(`--icv '${value}' is not allowed: enforced or computed`);
      config.enforceIcv = value === 'enforced';
    } else if (flag === '--crypto') {
      if (!CRYPTO_PROVIDERS.includes(value as CryptoProviderName)) throw new FlagError(`--crypto '${value}' is not a provider: allowed are ${CRYPTO_PROVIDERS.join(', ')}`);
      config.crypto = value as CryptoProviderName;
    } else {
      config.stacks = stackList(value);
      for (const spec of config.stacks) {
        try {
          parseStackSpec(spec);
        } catch (err) {
          if (err instanceof StackSpecError) throw new FlagError(`--stacks: ${err.message}`);
          throw err;
        }
      }
    }
  }
  return config;
}

function main(argv: string[]): number {
  let config: FuzzConfig | null;
  try {
    config = parse(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      console.error(`xkbench-fuzz: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (config === null) {
    console.log(HELP);
    return 0;
  }
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
      console.log(`${spec} [${config.crypto}]: ${c.offered} frames in ${results[spec]!.seconds.toFixed(1)} s — delivered ${c.delivered}, queued out of order ${c.queued}, without data ${c.withoutData}, blocked ${c.blocked}, dropped ${c.dropped}; escapes ${c.escapes}; reconnects ${c.reconnects}${problem ? `; FAILED: ${problem}` : '; every frame accounted for once'}`);
      console.log(`  made: ${Object.entries(c.byMutation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`  drops: ${Object.entries(c.dropsByReason).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      for (const e of c.escapeSamples) console.log(`  escape (${e.mutation}): ${e.error.split('\n')[0]} — frame ${e.frameHex.slice(0, 160)}…`);
    }
  }
  if (config.json) console.log(JSON.stringify({ iterations: config.iterations, crypto: config.crypto, icv: config.enforceIcv ? 'enforced' : 'computed', seed: config.seed, stacks: results }, null, 2));
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
