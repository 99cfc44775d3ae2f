// xkbench's flags, each declared once: its group, value, help, default and parser. What the flags
// ask for together (a flag that needs another, sizes a stack must carry) is checked in options.ts.

import { parseLoads } from './load-spec.js';
import type { Side } from '../drivers/workload-contract.js';
import { CRYPTO_PROVIDERS } from '../stacks/crypto/index.js';
import { PAPER_STACKS } from '../stacks/spec.js';
import { DISPATCH_POLICIES, DISPATCH_UNITS, HASH_FIELDS } from '../parallel/dispatch.js';
import { MIN_RTO_MS } from '../stacks/layers/tcp/timers.js';
import type { ClpPolicy } from '../parallel/parallel-run.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { LOCK_DESIGNS } from '../parallel/lock-designs.js';
import { type CommandSpec, type FlagSpec, OptionError } from './args.js';
import { MAX_CONNECTIONS, MAX_THREADS, MODES, OUTPUT_FORMATS, type Profile } from './config.js';
import {
  duration,
  oneOf,
  parseDuration,
  precisionTarget,
  probabilities,
  probability,
  seconds,
  someOf,
  text,
  threshold,
  unique,
  wholeNumber,
  wholeNumbers,
} from './flag-parsers.js';
import { defaultWorkerSweep } from './plan.js';
import { stacksOption } from './stack-flag.js';
import * as os from 'node:os';

/** This machine's cores, as the worker sweep and `cores` in --workers read them. */
export function cores(): number {
  return os.availableParallelism();
}

const CLP_POLICIES: readonly ClpPolicy[] = ['thread-per-connection', 'processor-per-connection'];
const LOCK_SCOPES: readonly TcpLockScope[] = ['state', 'segment'];

/** Shieh & Lai's frame sizes (Table 4-1): the inner datagram, so that 1446 fills an Ethernet frame under ESP. */
export const IPSEC_FRAME_SIZES = [512, 1024, 1446];

export const PROFILES: Record<Profile, { warmupSeconds: number; durationSeconds: number; runs: number; targetCiPercent: number | null }> = {
  // Both modes at 1 and 2 workers for four stacks and two sides is 32 configurations: four runs
  // are about 3 minutes, and the ±5% target may add runs up to 1.5 times that. Runs are the unit
  // of the intervals (each brings new threads), so several short ones beat a few long ones.
  quick: { warmupSeconds: 0.5, durationSeconds: 0.5, runs: 4, targetCiPercent: 5 },
  paper: { warmupSeconds: 30, durationSeconds: 30, runs: 10, targetCiPercent: 2 },
  // The CI regression check: seconds per stack, enough runs for an interval.
  ci: { warmupSeconds: 0.3, durationSeconds: 0.5, runs: 4, targetCiPercent: null },
};

const PROFILE_NAMES = Object.keys(PROFILES) as Profile[];

/** A profile's setting as help shows it: each profile's value. */
function byProfile(show: (p: (typeof PROFILES)[Profile]) => string): string {
  return `the profile's: ${(Object.keys(PROFILES) as Profile[]).map((name) => `${name} ${show(PROFILES[name])}`).join(', ')}`;
}

const SIDES: readonly Side[] = ['send', 'recv'];
/** The largest packet or frame size a flag may name. */
export const MAX_PACKET = 65_535;
/** The most a fault's probability may be: beyond it a connection spends its time in timeouts. */
export const MAX_FAULT_PERCENT = 50;
const PROGRESS_MODES = ['auto', 'lines', 'off'] as const;
const DAY = 24 * 3600;

/** --stacks: specs, each parsed (stack-flag.ts), none twice. */
function stackList(text: string, flag: string): string[] {
  return unique(flag, stacksOption(text));
}

/**
 * --workers: counts from 1 to MAX_THREADS, where `cores` stands for the machine's core count (npm
 * run bench:fig11 runs processor-per-connection on all of them); the counts for a machine of N cores.
 */
function workerCounts(text: string, flag: string): (machineCores: number) => number[] {
  const counts = wholeNumbers(1, MAX_THREADS);
  counts(text.replace(/\bcores\b/g, '1'), flag); // every entry checked now, whatever the machine
  return (machineCores) => counts(text.replace(/\bcores\b/g, String(machineCores)), flag);
}

/** --kill-worker K@T: worker K crashes T into the steady window. */
function workerKill(text: string, flag: string): { worker: number; atSeconds: number; at: string } {
  const m = /^(\d+)@(.+)$/.exec(text.trim());
  if (m === null)
    throw new OptionError(`${flag} '${text}' is not K@T: give a worker number and a time into the steady window, such as 1@2s`);
  return { worker: Number(m[1]), atSeconds: parseDuration(flag, m[2]!), at: m[2]! };
}

const RUN = 'What to run';
const TIME = 'How long';
const PARALLEL = 'Parallelism';
const GATEWAY = 'Gateway stacks (packet screen, IPsec)';
const LOSSY = 'A lossy wire (TCP stacks)';
const OUTPUT = 'Output';
const COMPARE = 'Comparison';

export const FLAGS = {
  '--stacks': {
    group: RUN,
    parse: stackList,
    value: 'a,b',
    help:
      'stack specs, comma-separated, top layer first, e.g. tcp/ip/fddi, des/tcp/md5/ip/eth, udp/ip/fddi, ' +
      'screen(100)/ip/eth, esp(3des,md5)/ip/eth, ah(md5)/ip/eth',
    default: `the paper's four, ${PAPER_STACKS.join(', ')}`,
  },
  '--side': { group: RUN, parse: someOf(SIDES, 'side'), value: 'S', help: 'send, recv, or send,recv', default: 'send,recv', parsed: true },
  '--mode': {
    group: RUN,
    parse: someOf(MODES, 'mode'),
    value: 'M',
    help:
      'plp (packet-level: one connection, any packet to any worker), clp (connection-level: a connection ' +
      'per worker), single (one thread, no pool); comma-separated',
    default: 'plp,clp',
    parsed: true,
  },
  '--load': {
    group: RUN,
    parse: parseLoads,
    value: 'R',
    help:
      'also measure each configuration open-loop at offered load R (packets offered on a fixed schedule, each timed from ' +
      'when it was due, so a stalled sender shows in the tail): packets a second (250k), a bit rate (800Mbit), a share of ' +
      "the closed loop's throughput (50%), comma-separated to sweep, or auto (10% to 95% of that saturation)",
    default: 'none: closed loop only',
  },
  '--packet-size': {
    group: RUN,
    parse: wholeNumber(1, MAX_PACKET),
    value: 'N',
    help: 'application bytes per packet (one write: TCP cuts it into segments; a datagram must fit one frame)',
    default: '4096',
    parsed: true,
  },
  '--crypto': {
    group: RUN,
    parse: someOf(CRYPTO_PROVIDERS, 'provider'),
    value: 'P',
    help: `crypto provider: ${CRYPTO_PROVIDERS.join(', ')}, or both comma-separated`,
    default: 'cryptojs',
    parsed: true,
  },
  '--verify': { group: RUN, help: 'strict mode: genuine frames only; any drop or data mismatch is an error' },
  '--layers': { group: RUN, help: 'per-layer microbenchmarks (tinybench) instead of the stack runs' },
  '--profile': {
    group: TIME,
    parse: oneOf(PROFILE_NAMES, 'profile'),
    value: 'P',
    help:
      'quick (500ms warm-up, 500ms, 4 runs, target ±5%), paper (30s, 30s, 10 runs, ±2%) or ci (300ms, ' +
      '500ms, 4 runs, no target: the regression check); explicit flags win',
    default: 'quick',
    parsed: true,
  },
  '--warmup': {
    group: TIME,
    parse: duration({ most: DAY }),
    value: 'T',
    help: 'warm-up before each run, excluded from the figures: 500ms, 1s, 2m',
    default: byProfile((p) => seconds(p.warmupSeconds)),
  },
  '--warmup-cpu': {
    group: TIME,
    parse: duration({ most: 3600 }),
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
    parse: duration({ least: 0.01, most: DAY }),
    value: 'T',
    help: "steady-state window of each run (its slices' time)",
    default: byProfile((p) => seconds(p.durationSeconds)),
  },
  '--runs': {
    group: TIME,
    parse: wholeNumber(1, 1000),
    value: 'N',
    help:
      'runs per configuration, each with a new seed and new threads, 1 to 1000 (with --target-ci the ' +
      'least); given alone, exactly N runs and no target',
    default: byProfile((p) => String(p.runs)),
  },
  '--target-ci': {
    group: TIME,
    parse: precisionTarget,
    value: 'P',
    help:
      "add runs until every paired ratio's 90% interval is within ±P% (speedups, PLP/CLP, lock scopes, " +
      'same-run ratios), or the budget is spent, e.g. 5%',
    default: "the profile's",
  },
  '--budget': {
    group: TIME,
    parse: duration({ least: 0, note: 'such as 5m' }),
    value: 'T',
    help:
      'the most the whole benchmark may take, e.g. 5m: shorter windows, fewer worker counts or fewer runs ' +
      'until the plan fits (said before any work, and in meta.plan); with a precision target, its added ' +
      'runs stop there too',
    default: 'no limit; a target stops at 1.5 times the plan',
  },
  '--slice': {
    group: TIME,
    parse: duration({ least: 0.01, most: 10 }),
    value: 'T',
    help: 'length of the slices in which the configurations of a stack and side, and their primitives, take turns: 10ms to 10s',
    // Short enough that the machine's speed barely drifts within a round.
    default: '50ms',
    parsed: true,
  },
  '--noise-probe': {
    group: TIME,
    parse: duration({ most: 60, note: '(0 skips it)' }),
    value: 'T',
    help:
      "before the runs, how long to measure the machine's slice-to-slice variation (in meta.machine and the report's header); " +
      '0 skips it',
    default: "2s, or a twentieth of the plan's estimate when that is shorter (at least 9 slices)",
  },
  '--seed': {
    group: TIME,
    parse: wholeNumber(0, 0xffff_ffff),
    value: 'S',
    help: 'first seed; run k uses seed + k - 1',
    default: '1',
    parsed: true,
  },
  '--workers': {
    group: PARALLEL,
    parse: workerCounts,
    value: 'a,b',
    help:
      `worker threads, comma-separated to sweep, 1 to ${MAX_THREADS}, or cores for this machine's (e.g. ` +
      `1,cores); more than the cores are marked oversubscribed`,
    default: '1, 2, 4, … and the cores',
    here: () => defaultWorkerSweep(cores()).join(','),
  },
  '--connections': {
    group: PARALLEL,
    parse: wholeNumbers(1, MAX_CONNECTIONS),
    value: 'a,b',
    help:
      `connections, comma-separated to sweep, 1 to ${MAX_CONNECTIONS}, e.g. 12,24,48,96,192,384 (plp runs one; ` +
      `thread-per-connection, a thread each, up to ${MAX_THREADS} or as many as vm.max_map_count leaves room for)`,
    default: 'for clp 12, or the most workers if more; 1 otherwise',
  },
  '--clp': {
    group: PARALLEL,
    parse: someOf(CLP_POLICIES, 'policy'),
    value: 'P',
    help:
      'thread-per-connection (threads = connections), processor-per-connection (threads = --workers, ' +
      'connections spread evenly), or both comma-separated (one chart)',
    default: 'processor-per-connection',
    parsed: true,
  },
  '--lock': {
    group: PARALLEL,
    parse: someOf(LOCK_DESIGNS, 'lock design'),
    value: 'L',
    help:
      "plp: the lock over the connection's TCP state, comma-separated to compare: state (the paper's: a mutex over TCP's " +
      "state, checksums outside), segment (the mutex over all of TCP's work on a segment), ticket (a fair FIFO ticket lock " +
      "over the state), backlog (Linux's lock_sock: the state mutex, but a segment whose input finds it held is queued " +
      'for the holder to run as it releases, instead of waiting), batch (backlog, with up to 8 queued segments run ' +
      'under one acquisition, flat combining, and up to 8 segments sent under one)',
    default: 'state',
    parsed: true,
  },
  '--tcp-lock-scope': {
    group: PARALLEL,
    parse: someOf(LOCK_SCOPES, 'scope'),
    value: 'S',
    help:
      'plp, the older name of --lock for its first two designs: state (the lock covers TCP state only, checksums ' +
      "outside) or segment (all of TCP's work on a segment); state,segment compares both",
    default: 'state',
    parsed: true,
  },
  '--dispatch': {
    group: GATEWAY,
    parse: someOf(DISPATCH_POLICIES, 'policy'),
    value: 'P',
    help:
      `${DISPATCH_POLICIES.join(', ')}: shared queue, Benecke's flat hash selection, Shieh & Lai's ` +
      `round-robin or shortest queue first; comma-separated to compare`,
    default: 'flat-hash',
    parsed: true,
  },
  '--dispatch-unit': {
    group: GATEWAY,
    parse: someOf(DISPATCH_UNITS, 'unit'),
    value: 'U',
    help: "packet (each packet placed on its own) or session (a session's packets follow its first); packet,session compares both",
    default: 'packet',
    parsed: true,
  },
  '--hash-field': {
    group: GATEWAY,
    parse: oneOf(HASH_FIELDS, 'field'),
    value: 'F',
    help:
      `what flat-hash reads: ${HASH_FIELDS.join(', ')} (checksum: the IP header checksum, as in Benecke's prototype; ` +
      'per session always the 5-tuple)',
    default: 'checksum',
    parsed: true,
  },
  '--frame-sizes': {
    group: GATEWAY,
    parse: wholeNumbers(64, MAX_PACKET),
    value: 'a,b',
    help: "IPsec stacks: inner datagram bytes, comma-separated, as in Shieh & Lai's Table 4-1",
    default: `${IPSEC_FRAME_SIZES.join(',')}, the last cut to what one frame of the tightest tunnel carries`,
  },
  '--kill-worker': {
    group: GATEWAY,
    parse: workerKill,
    value: 'K@T',
    help: 'crash worker K (0-based) T into each steady window, e.g. 1@2s; configurations with fewer than K + 1 workers run as usual',
  },
  '--heartbeat': {
    group: GATEWAY,
    parse: wholeNumber(1, 60_000),
    value: 'MS',
    help:
      'every worker beats every MS milliseconds; a worker silent for 3 beats is taken for dead and the ' +
      'survivors divide the packets anew, e.g. 20',
    default: 'none, static selection',
  },
  '--loss': {
    group: LOSSY,
    parse: probabilities(MAX_FAULT_PERCENT),
    value: 'P',
    help:
      'lose each frame with probability P, both ways (seeded by the run), comma-separated to sweep, 0 to 50%, e.g. ' +
      '0,1%: TCP recovers by fast retransmit and its timers; retransmissions and cwnd go into each run',
    default: '0',
    parsed: true,
  },
  '--duplicate': {
    group: LOSSY,
    parse: probability(MAX_FAULT_PERCENT),
    value: 'P',
    help: 'send a frame twice with probability P, 0 to 50%',
    default: '0',
    parsed: true,
  },
  '--reorder': {
    group: LOSSY,
    parse: probability(MAX_FAULT_PERCENT),
    value: 'P',
    help: 'hold a frame back behind the next with probability P, 0 to 50%',
    default: '0',
    parsed: true,
  },
  '--corrupt': {
    group: LOSSY,
    parse: probability(MAX_FAULT_PERCENT),
    value: 'P',
    help: 'flip one bit of a frame with probability P, 0 to 50%',
    default: '0',
    parsed: true,
  },
  '--min-rto': {
    group: LOSSY,
    parse: wholeNumber(1, 60_000),
    value: 'MS',
    help: "TCP's smallest retransmission timeout, 1 to 60000 ms (Linux's rto_min; RFC 6298 says 1 s)",
    default: String(MIN_RTO_MS),
    parsed: true,
  },
  '--out': {
    group: OUTPUT,
    parse: text,
    value: 'DIR',
    help: 'folder for results.csv, results.json, report.md, report.html and charts/',
    default: 'results/<timestamp>/',
  },
  '--pcap': {
    group: OUTPUT,
    parse: text,
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
    parse: oneOf(PROGRESS_MODES, 'progress mode'),
    value: 'P',
    help:
      'auto: one line redrawn while stderr is a terminal (not with --quiet, TERM=dumb or CI set); lines: a plain line on ' +
      'stderr as each configuration starts each run, for logs and scripts (also with --quiet); off: none',
    default: 'auto',
    parsed: true,
  },
  '--format': {
    group: OUTPUT,
    parse: someOf(OUTPUT_FORMATS, 'format'),
    value: 'F',
    help:
      'also write github-action-benchmark.json (tracked metrics) and ' +
      'github-action-benchmark-throughput.json (Mbit/s), customBiggerIsBetter, with: ' +
      'github-action-benchmark',
  },
  '--compare': {
    group: COMPARE,
    parse: text,
    value: 'OLD',
    help:
      'a results.json or run folder: each summary row old against new, the change in %, whether it is ' +
      'outside the noise (90% intervals) and beyond --threshold',
  },
  '--threshold': {
    group: COMPARE,
    parse: threshold,
    value: 'P',
    help: 'with --compare: changes smaller than this are not counted, e.g. 10%',
    default: '10%',
    parsed: true,
  },
  '--fail-on-regression': {
    group: COMPARE,
    help: 'with --compare: exit 3 when a tracked metric (speedup, same-run ratio) regresses beyond the threshold and outside the noise',
  },
} satisfies Record<string, FlagSpec>;

/** The flags by name, for code that looks one up by a name it was given. */
export const FLAG_TABLE: Record<string, FlagSpec> = FLAGS;

/** The xkbench command: its name, its flags and their help. */
export const XKBENCH: CommandSpec = {
  name: 'xkbench',
  npm: 'npm run bench --',
  operands: '',
  positionals: 0,
  flags: FLAG_TABLE,
  subcommands: [
    ['ab REF', 'this code against commit REF, in alternation (ab --help)'],
    ['kernel', "our tcp/ip/eth against Linux's TCP (kernel --help)"],
    ['plp-cost', "PLP's cost at one worker, by item (plp-cost --help)"],
    ['connection-memory', 'what a connection costs in memory, idle and busy (connection-memory --help)'],
  ],
};

/** The xkbench-report command: its flags are xkbench's comparison flags. */
export const REPORT: CommandSpec = {
  name: 'xkbench-report',
  npm: 'npm run report --',
  operands: 'DIR',
  operandHelp: [['DIR', 'a run folder (or its results.json): report.md, report.html and charts/ are rebuilt there']],
  positionals: 1,
  flags: Object.fromEntries(['--compare', '--threshold', '--fail-on-regression', '--format'].map((f) => [f, FLAG_TABLE[f]!])),
};
