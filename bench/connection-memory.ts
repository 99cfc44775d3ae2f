// `xkbench connection-memory`: what a connection costs in memory, both ends of it, measured as a
// worker holds them. A Node process of its own (so nothing else's garbage is counted) builds N
// connections on one thread the way a processor-per-connection worker does (their arenas, their
// turns), and reads its resident set size three times: before, with every connection established
// and idle, and busy (after every connection's turns, at a turn's end: data in flight is held).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Side } from '../drivers/workload-contract.js';
import { createWorkload } from '../drivers/workload.js';
import { ConnectionTurns, TURN_PACKETS } from '../parallel/connection-turns.js';
import { ARENA_CONNECTIONS, arenasFor } from '../stacks/connection-arena.js';
import { isGatewaySpec } from '../stacks/spec.js';
import { type CommandSpec, type FlagSpec, OptionError, flagReader, startCommand } from './args.js';
import { EXIT } from './exit-codes.js';
import { wholeNumber } from './flag-parsers.js';
import { FLAGS as XKBENCH_FLAGS } from './flags.js';
import { stacksOption } from './stack-flag.js';
import { connectionMemoryTable } from '../results/report-memory-cpu.js';
import { MAX_CONNECTIONS } from './config.js';
import type { ConnectionMemory } from '../results/schema.js';

const FLAGS = {
  '--stacks': {
    group: 'What to measure',
    value: 'a,b',
    help: 'stack specs with a transport, comma-separated',
    default: 'tcp/ip/fddi,tcp/md5/ip/fddi',
    parsed: true,
    parse: (text: string, flag: string) => {
      const stacks = stacksOption(text);
      const gateway = stacks.find((s) => isGatewaySpec(s));
      if (gateway !== undefined)
        throw new OptionError(`${flag} ${gateway} is a gateway, not a connection: give stacks such as tcp/ip/fddi`);
      return stacks;
    },
  },
  '--side': { ...XKBENCH_FLAGS['--side'], group: 'What to measure' },
  '--connections': {
    group: 'What to measure',
    value: 'N',
    help: `connections built on the one thread, 1 to ${MAX_CONNECTIONS}`,
    default: '1000',
    parsed: true,
    parse: wholeNumber(1, MAX_CONNECTIONS),
  },
} satisfies Record<string, FlagSpec>;

export const CONNECTION_MEMORY: CommandSpec = {
  name: 'xkbench connection-memory',
  npm: 'npm run bench -- connection-memory',
  operands: '',
  positionals: 0,
  flags: FLAGS,
};

/** Resident and heap bytes now, after a full collection (the probe runs with --expose-gc). */
function reading(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** In the probe's process: builds `n` connections as a worker does and reads the memory around it. */
function probe(stack: string, side: Side, n: number, packetSize: number): ConnectionMemory {
  const before = reading();
  const arenas = arenasFor(n);
  const workloads = Array.from({ length: n }, (_, k) =>
    createWorkload({
      spec: stack,
      side,
      packetSize,
      crypto: 'cryptojs',
      seed: 1,
      verify: false,
      connection: k,
      arena: arenas[Math.floor(k / ARENA_CONNECTIONS)]!,
    }),
  );
  const idle = reading();
  const turns = new ConnectionTurns(workloads);
  turns.run(null, () => turns.rounds >= 2);
  const busy = reading();
  const pages = arenas.reduce((sum, a) => sum + a.pages.held, 0);
  if (workloads.some((w) => w.counters().packets < 2 * TURN_PACKETS || w.counters().dataErrors > 0))
    throw new Error('a connection did not take its turns');
  return {
    stack,
    side,
    connections: n,
    idleBytes: Math.round((idle.rss - before.rss) / n),
    busyBytes: Math.round((busy.rss - before.rss) / n),
    heapBytes: Math.round((busy.heap - before.heap) / n),
    pagesHeld: pages / n,
  };
}

/** Runs the probe for each stack and side, each in a process of its own; answers its figures. */
/** Each stack and side's figures, `packetSize`-byte messages (a run's own: a datagram stack's must fit its frame). */
export function measureConnectionMemory(
  stacks: readonly string[],
  sides: readonly Side[],
  connections: number,
  packetSize = 4096,
): ConnectionMemory[] {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const out: ConnectionMemory[] = [];
  for (const stack of stacks) {
    for (const side of sides) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', cli, 'connection-memory', '--probe', stack, side, String(connections), String(packetSize)],
        {
          encoding: 'utf8',
          timeout: 600_000,
        },
      );
      if (child.status !== 0) throw new Error(`connection-memory of ${stack} ${side} failed: ${child.stderr || child.error?.message}`);
      out.push(JSON.parse(child.stdout) as ConnectionMemory);
    }
  }
  return out;
}

export function connectionMemoryMain(argv: readonly string[]): number {
  if (argv[0] === '--probe') {
    const [stack, side, n, packetSize] = argv.slice(1);
    console.log(JSON.stringify(probe(stack!, side as Side, Number(n), Number(packetSize))));
    return EXIT.ok;
  }
  const options = startCommand(CONNECTION_MEMORY, argv, (args) => {
    const flags = flagReader(FLAGS, args);
    return { stacks: flags.value('--stacks'), sides: flags.value('--side'), connections: flags.value('--connections') };
  });
  if (typeof options === 'number') return options;
  const rows = measureConnectionMemory(options.stacks, options.sides, options.connections);
  console.log(
    `\nMemory a connection costs, both ends, ${options.connections} connections on one thread (resident set, read in a ` +
      'process of its own: established and idle, then at a turn’s end after two rounds of turns)\n',
  );
  console.log(connectionMemoryTable(rows));
  return EXIT.ok;
}
