// The command line: every flag is checked before any work starts; a bad one is an OptionError
// (exit 2) naming the flag, what was given and what is allowed.

import type { Side } from '../drivers/workload.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { PAPER_STACKS, StackSpecError, parseStackSpec } from '../stacks/spec.js';
import { Stack, endpointPair } from '../stacks/stack.js';

export class OptionError extends Error {
  override name = 'OptionError';
}

export type Profile = 'quick' | 'paper';

export interface BenchConfig {
  stacks: string[];
  sides: Side[];
  packetSize: number;
  connections: number;
  cryptos: CryptoProviderName[];
  warmupSeconds: number;
  durationSeconds: number;
  runs: number;
  seed: number;
  profile: Profile;
  out: string | null;
  pcap: string | null;
  verify: boolean;
  json: boolean;
  quiet: boolean;
  layers: boolean;
  help: boolean;
}

const PROFILES: Record<Profile, { warmupSeconds: number; durationSeconds: number; runs: number }> = {
  quick: { warmupSeconds: 1, durationSeconds: 2, runs: 5 },
  paper: { warmupSeconds: 30, durationSeconds: 30, runs: 10 },
};

const SIDES: readonly Side[] = ['send', 'recv'];
const MAX_PACKET = 65_535;

interface FlagSpec {
  takes: boolean;
  help: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  '--stacks': { takes: true, help: `stack specs, comma-separated, top layer first (default: ${PAPER_STACKS.join(',')})` },
  '--side': { takes: true, help: 'send, recv or send,recv (default: both)' },
  '--packet-size': { takes: true, help: 'application bytes per packet (default: 4096; at most what one frame of each stack carries)' },
  '--connections': { takes: true, help: 'connections, served in turn by the one thread (default: 1)' },
  '--crypto': { takes: true, help: `crypto provider: ${CRYPTO_PROVIDERS.join(', ')}, or both comma-separated (default: cryptojs)` },
  '--warmup': { takes: true, help: 'warm-up before each run, excluded from the figures: 500ms, 1s, 2m (default: 1s)' },
  '--duration': { takes: true, help: 'steady-state window of each run (default: 2s)' },
  '--runs': { takes: true, help: 'runs per configuration, each with a new seed (default: 5)' },
  '--seed': { takes: true, help: 'first seed; run k uses seed + k - 1 (default: 1)' },
  '--profile': { takes: true, help: 'quick (1s warm-up, 2s, 5 runs) or paper (30s, 30s, 10 runs); explicit flags win (default: quick)' },
  '--out': { takes: true, help: 'folder for results.csv, results.json and report.md (default: results/<timestamp>/)' },
  '--pcap': { takes: true, help: 'write the first frames of each configuration to this pcap file' },
  '--verify': { takes: false, help: 'strict mode: genuine frames only, any drop or data mismatch is an error' },
  '--json': { takes: false, help: 'print the summary as JSON on stdout instead of the table' },
  '--quiet': { takes: false, help: 'no progress line and no table' },
  '--layers': { takes: false, help: 'per-layer microbenchmarks (tinybench) instead of the stack runs' },
  '--help': { takes: false, help: 'this text' },
};

export function usage(): string {
  const width = Math.max(...Object.keys(FLAGS).map((f) => f.length)) + 2;
  const lines = Object.entries(FLAGS).map(([flag, spec]) => `  ${(flag + (spec.takes ? ' X' : '')).padEnd(width + 2)}${spec.help}`);
  return ['usage: xkbench [flags]   (npm run bench -- [flags])', '', ...lines].join('\n');
}

/** Parses a duration: a number with ms, s or m (a bare number is seconds). */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new OptionError(`${flag} '${text}' is not a duration: give a number with ms, s or m, such as 500ms, 2s or 1m`);
  const value = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
  return value;
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new OptionError(`${flag} '${text}' is not a whole number: allowed ${min} to ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new OptionError(`${flag} ${value} is out of range: allowed ${min} to ${max}`);
  return value;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function unique<T>(flag: string, values: T[]): T[] {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) throw new OptionError(`${flag} names '${String(v)}' twice`);
    seen.add(v);
  }
  return values;
}

/** Parses argv (without node and script). Throws OptionError on anything wrong. */
export function parseOptions(argv: readonly string[]): BenchConfig {
  const given = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      given.set('--help', true);
      continue;
    }
    if (!arg.startsWith('--')) throw new OptionError(`unexpected argument '${arg}': flags start with --; see --help`);
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const spec = FLAGS[flag];
    if (spec === undefined) throw new OptionError(`unknown flag ${flag}: allowed are ${Object.keys(FLAGS).join(', ')}`);
    if (given.has(flag)) throw new OptionError(`${flag} is given twice`);
    if (!spec.takes) {
      if (eq >= 0) throw new OptionError(`${flag} takes no value`);
      given.set(flag, true);
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new OptionError(`${flag} needs a value: ${spec.help}`);
      value = next;
      i++;
    }
    if (value.trim() === '') throw new OptionError(`${flag} needs a value: ${spec.help}`);
    given.set(flag, value);
  }
  const text = (flag: string): string | undefined => {
    const v = given.get(flag);
    return typeof v === 'string' ? v : undefined;
  };

  const profileText = text('--profile') ?? 'quick';
  if (profileText !== 'quick' && profileText !== 'paper') throw new OptionError(`--profile '${profileText}' is not a profile: allowed are quick, paper`);
  const profile = PROFILES[profileText];

  const stacks = unique('--stacks', list(text('--stacks') ?? PAPER_STACKS.join(',')));
  if (stacks.length === 0) throw new OptionError('--stacks names no stack');
  for (const spec of stacks) {
    try {
      parseStackSpec(spec);
    } catch (err) {
      if (err instanceof StackSpecError) throw new OptionError(`--stacks: ${err.message}`);
      throw err;
    }
  }

  const sides = unique('--side', list(text('--side') ?? 'send,recv'));
  for (const side of sides) {
    if (!SIDES.includes(side as Side)) throw new OptionError(`--side '${side}' is not a side: allowed are send, recv`);
  }
  if (sides.length === 0) throw new OptionError('--side names no side: allowed are send, recv');

  const cryptos = unique('--crypto', list(text('--crypto') ?? 'cryptojs'));
  for (const c of cryptos) {
    if (!CRYPTO_PROVIDERS.includes(c as CryptoProviderName)) throw new OptionError(`--crypto '${c}' is not a provider: allowed are ${CRYPTO_PROVIDERS.join(', ')}`);
  }
  if (cryptos.length === 0) throw new OptionError(`--crypto names no provider: allowed are ${CRYPTO_PROVIDERS.join(', ')}`);

  const packetSize = text('--packet-size') !== undefined ? parseInteger('--packet-size', text('--packet-size')!, 1, MAX_PACKET) : 4096;
  for (const spec of stacks) {
    const fits = new Stack(spec, endpointPair()[0]).maxPayload;
    if (packetSize > fits) {
      throw new OptionError(`--packet-size ${packetSize} does not fit one frame of ${spec}: allowed 1 to ${fits} (no IP fragmentation)`);
    }
  }
  const connections = text('--connections') !== undefined ? parseInteger('--connections', text('--connections')!, 1, 1024) : 1;
  const runs = text('--runs') !== undefined ? parseInteger('--runs', text('--runs')!, 1, 1000) : profile.runs;
  const seed = text('--seed') !== undefined ? parseInteger('--seed', text('--seed')!, 0, 0xffff_ffff) : 1;
  const warmupSeconds = text('--warmup') !== undefined ? parseDuration('--warmup', text('--warmup')!) : profile.warmupSeconds;
  const durationSeconds = text('--duration') !== undefined ? parseDuration('--duration', text('--duration')!) : profile.durationSeconds;
  if (durationSeconds < 0.01) throw new OptionError(`--duration ${text('--duration')} is too short: at least 10ms`);
  if (durationSeconds > 24 * 3600 || warmupSeconds > 24 * 3600) throw new OptionError('--duration and --warmup are at most 24 hours');

  return {
    stacks,
    sides: sides as Side[],
    packetSize,
    connections,
    cryptos: cryptos as CryptoProviderName[],
    warmupSeconds,
    durationSeconds,
    runs,
    seed,
    profile: profileText,
    out: text('--out') ?? null,
    pcap: text('--pcap') ?? null,
    verify: given.has('--verify'),
    json: given.has('--json'),
    quiet: given.has('--quiet'),
    layers: given.has('--layers'),
    help: given.has('--help'),
  };
}
