// `xkbench plp-cost`: what packet-level parallelism costs at one worker, where no other thread
// contends, item by item. One connection is driven on this thread in four builds, each in a Node
// process of its own (so one build's JIT feedback never shapes another's), in a random order each
// round: `single` (the one-owner path), PLP's drivers on private memory with no lock, the same in
// shared memory (a shared WebAssembly memory, as a run makes), and the same with the Atomics mutex
// (what a PLP worker runs). The differences between neighbours are the cost items: PLP's driver
// protocol (the shared sequence counter, the in-order commit table, the shared ACK mark), shared
// memory, and the uncontended lock.

import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Side } from '../drivers/workload-contract.js';
import { createWorkload } from '../drivers/workload.js';
import { sharedConnection, sharedConnectionBytes } from '../drivers/shared-connection.js';
import { AtomicsMutex } from '../parallel/mutex.js';
import { MAX_BATCH } from '../parallel/shared-run.js';
import { sharedMemory } from '../stacks/native-memory.js';
import { NO_LOCK } from '../stacks/layer.js';
import { type CommandSpec, type FlagSpec, OptionError, flagReader, startCommand } from './args.js';
import { isGatewaySpec, isTcpSpec } from '../stacks/spec.js';
import { wholeNumber } from './flag-parsers.js';
import { FLAGS as XKBENCH_FLAGS } from './flags.js';
import { EXIT } from './exit-codes.js';
import { stacksOption } from './stack-flag.js';
import { Prng } from '../drivers/prng.js';
import { pairedRatio } from '../results/paired.js';
import { median } from '../results/stats.js';
import { table, withInterval } from '../results/markdown.js';
import { linesPerPacket, linesTable } from './shared-lines.js';
import { handOffNs, tasksetFound } from './machine.js';

/** --cpu: a CPU this machine has, and taskset to pin a process to it. */
function oneCpu(text: string, flag: string): number {
  const cpu = wholeNumber(0, availableParallelism() - 1)(text, flag);
  if (!tasksetFound()) throw new OptionError(`${flag} needs taskset (util-linux) to pin a process to a CPU, and it was not found`);
  return cpu;
}

/** --stacks: specs with TCP (PLP's shared connection is TCP's). */
function tcpStacks(text: string, flag: string): string[] {
  const stacks = stacksOption(text);
  const other = stacks.find((spec) => !isTcpSpec(spec) || isGatewaySpec(spec));
  if (other !== undefined) throw new OptionError(`${flag} ${other} has no TCP connection: give TCP stacks, such as tcp/ip/fddi`);
  return stacks;
}

export const PLP_BUILDS = ['single', 'plp-private-nolock', 'plp-shared-nolock', 'plp-shared-lock'] as const;
type Build = (typeof PLP_BUILDS)[number];

/** Each item: the build that adds it, the one it adds to, and what it is. */
const ITEMS: [Build, Build, string][] = [
  ['plp-private-nolock', 'single', "PLP's driver protocol: shared sequence counter, in-order commit, shared ACK mark, per-worker messages"],
  ['plp-shared-nolock', 'plp-private-nolock', 'state and messages in shared memory (a shared WebAssembly memory, as a run makes)'],
  ['plp-shared-lock', 'plp-shared-nolock', 'the Atomics mutex, uncontended, with its statistics'],
];

const FLAGS = {
  '--stacks': {
    group: 'What to measure',
    value: 'a,b',
    help: 'TCP stack specs, comma-separated',
    default: 'tcp/ip/fddi,tcp/ip/eth',
    parsed: true,
    parse: tcpStacks,
  },
  '--side': { ...XKBENCH_FLAGS['--side'], group: 'What to measure' },
  '--rounds': {
    group: 'What to measure',
    value: 'N',
    help: 'rounds; each runs every build once, in a random order, in a process of its own',
    default: '5',
    parsed: true,
    parse: wholeNumber(1, 100),
  },
  '--packets': {
    group: 'What to measure',
    value: 'N',
    help: 'packets a build times, 5 times over after a warm-up of as many (the least of the 5 per round counts)',
    default: '50000',
    parsed: true,
    parse: wholeNumber(1000, 10_000_000),
  },
  '--lines': {
    group: 'What to measure',
    help:
      'instead of timing: count the cache lines of the shared block a PLP packet changes, by region (over 2 000 ' +
      'packets), and time a ' +
      "cache line's hand-off between two threads (what a second worker adds to each packet besides waiting)",
  },
  '--cpu': {
    group: 'What to measure',
    value: 'N',
    help:
      "run every build's process on CPU N only (taskset): the CPUs of a virtual machine need not be alike (here one " +
      'ran the same packets 1.45× slower than the other, by spells), and a build that lands on the slower one is ' +
      'not dearer for it',
    parse: oneCpu,
  },
  '--seed': {
    group: 'What to measure',
    value: 'S',
    help: "seed of the rounds' orders",
    default: '1',
    parsed: true,
    parse: wholeNumber(0, 2 ** 32 - 1),
  },
} satisfies Record<string, FlagSpec>;

export const PLP_COST: CommandSpec = {
  name: 'xkbench plp-cost',
  npm: 'npm run bench:plp-cost --',
  operands: '',
  positionals: 0,
  flags: FLAGS,
};

/** Drives `build` of one connection on this thread; answers ns per packet, the least of five timed batches. */
function probe(spec: string, side: Side, build: Build, packets: number): number {
  let shared = null;
  if (build !== 'single') {
    const bytes = sharedConnectionBytes(1);
    const buffer = build === 'plp-private-nolock' ? new ArrayBuffer(bytes) : sharedMemory(bytes);
    // The block's layout is the same on either buffer; one thread never waits, so Atomics works on both.
    shared = sharedConnection(buffer as SharedArrayBuffer, 0, 0, (b, at) =>
      build === 'plp-shared-lock' ? new AtomicsMutex(b, at) : NO_LOCK,
    );
  }
  const workload = createWorkload({ spec, side, packetSize: 4096, crypto: 'cryptojs', seed: 3, verify: false, connection: 0 }, shared);
  const drive = (n: number): void => {
    for (let left = n; left > 0; left -= MAX_BATCH) workload.run(Math.min(MAX_BATCH, left));
  };
  drive(packets);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    const before = workload.counters().packets;
    drive(packets);
    const done = workload.counters().packets - before;
    best = Math.min(best, Number(process.hrtime.bigint() - started) / done);
  }
  return best;
}

/** The items as a table: each build against the one before it, paired round by round (90% intervals). */
function costTable(spec: string, side: string, ns: Map<Build, number[]>, rounds: number, cpu: number | undefined): string {
  const single = median(ns.get('single')!)!;
  const rows = [['single (one owner)', single.toFixed(0), '', '']];
  for (const [build, base, what] of ITEMS) {
    const r = pairedRatio(ns.get(base)!, ns.get(build)!);
    const baseNs = median(ns.get(base)!)!;
    rows.push([
      `+ ${what}`,
      `${baseNs * (r.ratio - 1) >= 0 ? '+' : ''}${(baseNs * (r.ratio - 1)).toFixed(0)}`,
      withInterval(r.ratio, r.low, r.high, 2),
      build,
    ]);
  }
  const whole = pairedRatio(ns.get('single')!, ns.get('plp-shared-lock')!);
  rows.push(['PLP ×1 (all of the above) ÷ single', '', withInterval(whole.ratio, whole.low, whole.high, 2), 'plp-shared-lock']);
  return (
    `\n${spec} ${side}, 4096-byte packets, one worker, ${rounds} rounds${cpu !== undefined ? `, on CPU ${cpu}` : ''} ` +
    '(ns per packet; ratio to the build before, paired by round)\n\n' +
    table(['cost item', 'ns per packet', 'ratio (90%)', 'build'], rows)
  );
}

/** Packets --lines compares the block around (each a copy and a comparison of the whole block). */
const LINE_PACKETS = 2000;

/** --lines: the shared lines each stack and side's packets change, and the hand-off's latency. */
function sharedLinesMain(stacks: readonly string[], sides: readonly Side[], packets: number): Promise<number> {
  return handOffNs().then((handOff) => {
    for (const spec of stacks)
      for (const side of sides) console.log(linesTable(spec, side, packets, linesPerPacket(spec, side, packets), handOff));
    return EXIT.ok;
  });
}

export function plpCostMain(argv: readonly string[]): number | Promise<number> {
  if (argv[0] === '--probe') {
    const [spec, side, build, packets] = argv.slice(1);
    console.log(JSON.stringify({ ns: probe(spec!, side as Side, build as Build, Number(packets)) }));
    return EXIT.ok;
  }
  const options = startCommand(PLP_COST, argv, (args) => {
    const flags = flagReader(FLAGS, args);
    return {
      stacks: flags.value('--stacks'),
      sides: flags.value('--side'),
      rounds: flags.value('--rounds'),
      packets: flags.value('--packets'),
      seed: flags.value('--seed'),
      cpu: flags.given('--cpu'),
      lines: args.has('--lines'),
    };
  });
  if (typeof options === 'number') return options;
  if (options.lines) return sharedLinesMain(options.stacks, options.sides, LINE_PACKETS);
  const random = new Prng(options.seed);
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  for (const spec of options.stacks)
    for (const side of options.sides) {
      const ns = new Map<Build, number[]>(PLP_BUILDS.map((b) => [b, []]));
      for (let round = 0; round < options.rounds; round++) {
        const order = random.shuffle([...PLP_BUILDS]);
        for (const build of order) {
          const command = [process.execPath, ...process.execArgv, cli, 'plp-cost', '--probe', spec, side, build, String(options.packets)];
          if (options.cpu !== undefined) command.unshift('taskset', '-c', String(options.cpu));
          const child = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
          if (child.status !== 0) throw new Error(`${build} of ${spec} ${side} failed: ${child.stderr}`);
          ns.get(build)!.push((JSON.parse(child.stdout) as { ns: number }).ns);
        }
      }
      console.log(costTable(spec, side, ns, options.rounds, options.cpu));
    }
  return EXIT.ok;
}
