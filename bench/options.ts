// The command line: every flag is checked before any work starts; a bad one is an OptionError
// (exit 2) naming the flag, what was given and what is allowed. Each flag's own value is parsed by
// the parser it declares (flags.ts); this file checks what the flags ask for together.

import * as os from 'node:os';
import { cryptoProvider } from '../stacks/crypto/index.js';
import { kindOf } from '../stacks/registry.js';
import { PAPER_STACKS, cryptoPrimitives, isGatewaySpec, isIpsecSpec, isScreenSpec, isTcpSpec, stackShape } from '../stacks/spec.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName } from '../stacks/crypto/index.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { recordCapacity } from '../stacks/layers/cbc-records.js';
import { THREAD_MEMORY_MIB, defaultWorkerSweep, fitPlan, thinned, threadLimit, threadLimitNote, threadMemoryProblem } from './plan.js';
import { type FlagReader, OptionError, type ParsedArgs, flagReader, parseCommandLine } from './args.js';
import { type BenchConfig, faultsAsked } from './config.js';
import { FLAGS, IPSEC_FRAME_SIZES, PROFILES, REPORT, XKBENCH, cores } from './flags.js';

export { FLAGS, IPSEC_FRAME_SIZES, OptionError, REPORT, XKBENCH, cores };

type Flags = FlagReader<typeof FLAGS>;

/** Parses argv (without node and script) for a machine of `cores` cores. Throws OptionError on anything wrong. */
export function parseOptions(argv: readonly string[], machineCores = cores(), memoryBytes = os.totalmem()): BenchConfig {
  return configFrom(parseCommandLine(XKBENCH, argv), machineCores, memoryBytes);
}

/** --stacks and --side, and the sizes the stacks must carry (--packet-size, --frame-sizes). */
function stackOptions(flags: Flags): Pick<BenchConfig, 'stacks' | 'sides' | 'packetSize' | 'frameSizes'> {
  const stacks = flags.given('--stacks') ?? [...PAPER_STACKS];
  const sides = flags.value('--side');
  const screens = stacks.filter(isScreenSpec);
  if (screens.length > 0 && !sides.includes('recv')) {
    throw new OptionError(`--side send: ${screens[0]} forwards the packets that arrive, it has no send side; add recv`);
  }
  const ipsecStacks = stacks.filter(isIpsecSpec);
  const framesGiven = flags.given('--frame-sizes');
  if (ipsecStacks.length === 0 && framesGiven !== undefined)
    throw new OptionError('--frame-sizes applies to IPsec gateway stacks, such as esp(3des,md5)/ip/eth; --stacks names none');
  // By default the largest size is what one frame of the tightest tunnel carries (1446 for 3DES with HMAC-MD5-96).
  const fitting = ipsecStacks.map((spec) => probeStack(spec).maxPayload);
  const tightest = Math.min(...fitting);
  const frameSizes = framesGiven ?? [...new Set(IPSEC_FRAME_SIZES.map((size) => Math.min(size, tightest)))];
  for (const [i, spec] of ipsecStacks.entries()) {
    const fits = fitting[i]!;
    const over = frameSizes.find((size) => size > fits);
    if (over !== undefined)
      throw new OptionError(
        `--frame-sizes ${over} does not fit one frame of ${spec}: allowed 64 to ${fits} ` +
          "(the inner datagram, with the tunnel's headers, must fit the link's MTU)",
      );
  }
  const packetSize = flags.value('--packet-size');
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

/** What runs in parallel: --mode, --workers, --connections, --clp and --lock (or --tcp-lock-scope), and how they fit together. */
function sweepOptions(
  args: ParsedArgs,
  flags: Flags,
  machineCores: number,
): Pick<BenchConfig, 'modes' | 'workers' | 'connections' | 'clp' | 'locks'> {
  const modes = flags.value('--mode');
  const workers = flags.given('--workers')?.(machineCores) ?? defaultWorkerSweep(machineCores);
  const connections = flags.given('--connections') ?? null;
  const clp = flags.value('--clp');
  if (args.has('--lock') && args.has('--tcp-lock-scope'))
    throw new OptionError('--lock and --tcp-lock-scope name the same thing: give one (--tcp-lock-scope S is --lock S)');
  const locks = flags.given('--tcp-lock-scope') ?? flags.value('--lock');
  if (connections !== null && connections.some((c) => c > 1) && modes.length === 1 && modes[0] === 'plp') {
    throw new OptionError('--connections: plp runs one connection on all workers; more connections are for clp and single');
  }
  if (modes.includes('clp') && clp.includes('processor-per-connection') && connections !== null) {
    const fewest = Math.min(...connections);
    const most = Math.max(...workers);
    if (most > fewest) throw new OptionError(`--workers ${most} exceeds --connections ${fewest}: clp needs a connection for every worker`);
  }
  return { modes, workers, connections, clp, locks };
}

/** How long and how often: --runs, --target-ci, --budget, --slice, --seed, --warmup, --warmup-cpu, --duration, --noise-probe. */
function timeOptions(
  flags: Flags,
  profile: (typeof PROFILES)[keyof typeof PROFILES],
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
  const runs = flags.given('--runs');
  return {
    runs: runs ?? profile.runs,
    // Explicit flags win: --runs alone asks for exactly that many runs.
    targetCiPercent: flags.given('--target-ci') ?? (runs !== undefined ? null : profile.targetCiPercent),
    budgetSeconds: flags.given('--budget') ?? null,
    sliceSeconds: flags.value('--slice'),
    seed: flags.value('--seed'),
    warmupSeconds: flags.given('--warmup') ?? profile.warmupSeconds,
    warmupCpuSeconds: flags.value('--warmup-cpu'),
    durationSeconds: flags.given('--duration') ?? profile.durationSeconds,
    noiseProbeSeconds: flags.given('--noise-probe') ?? null,
  };
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
  const limit = threadLimitNote(fittedConfig);
  if (limit !== null) thinnedForMemory.push(limit);
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
  const flags = flagReader(FLAGS, args);
  const profileName = flags.value('--profile');
  const profile = PROFILES[profileName];
  const stacks = stackOptions(flags);
  const gateways = stacks.stacks.some(isGatewaySpec);
  const gateway = gatewayOptions(flags, gateways);
  const cryptos = flags.value('--crypto');
  checkProviders(stacks.stacks, cryptos);
  const sweep = sweepOptions(args, flags, machineCores);
  const time = timeOptions(flags, profile);
  const config: BenchConfig = {
    ...stacks,
    ...sweep,
    cores: machineCores,
    fitted: [],
    threadLimit: threadLimit(),
    cryptos,
    ...time,
    profile: profileName,
    out: flags.given('--out') ?? null,
    pcap: flags.given('--pcap') ?? null,
    verify: args.has('--verify'),
    json: args.has('--json'),
    quiet: args.has('--quiet'),
    progress: flags.value('--progress'),
    layers: args.has('--layers'),
    help: args.has('--help'),
    ...comparisonOptions(args),
    ...gateway,
    ...crashOptions(flags, gateways, sweep.workers, time.durationSeconds),
    ...faultOptions(flags, stacks.stacks),
    loads: flags.given('--load') ?? [],
  };
  checkLoads(config);
  if (config.layers) checkLayerPacketSize(config);
  if (config.verify && config.modes.includes('plp') && config.packetSize < MIN_LABELLED_PACKET && !config.stacks.every(isGatewaySpec))
    throw new OptionError(
      `--verify with --mode plp needs --packet-size ${MIN_LABELLED_PACKET} or more: ` +
        'threads receive the stream in pieces, and each piece must name its message and its place in it',
    );
  return fitToMachine(config, args.has('--workers') || args.has('--connections'), memoryBytes);
}

/** --load: an open loop times packets on a perfect wire, of connection stacks. */
function checkLoads(config: BenchConfig): void {
  if (config.loads.length === 0) return;
  if (config.verify) throw new OptionError('--load times packets, --verify checks their data: give one of them');
  if (faultsAsked(config))
    throw new OptionError('--load times packets on a perfect wire: leave out --loss, --duplicate, --reorder and --corrupt');
  if (config.layers) throw new OptionError('--load measures stacks, --layers their layers apart: give one of them');
  if (config.stacks.every(isGatewaySpec))
    throw new OptionError(`--load applies to connection stacks (TCP or UDP); ${config.stacks.join(', ')} are gateways`);
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
    for (const layer of stackShape(stack).layers)
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

/** --loss, --duplicate, --reorder, --corrupt and --min-rto: a lossy wire, for TCP stacks only. */
function faultOptions(
  flags: Flags,
  stacks: readonly string[],
): Pick<BenchConfig, 'losses' | 'duplicate' | 'reorder' | 'corrupt' | 'minRtoMs'> {
  const faults = {
    losses: flags.value('--loss'),
    duplicate: flags.value('--duplicate'),
    reorder: flags.value('--reorder'),
    corrupt: flags.value('--corrupt'),
  };
  if (faultsAsked(faults)) {
    const flag = (['--loss', '--duplicate', '--reorder', '--corrupt'] as const).find((f) => flags.given(f) !== undefined)!;
    const other = stacks.find((spec) => isGatewaySpec(spec) || !isTcpSpec(spec));
    if (other !== undefined)
      throw new OptionError(`${flag} applies to TCP stacks (it exercises TCP's recovery); ${other} has no TCP: leave it out`);
  }
  return { ...faults, minRtoMs: flags.value('--min-rto') };
}

/** --kill-worker K@T and --heartbeat MS (gateway stacks). */
function crashOptions(
  flags: Flags,
  anyGateway: boolean,
  workers: number[],
  durationSeconds: number,
): Pick<BenchConfig, 'killWorker' | 'heartbeatMs'> {
  const kill = flags.given('--kill-worker');
  const heartbeat = flags.given('--heartbeat');
  if (!anyGateway && (kill !== undefined || heartbeat !== undefined)) {
    throw new OptionError(
      `${kill !== undefined ? '--kill-worker' : '--heartbeat'} applies to gateway stacks, such as screen(100)/ip/eth; --stacks names none`,
    );
  }
  if (kill !== undefined) {
    if (!workers.some((n) => n > kill.worker))
      throw new OptionError(
        `--kill-worker ${kill.worker}: no configuration has worker ${kill.worker} (--workers ${workers.join(',')}; workers count from 0)`,
      );
    if (kill.atSeconds <= 0 || kill.atSeconds >= durationSeconds)
      throw new OptionError(
        `--kill-worker at ${kill.at} must fall inside the steady window: more than 0 and less than --duration (${durationSeconds}s)`,
      );
  }
  return {
    killWorker: kill === undefined ? null : { worker: kill.worker, atSeconds: kill.atSeconds },
    heartbeatMs: heartbeat ?? null,
  };
}

/** --dispatch, --dispatch-unit and --hash-field: for gateway stacks only. */
function gatewayOptions(flags: Flags, anyGateway: boolean): Pick<BenchConfig, 'dispatches' | 'dispatchUnits' | 'hashField'> {
  const dispatches = flags.value('--dispatch');
  const dispatchUnits = flags.value('--dispatch-unit');
  const hashField = flags.value('--hash-field');
  if (!anyGateway) {
    const flag = (['--dispatch', '--dispatch-unit', '--hash-field'] as const).find((f) => flags.given(f) !== undefined);
    if (flag !== undefined) throw new OptionError(`${flag} applies to gateway stacks, such as screen(100)/ip/eth; --stacks names none`);
  }
  if (dispatches.length === 1 && dispatches[0] === 'shared' && dispatchUnits.length === 1 && dispatchUnits[0] === 'session') {
    throw new OptionError(
      '--dispatch shared --dispatch-unit session: the shared queue hands out packets, it knows no sessions; use flat-hash, rr or sqf',
    );
  }
  return { dispatches, dispatchUnits, hashField };
}

/** --compare, --threshold, --fail-on-regression and --format (shared with `npm run report`). */
export function comparisonOptions(args: ParsedArgs): Pick<BenchConfig, 'compare' | 'thresholdPercent' | 'failOnRegression' | 'formats'> {
  const flags = flagReader(FLAGS, args);
  const failOnRegression = args.has('--fail-on-regression');
  const compare = flags.given('--compare') ?? null;
  if (compare === null && args.text('--threshold') !== undefined)
    throw new OptionError('--threshold needs --compare: it says which changes count');
  if (compare === null && failOnRegression) throw new OptionError('--fail-on-regression needs --compare: a baseline to regress from');
  return {
    compare,
    thresholdPercent: flags.value('--threshold'),
    failOnRegression,
    formats: flags.given('--format') ?? [],
  };
}
