// The command line: every flag is checked before any work starts; a bad one is an OptionError
// (exit 2) naming the flag, what was given and what is allowed.

import type { Side } from '../drivers/workload-contract.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName, cryptoProvider } from '../stacks/crypto/index.js';
import { kindOf } from '../stacks/registry.js';
import {
  PAPER_STACKS,
  isGatewaySpec,
  isIpsecSpec,
  isScreenSpec,
  isTcpSpec,
  cryptoPrimitives,
  parseStackLayers,
  stackShape,
} from '../stacks/spec.js';
import {
  DISPATCH_POLICIES,
  DISPATCH_UNITS,
  type DispatchPolicy,
  type DispatchUnit,
  HASH_FIELDS,
  type HashField,
} from '../parallel/dispatch.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { MIN_RTO_MS } from '../stacks/layers/tcp/timers.js';
import { recordCapacity } from '../stacks/layers/cbc-records.js';
import * as os from 'node:os';
import { THREAD_MEMORY_MIB, defaultWorkerSweep, fitPlan, thinned, threadMemoryProblem } from './plan.js';
import { type CommandSpec, type FlagSpec, OptionError, type ParsedArgs, parseCommandLine, parseInteger } from './args.js';
import { stacksOption } from './stack-flag.js';

export { OptionError };
import type { ClpPolicy } from '../parallel/parallel-run.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { type BenchConfig, type OutputFormat, type Profile, MODES, OUTPUT_FORMATS, faultsAsked } from './config.js';

const CLP_POLICIES: readonly ClpPolicy[] = ['thread-per-connection', 'processor-per-connection'];
const LOCK_SCOPES: readonly TcpLockScope[] = ['state', 'segment'];
/** The most threads one configuration may start (thread-per-connection: one per connection). */
const MAX_THREADS = 1024;

/** Shieh & Lai's frame sizes (Table 4-1): the inner datagram, so that 1446 fills an Ethernet frame under ESP. */
export const IPSEC_FRAME_SIZES = [512, 1024, 1446];

const PROFILES: Record<Profile, { warmupSeconds: number; durationSeconds: number; runs: number; targetCiPercent: number | null }> = {
  // Both modes at 1 and 2 workers for four stacks and two sides is 32 configurations: four runs
  // are about 3 minutes, and the ±5% target may add runs up to 1.5 times that. Runs are the unit
  // of the intervals (each brings new threads), so several short ones beat a few long ones.
  quick: { warmupSeconds: 0.5, durationSeconds: 0.5, runs: 4, targetCiPercent: 5 },
  paper: { warmupSeconds: 30, durationSeconds: 30, runs: 10, targetCiPercent: 2 },
  // The CI regression check: seconds per stack, enough runs for an interval.
  ci: { warmupSeconds: 0.3, durationSeconds: 0.5, runs: 4, targetCiPercent: null },
};

/** A profile's setting as help shows it: each profile's value. */
function byProfile(show: (p: (typeof PROFILES)[Profile]) => string): string {
  return `the profile's: ${(Object.keys(PROFILES) as Profile[]).map((name) => `${name} ${show(PROFILES[name])}`).join(', ')}`;
}

function seconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)}ms` : `${value}s`;
}

const SIDES: readonly Side[] = ['send', 'recv'];
const MAX_PACKET = 65_535;

const RUN = 'What to run';
const TIME = 'How long';
const PARALLEL = 'Parallelism';
const GATEWAY = 'Gateway stacks (packet screen, IPsec)';
const LOSSY = 'A lossy wire (TCP stacks)';
const OUTPUT = 'Output';
const COMPARE = 'Comparison';

export const FLAGS: Record<string, FlagSpec> = {
  '--stacks': {
    group: RUN,
    value: 'a,b',
    help:
      'stack specs, comma-separated, top layer first, e.g. tcp/ip/fddi, des/tcp/md5/ip/eth, udp/ip/fddi, ' +
      'screen(100)/ip/eth, esp(3des,md5)/ip/eth, ah(md5)/ip/eth',
    default: `the paper's four, ${PAPER_STACKS.join(', ')}`,
  },
  '--side': { group: RUN, value: 'S', help: 'send, recv, or send,recv', default: 'send,recv', parsed: true },
  '--mode': {
    group: RUN,
    value: 'M',
    help:
      'plp (packet-level: one connection, any packet to any worker), clp (connection-level: a connection ' +
      'per worker), single (one thread, no pool); comma-separated',
    default: 'plp,clp',
    parsed: true,
  },
  '--packet-size': {
    group: RUN,
    value: 'N',
    help: 'application bytes per packet (one write: TCP cuts it into segments; a datagram must fit one frame)',
    default: '4096',
    parsed: true,
  },
  '--crypto': {
    group: RUN,
    value: 'P',
    help: `crypto provider: ${CRYPTO_PROVIDERS.join(', ')}, or both comma-separated`,
    default: 'cryptojs',
    parsed: true,
  },
  '--verify': { group: RUN, help: 'strict mode: genuine frames only; any drop or data mismatch is an error' },
  '--layers': { group: RUN, help: 'per-layer microbenchmarks (tinybench) instead of the stack runs' },
  '--profile': {
    group: TIME,
    value: 'P',
    help:
      'quick (500ms warm-up, 500ms, 4 runs, target ±5%), paper (30s, 30s, 10 runs, ±2%) or ci (300ms, ' +
      '500ms, 4 runs, no target: the regression check); explicit flags win',
    default: 'quick',
    parsed: true,
  },
  '--warmup': {
    group: TIME,
    value: 'T',
    help: 'warm-up before each run, excluded from the figures: 500ms, 1s, 2m',
    default: byProfile((p) => seconds(p.warmupSeconds)),
  },
  '--warmup-cpu': {
    group: TIME,
    value: 'T',
    help:
      'warm-up by work: every thread warms up until it has had T on the CPU and 64 packets, so that its JIT ' +
      'has settled however many threads share the cores (the warm-up lasts at least --warmup)',
    // On a fresh thread the per-packet cost settles after about 32 000 packets of tcp/ip/fddi (~70 ms
    // of CPU), 256 of the MD5 stack (~20 ms) and 64 of 3DES (5.1 → 4.4 ms a packet).
    default: '100ms',
    parsed: true,
  },
  '--duration': {
    group: TIME,
    value: 'T',
    help: "steady-state window of each run (its slices' time)",
    default: byProfile((p) => seconds(p.durationSeconds)),
  },
  '--runs': {
    group: TIME,
    value: 'N',
    help:
      'runs per configuration, each with a new seed and new threads, 1 to 1000 (with --target-ci the ' +
      'least); given alone, exactly N runs and no target',
    default: byProfile((p) => String(p.runs)),
  },
  '--target-ci': {
    group: TIME,
    value: 'P',
    help:
      "add runs until every paired ratio's 90% interval is within ±P% (speedups, PLP/CLP, lock scopes, " +
      'same-run ratios), or the budget is spent, e.g. 5%',
    default: "the profile's",
  },
  '--budget': {
    group: TIME,
    value: 'T',
    help:
      'the most the whole benchmark may take, e.g. 5m: shorter windows, fewer worker counts or fewer runs ' +
      'until the plan fits (said before any work, and in meta.plan); with a precision target, its added ' +
      'runs stop there too',
    default: 'no limit; a target stops at 1.5 times the plan',
  },
  '--slice': {
    group: TIME,
    value: 'T',
    help: 'length of the slices in which the configurations of a stack and side, and their primitives, take turns: 10ms to 10s',
    // Short enough that the machine's speed barely drifts within a round.
    default: '50ms',
    parsed: true,
  },
  '--noise-probe': {
    group: TIME,
    value: 'T',
    help:
      "before the runs, how long to measure the machine's slice-to-slice variation (in meta.machine and the report's header); " +
      '0 skips it',
    default: "2s, or a twentieth of the plan's estimate when that is shorter (at least 9 slices)",
  },
  '--seed': { group: TIME, value: 'S', help: 'first seed; run k uses seed + k - 1', default: '1', parsed: true },
  '--workers': {
    group: PARALLEL,
    value: 'a,b',
    help:
      `worker threads, comma-separated to sweep, 1 to ${MAX_THREADS}, or cores for this machine's (e.g. ` +
      `1,cores); more than the cores are marked oversubscribed`,
    default: '1, 2, 4, … and the cores',
    here: () => defaultWorkerSweep(cores()).join(','),
  },
  '--connections': {
    group: PARALLEL,
    value: 'a,b',
    help: `connections, comma-separated to sweep, 1 to ${MAX_THREADS}, e.g. 12,24,48,96,192,384 (plp runs one)`,
    default: 'for clp 12, or the most workers if more; 1 otherwise',
  },
  '--clp': {
    group: PARALLEL,
    value: 'P',
    help:
      'thread-per-connection (threads = connections), processor-per-connection (threads = --workers, ' +
      'connections spread evenly), or both comma-separated (one chart)',
    default: 'processor-per-connection',
    parsed: true,
  },
  '--tcp-lock-scope': {
    group: PARALLEL,
    value: 'S',
    help:
      "plp: state (the lock covers TCP state only, checksums outside) or segment (all of TCP's work on a " +
      'segment); state,segment compares both',
    default: 'state',
    parsed: true,
  },
  '--dispatch': {
    group: GATEWAY,
    value: 'P',
    help:
      `${DISPATCH_POLICIES.join(', ')}: shared queue, Benecke's flat hash selection, Shieh & Lai's ` +
      `round-robin or shortest queue first; comma-separated to compare`,
    default: 'flat-hash',
    parsed: true,
  },
  '--dispatch-unit': {
    group: GATEWAY,
    value: 'U',
    help: "packet (each packet placed on its own) or session (a session's packets follow its first); packet,session compares both",
    default: 'packet',
    parsed: true,
  },
  '--hash-field': {
    group: GATEWAY,
    value: 'F',
    help:
      `what flat-hash reads: ${HASH_FIELDS.join(', ')} (checksum: the IP header checksum, as in Benecke's prototype; ` +
      'per session always the 5-tuple)',
    default: 'checksum',
    parsed: true,
  },
  '--frame-sizes': {
    group: GATEWAY,
    value: 'a,b',
    help: "IPsec stacks: inner datagram bytes, comma-separated, as in Shieh & Lai's Table 4-1",
    default: `${IPSEC_FRAME_SIZES.join(',')}, the last cut to what one frame of the tightest tunnel carries`,
  },
  '--kill-worker': {
    group: GATEWAY,
    value: 'K@T',
    help: 'crash worker K (0-based) T into each steady window, e.g. 1@2s; configurations with fewer than K + 1 workers run as usual',
  },
  '--heartbeat': {
    group: GATEWAY,
    value: 'MS',
    help:
      'every worker beats every MS milliseconds; a worker silent for 3 beats is taken for dead and the ' +
      'survivors divide the packets anew, e.g. 20',
    default: 'none, static selection',
  },
  '--loss': {
    group: LOSSY,
    value: 'P',
    help:
      'lose each frame with probability P, both ways (seeded by the run), comma-separated to sweep, 0 to 50%, e.g. ' +
      '0,1%: TCP recovers by fast retransmit and its timers; retransmissions and cwnd go into each run',
    default: '0',
    parsed: true,
  },
  '--duplicate': { group: LOSSY, value: 'P', help: 'send a frame twice with probability P, 0 to 50%', default: '0', parsed: true },
  '--reorder': {
    group: LOSSY,
    value: 'P',
    help: 'hold a frame back behind the next with probability P, 0 to 50%',
    default: '0',
    parsed: true,
  },
  '--corrupt': { group: LOSSY, value: 'P', help: 'flip one bit of a frame with probability P, 0 to 50%', default: '0', parsed: true },
  '--min-rto': {
    group: LOSSY,
    value: 'MS',
    help: "TCP's smallest retransmission timeout, 1 to 60000 ms (Linux's rto_min; RFC 6298 says 1 s)",
    default: String(MIN_RTO_MS),
    parsed: true,
  },
  '--out': {
    group: OUTPUT,
    value: 'DIR',
    help: 'folder for results.csv, results.json, report.md, report.html and charts/',
    default: 'results/<timestamp>/',
  },
  '--pcap': {
    group: OUTPUT,
    value: 'FILE',
    help: 'write the first frames of each configuration to this pcap file (one per link type); its folder must exist',
  },
  '--json': {
    group: OUTPUT,
    help: 'print one JSON object on stdout instead of the tables: summary, failures, comparison, regressions, incomplete, out',
  },
  '--quiet': { group: OUTPUT, help: 'no progress line and no tables' },
  '--progress': {
    group: OUTPUT,
    value: 'P',
    help:
      'auto: one line redrawn while stderr is a terminal (not with --quiet, TERM=dumb or CI set); lines: a plain line on ' +
      'stderr as each configuration starts each run, for logs and scripts (also with --quiet); off: none',
    default: 'auto',
    parsed: true,
  },
  '--format': {
    group: OUTPUT,
    value: 'F',
    help:
      'also write github-action-benchmark.json (tracked metrics) and ' +
      'github-action-benchmark-throughput.json (Mbit/s), customBiggerIsBetter, with: ' +
      'github-action-benchmark',
  },
  '--compare': {
    group: COMPARE,
    value: 'OLD',
    help:
      'a results.json or run folder: each summary row old against new, the change in %, whether it is ' +
      'outside the noise (90% intervals) and beyond --threshold',
  },
  '--threshold': {
    group: COMPARE,
    value: 'P',
    help: 'with --compare: changes smaller than this are not counted, e.g. 10%',
    default: '10%',
    parsed: true,
  },
  '--fail-on-regression': {
    group: COMPARE,
    help: 'with --compare: exit 3 when a tracked metric (speedup, same-run ratio) regresses beyond the threshold and outside the noise',
  },
};

/** The xkbench command: its name, its flags and their help. */
export const XKBENCH: CommandSpec = {
  name: 'xkbench',
  npm: 'npm run bench --',
  operands: '',
  positionals: 0,
  flags: FLAGS,
  subcommands: [
    ['ab REF', 'this code against commit REF, in alternation (ab --help)'],
    ['kernel', "our tcp/ip/eth against Linux's TCP (kernel --help)"],
  ],
};

/** The xkbench-report command: its flags are xkbench's comparison flags. */
export const REPORT: CommandSpec = {
  name: 'xkbench-report',
  npm: 'npm run report --',
  operands: 'DIR',
  operandHelp: [['DIR', 'a run folder (or its results.json): report.md, report.html and charts/ are rebuilt there']],
  positionals: 1,
  flags: Object.fromEntries(['--compare', '--threshold', '--fail-on-regression', '--format'].map((f) => [f, FLAGS[f]!])),
};

/** Parses a duration: a number with ms, s, m or h (a bare number is seconds). */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null)
    throw new OptionError(`${flag} '${text}' is not a duration: give a number with ms, s, m or h, such as 500ms, 2s, 1m or 1h`);
  const value = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : 1);
  return value;
}

export function cores(): number {
  return os.availableParallelism();
}

function integerList(flag: string, text: string, min: number, max: number): number[] {
  const values = unique(
    flag,
    list(text).map((v) => parseInteger(flag, v, min, max)),
  );
  if (values.length === 0) throw new OptionError(`${flag} names no value: allowed ${min} to ${max}`);
  return values;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function unique<T>(flag: string, values: T[]): T[] {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) throw new OptionError(`${flag} names '${String(v)}' twice`);
    seen.add(v);
  }
  return values;
}

/** Parses argv (without node and script) for a machine of `cores` cores. Throws OptionError on anything wrong. */
export function parseOptions(argv: readonly string[], machineCores = cores(), memoryBytes = os.totalmem()): BenchConfig {
  return configFrom(parseCommandLine(XKBENCH, argv), machineCores, memoryBytes);
}

/** A comma-separated list given to `flag` (or its default), each entry one of `allowed` and none twice. */
const PROGRESS_MODES = ['auto', 'lines', 'off'] as const;

function choices<T extends string>(flag: string, text: string, allowed: readonly T[], noun: string): T[] {
  const items = unique(flag, list(text));
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new OptionError(`${flag} '${item}' is not a ${noun}: allowed are ${allowed.join(', ')}`);
  }
  if (items.length === 0) throw new OptionError(`${flag} names no ${noun}: allowed are ${allowed.join(', ')}`);
  return items as T[];
}

/** --stacks and --side, and the sizes the stacks must carry (--packet-size, --frame-sizes). */
function stackOptions(args: ParsedArgs): Pick<BenchConfig, 'stacks' | 'sides' | 'packetSize' | 'frameSizes'> {
  const { text, value } = args;
  const stacks = unique('--stacks', stacksOption(text('--stacks') ?? PAPER_STACKS.join(',')));
  const sides = choices('--side', args.textOrDefault('--side'), SIDES, 'side');
  const screens = stacks.filter(isScreenSpec);
  if (screens.length > 0 && !sides.includes('recv')) {
    throw new OptionError(`--side send: ${screens[0]} forwards the packets that arrive, it has no send side; add recv`);
  }
  const ipsecStacks = stacks.filter(isIpsecSpec);
  if (ipsecStacks.length === 0 && text('--frame-sizes') !== undefined)
    throw new OptionError('--frame-sizes applies to IPsec gateway stacks, such as esp(3des,md5)/ip/eth; --stacks names none');
  // By default the largest size is what one frame of the tightest tunnel carries (1446 for 3DES with HMAC-MD5-96).
  const fitting = ipsecStacks.map((spec) => probeStack(spec).maxPayload);
  const tightest = Math.min(...fitting);
  const defaults = [...new Set(IPSEC_FRAME_SIZES.map((size) => Math.min(size, tightest)))];
  const frameSizes = value('--frame-sizes', (t) => integerList('--frame-sizes', t, 64, MAX_PACKET), defaults);
  for (const [i, spec] of ipsecStacks.entries()) {
    const fits = fitting[i]!;
    const over = frameSizes.find((size) => size > fits);
    if (over !== undefined)
      throw new OptionError(
        `--frame-sizes ${over} does not fit one frame of ${spec}: allowed 64 to ${fits} ` +
          "(the inner datagram, with the tunnel's headers, must fit the link's MTU)",
      );
  }
  const packetSize = parseInteger('--packet-size', args.textOrDefault('--packet-size'), 1, MAX_PACKET);
  for (const spec of stacks) {
    if (isGatewaySpec(spec)) continue; // its traffic mix sets the sizes (16 to 1472 bytes of user data)
    const fits = probeStack(spec).maxPayload;
    if (packetSize > fits) {
      // TCP cuts a message into segments; a datagram must fit one frame.
      throw new OptionError(
        isTcpSpec(spec)
          ? `--packet-size ${packetSize} is more than one message of ${spec} holds: allowed 1 to ${fits}`
          : `--packet-size ${packetSize} does not fit one frame of ${spec}: allowed 1 to ${fits} (no IP fragmentation)`,
      );
    }
  }
  return { stacks, sides, packetSize, frameSizes };
}

/** What runs in parallel: --mode, --workers, --connections, --clp and --tcp-lock-scope, and how they fit together. */
function sweepOptions(
  args: ParsedArgs,
  machineCores: number,
): Pick<BenchConfig, 'modes' | 'workers' | 'connections' | 'clp' | 'tcpLockScopes'> {
  const { value } = args;
  const modes = choices('--mode', args.textOrDefault('--mode'), MODES, 'mode');
  // `cores` stands for this machine's core count (npm run bench:fig11 runs processor-per-connection on all of them).
  const workers = value(
    '--workers',
    (t) => integerList('--workers', t.replace(/\bcores\b/g, String(machineCores)), 1, MAX_THREADS),
    defaultWorkerSweep(machineCores),
  );
  const connections = value('--connections', (t) => integerList('--connections', t, 1, MAX_THREADS), null);
  const clp = choices('--clp', args.textOrDefault('--clp'), CLP_POLICIES, 'policy');
  const tcpLockScopes = choices('--tcp-lock-scope', args.textOrDefault('--tcp-lock-scope'), LOCK_SCOPES, 'scope');
  if (connections !== null && connections.some((c) => c > 1) && modes.length === 1 && modes[0] === 'plp') {
    throw new OptionError('--connections: plp runs one connection on all workers; more connections are for clp and single');
  }
  if (modes.includes('clp') && clp.includes('processor-per-connection') && connections !== null) {
    const fewest = Math.min(...connections);
    const most = Math.max(...workers);
    if (most > fewest) throw new OptionError(`--workers ${most} exceeds --connections ${fewest}: clp needs a connection for every worker`);
  }
  return { modes, workers, connections, clp, tcpLockScopes };
}

/** How long and how often: --runs, --target-ci, --budget, --slice, --seed, --warmup, --warmup-cpu, --duration, --noise-probe. */
function timeOptions(
  args: ParsedArgs,
  profile: (typeof PROFILES)[Profile],
): Pick<
  BenchConfig,
  | 'runs'
  | 'targetCiPercent'
  | 'budgetSeconds'
  | 'sliceSeconds'
  | 'seed'
  | 'warmupSeconds'
  | 'warmupCpuSeconds'
  | 'durationSeconds'
  | 'noiseProbeSeconds'
> {
  const { text, value } = args;
  const runs = value('--runs', (t) => parseInteger('--runs', t, 1, 1000), profile.runs);
  // Explicit flags win: --runs alone asks for exactly that many runs.
  const targetCiPercent = value(
    '--target-ci',
    (t) => parseTarget('--target-ci', t),
    text('--runs') !== undefined ? null : profile.targetCiPercent,
  );
  const budgetSeconds = value('--budget', (t) => parseDuration('--budget', t), null);
  if (budgetSeconds !== null && budgetSeconds <= 0)
    throw new OptionError(`--budget ${text('--budget')} is too short: give more than 0, such as 5m`);
  const sliceSeconds = parseDuration('--slice', args.textOrDefault('--slice'));
  if (sliceSeconds < 0.01 || sliceSeconds > 10) throw new OptionError(`--slice ${text('--slice')} is out of range: allowed 10ms to 10s`);
  const seed = parseInteger('--seed', args.textOrDefault('--seed'), 0, 0xffff_ffff);
  const warmupSeconds = value('--warmup', (t) => parseDuration('--warmup', t), profile.warmupSeconds);
  const warmupCpuSeconds = parseDuration('--warmup-cpu', args.textOrDefault('--warmup-cpu'));
  if (warmupCpuSeconds > 3600) throw new OptionError(`--warmup-cpu ${text('--warmup-cpu')} is too long: at most 1h`);
  const durationSeconds = value('--duration', (t) => parseDuration('--duration', t), profile.durationSeconds);
  if (durationSeconds < 0.01) throw new OptionError(`--duration ${text('--duration')} is too short: at least 10ms`);
  if (durationSeconds > 24 * 3600 || warmupSeconds > 24 * 3600) throw new OptionError('--duration and --warmup are at most 24 hours');
  const noiseProbeSeconds = value('--noise-probe', (t) => parseDuration('--noise-probe', t), null);
  if (noiseProbeSeconds !== null && noiseProbeSeconds > 60)
    throw new OptionError(`--noise-probe ${text('--noise-probe')} is too long: at most 1m (0 skips it)`);
  return { runs, targetCiPercent, budgetSeconds, sliceSeconds, seed, warmupSeconds, warmupCpuSeconds, durationSeconds, noiseProbeSeconds };
}

/**
 * The plan made to fit the machine: the default worker sweep thinned until a run's threads fit in
 * memory (numbers given are refused instead), then the budget, if one was given.
 */
function fitToMachine(config: BenchConfig, workersGiven: boolean, memoryBytes: number): BenchConfig {
  let fittedConfig = config;
  const thinnedForMemory: string[] = [];
  if (!workersGiven) {
    while (threadMemoryProblem(fittedConfig, memoryBytes) !== null && fittedConfig.workers.length > 2)
      fittedConfig = { ...fittedConfig, workers: thinned(fittedConfig.workers) };
    if (fittedConfig !== config)
      thinnedForMemory.push(
        `workers ${config.workers.join(',')} → ${fittedConfig.workers.join(',')} (memory: ${THREAD_MEMORY_MIB} MiB a thread)`,
      );
  }
  const memory = threadMemoryProblem(fittedConfig, memoryBytes);
  if (memory !== null) throw new OptionError(memory);
  if (config.budgetSeconds === null) return { ...fittedConfig, fitted: thinnedForMemory };
  const { config: fitted, changes } = fitPlan(fittedConfig, config.budgetSeconds);
  return { ...fitted, fitted: [...thinnedForMemory, ...changes] };
}

/**
 * The configuration a parsed command line asks for, on a machine of `machineCores` cores and
 * `memoryBytes` of memory. Throws OptionError on anything wrong.
 */
export function configFrom(args: ParsedArgs, machineCores = cores(), memoryBytes = os.totalmem()): BenchConfig {
  const { given, text } = args;
  const profileText = args.textOrDefault('--profile');
  if (!(profileText in PROFILES))
    throw new OptionError(`--profile '${profileText}' is not a profile: allowed are ${Object.keys(PROFILES).join(', ')}`);
  const profile = PROFILES[profileText as Profile];
  const stacks = stackOptions(args);
  const gateways = stacks.stacks.some(isGatewaySpec);
  const gateway = gatewayOptions(args, gateways);
  const cryptos = choices('--crypto', args.textOrDefault('--crypto'), CRYPTO_PROVIDERS, 'provider');
  checkProviders(stacks.stacks, cryptos);
  const sweep = sweepOptions(args, machineCores);
  const time = timeOptions(args, profile);
  const config: BenchConfig = {
    ...stacks,
    ...sweep,
    cores: machineCores,
    fitted: [],
    cryptos,
    ...time,
    profile: profileText as Profile,
    out: text('--out') ?? null,
    pcap: text('--pcap') ?? null,
    verify: given.has('--verify'),
    json: given.has('--json'),
    quiet: given.has('--quiet'),
    progress: choices('--progress', args.textOrDefault('--progress'), PROGRESS_MODES, 'progress mode')[0]!,
    layers: given.has('--layers'),
    help: given.has('--help'),
    ...comparisonOptions(args),
    ...gateway,
    ...crashOptions(text, gateways, sweep.workers, time.durationSeconds),
    ...faultOptions(args, stacks.stacks),
  };
  if (config.layers) checkLayerPacketSize(config);
  if (config.verify && config.modes.includes('plp') && config.packetSize < MIN_LABELLED_PACKET && !config.stacks.every(isGatewaySpec))
    throw new OptionError(
      `--verify with --mode plp needs --packet-size ${MIN_LABELLED_PACKET} or more: ` +
        'threads receive the stream in pieces, and each piece must name its message and its place in it',
    );
  return fitToMachine(config, text('--workers') !== undefined || text('--connections') !== undefined, memoryBytes);
}

/**
 * A stack built only to read its sizes and link (before any work): on crypto-js, or on node where a
 * layer needs what crypto-js lacks.
 */
export function probeStack(spec: string): Stack {
  const needsNode = cryptoPrimitives(spec).some((p) => !cryptoProvider('cryptojs').supports(p));
  return new Stack(spec, { ...endpointPair()[0], crypto: needsNode ? 'node' : 'cryptojs' });
}

/** Every layer's primitives in every provider asked for: crypto-js has no GCM and no ChaCha20-Poly1305. */
function checkProviders(stacks: readonly string[], cryptos: readonly CryptoProviderName[]): void {
  for (const stack of stacks)
    for (const layer of parseStackLayers(stack))
      for (const primitive of kindOf(layer.name).primitives?.(layer) ?? [])
        for (const crypto of cryptos)
          if (!cryptoProvider(crypto).supports(primitive)) {
            const has = CRYPTO_PROVIDERS.filter((p) => cryptoProvider(p).supports(primitive));
            throw new OptionError(
              `--crypto ${crypto} cannot run layer ${layer.name} of stack ${stack}: the ${crypto} provider has no ${primitive}; ` +
                `give --crypto ${has.join(' or ')}`,
            );
          }
}

/**
 * --layers times each layer on one frame of des/tcp/md5/ip over the stacks' link (see
 * bench/layers.ts): a packet must be one DES record in one segment there.
 */
function checkLayerPacketSize(config: BenchConfig): void {
  const link = config.stacks.every((s) => stackShape(s).link === 'eth') ? 'eth' : 'fddi';
  const spec = `des/tcp/md5/ip/${link}`;
  const fits = recordCapacity(new Stack(`tcp/md5/ip/${link}`, endpointPair()[0]).maxSegment);
  if (config.packetSize > fits)
    throw new OptionError(`--layers: --packet-size ${config.packetSize} is more than one frame of ${spec} carries: allowed 1 to ${fits}`);
}

/** The smallest message --verify checks under packet-level parallelism: pieces under 7 bytes cannot name their place (data-stream.ts). */
const MIN_LABELLED_PACKET = 8;

/** The most a fault's probability may be: beyond it a connection spends its time in timeouts. */
const MAX_FAULT_PERCENT = 50;

/** A fault's probability, given as a percentage (1% or 1), as a fraction. */
function faultProbability(flag: string, text: string): number {
  const p = percentage(text);
  if (p === null || p > MAX_FAULT_PERCENT)
    throw new OptionError(`${flag} '${text}' is not a probability: give 0% to ${MAX_FAULT_PERCENT}%, such as 1% or 0.1%`);
  return p / 100;
}

/** --loss, --duplicate, --reorder, --corrupt and --min-rto: a lossy wire, for TCP stacks only. */
function faultOptions(
  args: ParsedArgs,
  stacks: readonly string[],
): Pick<BenchConfig, 'losses' | 'duplicate' | 'reorder' | 'corrupt' | 'minRtoMs'> {
  const { text } = args;
  const losses = unique(
    '--loss',
    list(args.textOrDefault('--loss')).map((v) => faultProbability('--loss', v)),
  );
  if (losses.length === 0) throw new OptionError(`--loss names no probability: give 0% to ${MAX_FAULT_PERCENT}%, such as 0,1%`);
  const duplicate = faultProbability('--duplicate', args.textOrDefault('--duplicate'));
  const reorder = faultProbability('--reorder', args.textOrDefault('--reorder'));
  const corrupt = faultProbability('--corrupt', args.textOrDefault('--corrupt'));
  const minRtoMs = parseInteger('--min-rto', args.textOrDefault('--min-rto'), 1, 60_000);
  const faults = { losses, duplicate, reorder, corrupt };
  if (faultsAsked(faults)) {
    const flag = ['--loss', '--duplicate', '--reorder', '--corrupt'].find((f) => text(f) !== undefined)!;
    const other = stacks.find((spec) => isGatewaySpec(spec) || !isTcpSpec(spec));
    if (other !== undefined)
      throw new OptionError(`${flag} applies to TCP stacks (it exercises TCP's recovery); ${other} has no TCP: leave it out`);
  }
  return { ...faults, minRtoMs };
}

/** --kill-worker K@T and --heartbeat MS (gateway stacks). */
function crashOptions(
  text: (flag: string) => string | undefined,
  anyGateway: boolean,
  workers: number[],
  durationSeconds: number,
): Pick<BenchConfig, 'killWorker' | 'heartbeatMs'> {
  const kill = text('--kill-worker');
  const heartbeat = text('--heartbeat');
  if (!anyGateway && (kill !== undefined || heartbeat !== undefined)) {
    throw new OptionError(
      `${kill !== undefined ? '--kill-worker' : '--heartbeat'} applies to gateway stacks, such as screen(100)/ip/eth; --stacks names none`,
    );
  }
  let killWorker: BenchConfig['killWorker'] = null;
  if (kill !== undefined) {
    const m = /^(\d+)@(.+)$/.exec(kill.trim());
    if (m === null)
      throw new OptionError(`--kill-worker '${kill}' is not K@T: give a worker number and a time into the steady window, such as 1@2s`);
    const worker = Number(m[1]);
    const atSeconds = parseDuration('--kill-worker', m[2]!);
    if (!workers.some((n) => n > worker))
      throw new OptionError(
        `--kill-worker ${worker}: no configuration has worker ${worker} (--workers ${workers.join(',')}; workers count from 0)`,
      );
    if (atSeconds <= 0 || atSeconds >= durationSeconds)
      throw new OptionError(
        `--kill-worker at ${m[2]} must fall inside the steady window: more than 0 and less than --duration (${durationSeconds}s)`,
      );
    killWorker = { worker, atSeconds };
  }
  const heartbeatMs = heartbeat !== undefined ? parseInteger('--heartbeat', heartbeat, 1, 60_000) : null;
  return { killWorker, heartbeatMs };
}

/** --dispatch, --dispatch-unit and --hash-field: for gateway stacks only. */
function gatewayOptions(args: ParsedArgs, anyGateway: boolean): Pick<BenchConfig, 'dispatches' | 'dispatchUnits' | 'hashField'> {
  const { text } = args;
  if (!anyGateway) {
    const flag = ['--dispatch', '--dispatch-unit', '--hash-field'].find((f) => text(f) !== undefined);
    if (flag !== undefined) throw new OptionError(`${flag} applies to gateway stacks, such as screen(100)/ip/eth; --stacks names none`);
  }
  const dispatches = unique('--dispatch', list(args.textOrDefault('--dispatch')));
  for (const d of dispatches)
    if (!DISPATCH_POLICIES.includes(d as DispatchPolicy))
      throw new OptionError(`--dispatch '${d}' is not a policy: allowed are ${DISPATCH_POLICIES.join(', ')}`);
  if (dispatches.length === 0) throw new OptionError(`--dispatch names no policy: allowed are ${DISPATCH_POLICIES.join(', ')}`);
  const units = unique('--dispatch-unit', list(args.textOrDefault('--dispatch-unit')));
  for (const u of units)
    if (!DISPATCH_UNITS.includes(u as DispatchUnit))
      throw new OptionError(`--dispatch-unit '${u}' is not a unit: allowed are ${DISPATCH_UNITS.join(', ')}`);
  if (units.length === 0) throw new OptionError(`--dispatch-unit names no unit: allowed are ${DISPATCH_UNITS.join(', ')}`);
  if (dispatches.length === 1 && dispatches[0] === 'shared' && units.length === 1 && units[0] === 'session') {
    throw new OptionError(
      '--dispatch shared --dispatch-unit session: the shared queue hands out packets, it knows no sessions; use flat-hash, rr or sqf',
    );
  }
  const hashField = args.textOrDefault('--hash-field');
  if (!HASH_FIELDS.includes(hashField as HashField))
    throw new OptionError(`--hash-field '${hashField}' is not a field: allowed are ${HASH_FIELDS.join(', ')}`);
  return { dispatches: dispatches as DispatchPolicy[], dispatchUnits: units as DispatchUnit[], hashField: hashField as HashField };
}

/** Parses a precision target: a percentage above 0 and at most 100, such as 5% or 5. */
function parseTarget(flag: string, text: string): number {
  const p = percentage(text);
  if (p === null || !(p > 0) || p > 100)
    throw new OptionError(`${flag} '${text}' is not a precision target: give a percentage above 0% and at most 100%, such as 5%`);
  return p;
}

/** A percentage as given: 10% or 10 (percent); null when it is not one. */
function percentage(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  return m === null ? null : Number(m[1]);
}

/** Parses a threshold: a percentage such as 10% or 10 (percent), 0 to 1000. */
export function parseThreshold(flag: string, text: string): number {
  const p = percentage(text);
  if (p === null || p > 1000) throw new OptionError(`${flag} '${text}' is not a percentage: give 0% to 1000%, such as 10%`);
  return p;
}

export function parseFormats(flag: string, text: string): OutputFormat[] {
  const formats = unique(flag, list(text));
  for (const f of formats)
    if (!OUTPUT_FORMATS.includes(f as OutputFormat))
      throw new OptionError(`${flag} '${f}' is not a format: allowed are ${OUTPUT_FORMATS.join(', ')}`);
  if (formats.length === 0) throw new OptionError(`${flag} names no format: allowed are ${OUTPUT_FORMATS.join(', ')}`);
  return formats as OutputFormat[];
}

/** --compare, --threshold, --fail-on-regression and --format (shared with `npm run report`). */
export function comparisonOptions(args: ParsedArgs): Pick<BenchConfig, 'compare' | 'thresholdPercent' | 'failOnRegression' | 'formats'> {
  const { text, value } = args;
  const failOnRegression = args.has('--fail-on-regression');
  const compare = text('--compare') ?? null;
  if (compare === null && text('--threshold') !== undefined)
    throw new OptionError('--threshold needs --compare: it says which changes count');
  if (compare === null && failOnRegression) throw new OptionError('--fail-on-regression needs --compare: a baseline to regress from');
  return {
    compare,
    thresholdPercent: parseThreshold('--threshold', args.textOrDefault('--threshold')),
    failOnRegression,
    formats: value('--format', (t) => parseFormats('--format', t), []),
  };
}
