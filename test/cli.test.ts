// The command line: bad input exits 2 with a one-line message naming it, before any work; a short
// run writes CSV and JSON of the documented shape; --verify passes for every paper stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FLAGS, parseOptions, OptionError } from '../bench/options.js';
import { FLAG_TABLE } from '../bench/flags.js';
import type { FlagSpec } from '../bench/args.js';
import { COMMANDS } from '../bench/reference.js';
import { RUN_COLUMNS } from '../results/rows.js';
import { RESULTS_FORMAT_VERSION } from '../results/schema.js';
import { PAPER_STACKS } from '../stacks/spec.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';
import { findTool, testWithTool } from './tools.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-cli-'));
const xkbench = path.join(process.cwd(), 'bin/xkbench.js');

function run(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [xkbench, ...args], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BAD: [string[], RegExp][] = [
  [['--bogus'], /unknown flag --bogus: allowed are .*--stacks/],
  [['--durations', '1s'], /unknown flag --durations: did you mean --duration\?/],
  [['--work', '2'], /unknown flag --work: did you mean --workers\?/],
  [['-x'], /unknown flag -x/],
  [['--stacks', 'tcp/foo/ip/fddi'], /--stacks: unknown layer 'foo' .*md5, sha1, sha256 or ip/],
  [['--stacks', 'ip/tcp/fddi'], /'ip' cannot stand as the top layer/],
  [['--stacks', 'tcp/ip'], /without a link layer/],
  [['--side', 'both'], /--side 'both' is not a side: allowed are send, recv/],
  [['--crypto', 'openssl'], /--crypto 'openssl' is not a provider: allowed are cryptojs, node/],
  [['--packet-size', '0'], /--packet-size 0 is out of range: allowed 1 to 65535/],
  [['--packet-size', '-5'], /--packet-size '-5' is not a whole number/],
  [['--packet-size', '1e9'], /--packet-size '1e9' is not a whole number/],
  [['--packet-size', '4096', '--stacks', 'udp/ip/eth'], /--packet-size 4096 does not fit one frame of udp\/ip\/eth: allowed 1 to 1472/],
  [
    ['--packet-size', '7990', '--stacks', 'des/tcp/md5/ip/eth'],
    /--packet-size 7990 is more than one message of des\/tcp\/md5\/ip\/eth holds: allowed 1 to \d+/,
  ],
  [['--verify', '--mode', 'plp', '--packet-size', '6'], /--verify with --mode plp needs --packet-size 8 or more/],
  [
    ['--layers', '--stacks', 'tcp/ip/eth'],
    /--layers: --packet-size 4096 is more than one frame of des\/tcp\/md5\/ip\/eth carries: allowed 1 to 1415/,
  ],
  [['--runs', '0'], /--runs 0 is out of range: allowed 1 to 1000/],
  [['--connections', 'many'], /--connections 'many' is not a whole number/],
  [['--duration', 'soon'], /--duration 'soon' is not a duration/],
  [['--duration', '0s'], /--duration 0s is out of range: allowed 10ms to 24h/],
  [['--warmup', '5d'], /--warmup '5d' is not a duration/],
  [['--profile', 'slow'], /--profile 'slow' is not a profile: allowed are quick, paper/],
  [['--runs'], /--runs needs a value/],
  [['--target-ci', '0%'], /--target-ci '0%' is not a precision target: give a percentage above 0% and at most 100%/],
  [['--target-ci', 'tight'], /--target-ci 'tight' is not a precision target/],
  [
    ['--runs', '3', '--budget', '1s'],
    /--budget 1s is too short for these stacks and modes: the smallest plan \(\d+ worker counts?, 2 runs of 200ms\) takes about \d/,
  ],
  [
    ['--mode', 'clp', '--clp', 'thread-per-connection', '--connections', '2000'],
    /--connections: thread-per-connection runs a thread a connection, at most \d+ .*; 2000 would need more/,
  ],
  [['--clp', 'processor-per-connection,processor-per-connection'], /--clp names 'processor-per-connection' twice/],
  [['--budget', '0s'], /--budget 0s is too short/],
  [['--slice', '5ms'], /--slice 5ms is out of range: allowed 10ms to 10s/],
  [['--verify=yes'], /--verify takes no value/],
  [['--runs', '2', '--runs', '3'], /--runs is given twice/],
  [['stray'], /unexpected argument 'stray'/],
  [['--mode', 'smp'], /--mode 'smp' is not a mode: allowed are single, plp, clp/],
  [['--workers', '0'], /--workers 0 is out of range: allowed 1 to 1024/],
  [['--workers', '1,x'], /--workers 'x' is not a whole number/],
  [
    ['--clp', 'thread-per-packet'],
    /--clp 'thread-per-packet' is not a policy: allowed are thread-per-connection, processor-per-connection/,
  ],
  [['--tcp-lock-scope', 'global'], /--tcp-lock-scope 'global' is not a scope: allowed are state, segment/],
  [['--lock', 'mcs'], /--lock 'mcs' is not a lock design: allowed are state, segment, ticket/],
  [['--lock', 'ticket', '--tcp-lock-scope', 'segment'], /--lock and --tcp-lock-scope name the same thing: give one/],
  [['--mode', 'plp', '--connections', '12'], /plp runs one connection/],
  [['--mode', 'clp', '--workers', '4', '--connections', '2'], /--workers 4 exceeds --connections 2/],
  [['--threshold', '5%'], /--threshold needs --compare/],
  [['--fail-on-regression'], /--fail-on-regression needs --compare/],
  [['--compare', 'old.json', '--threshold', 'lots'], /--threshold 'lots' is not a percentage/],
  [['--format', 'junit'], /--format 'junit' is not a format: allowed are github-action-benchmark/],
  [['--stacks', 'screen(x)/ip/eth'], /'screen\(x\)' is not a rule count .* screen\(N\)/],
  [['--stacks', 'esp(aes,md5)/ip/eth'], /'esp\(aes,md5\)' is not a transform .* esp\(3des,md5\)/],
  [['--dispatch', 'flat-hash'], /--dispatch applies to gateway stacks/],
  [
    ['--stacks', 'screen(10)/ip/eth', '--dispatch', 'random'],
    /--dispatch 'random' is not a policy: allowed are shared, flat-hash, rr, sqf/,
  ],
  [['--stacks', 'screen(10)/ip/eth', '--dispatch-unit', 'flow'], /--dispatch-unit 'flow' is not a unit: allowed are packet, session/],
  [
    ['--stacks', 'screen(10)/ip/eth', '--dispatch', 'shared', '--dispatch-unit', 'session'],
    /the shared queue hands out packets, it knows no sessions/,
  ],
  [['--stacks', 'screen(10)/ip/eth', '--hash-field', 'ttl'], /--hash-field 'ttl' is not a field: allowed are checksum, ident, 5-tuple/],
  [['--stacks', 'screen(10)/ip/eth', '--side', 'send'], /screen\(10\)\/ip\/eth forwards the packets that arrive, it has no send side/],
  [
    ['--stacks', 'esp(3des,md5)/ip/eth', '--frame-sizes', '1500'],
    /--frame-sizes 1500 does not fit one frame of esp\(3des,md5\)\/ip\/eth: allowed 64 to 1446/,
  ],
  [['--frame-sizes', '512'], /--frame-sizes applies to IPsec gateway stacks/],
  [['--stacks', 'screen(10)/ip/eth', '--kill-worker', 'one'], /--kill-worker 'one' is not K@T/],
  [['--stacks', 'screen(10)/ip/eth', '--workers', '1,2', '--kill-worker', '2@1s'], /--kill-worker 2: no configuration has worker 2/],
  [['--stacks', 'screen(10)/ip/eth', '--workers', '2', '--kill-worker', '1@5s', '--duration', '2s'], /must fall inside the steady window/],
  [['--stacks', 'screen(10)/ip/eth', '--heartbeat', '0'], /--heartbeat 0 is out of range: allowed 1 to 60000/],
  [['--heartbeat', '20'], /--heartbeat applies to gateway stacks/],
  [['--workers', '-1'], /--workers '-1' is not a whole number: allowed 1 to 1024/],
  [['--workers', '100000'], /--workers 100000 is out of range: allowed 1 to 1024/],
  [['--connections', '0'], /--connections 0 is out of range: allowed 1 to 10000/],
  [['--packet-size', '99999999'], /--packet-size 99999999 is out of range: allowed 1 to 65535/],
  [['--packet-size', '9000'], /--packet-size 9000 is more than one message of tcp\/ip\/fddi holds: allowed 1 to 7936/],
  [['--duration', '-1s'], /--duration '-1s' is not a duration/],
  [['--duration', '25h'], /--duration 25h is out of range: allowed 10ms to 24h/],
  [['--duration', '1500m'], /--duration 1500m is out of range: allowed 10ms to 24h/],
  [['--warmup', '25h'], /--warmup 25h is too long: at most 24h/],
  [['--progress', 'auto,lines'], /--progress 'auto,lines' is not a progress mode: allowed are auto, lines, off/],
  [['--seed', '-1'], /--seed '-1' is not a whole number/],
  [['--stacks', ','], /--stacks names no stack/],
  [['--loss', '60%'], /--loss '60%' is not a probability: give 0% to 50%/],
  [['--loss', 'some'], /--loss 'some' is not a probability/],
  [['--loss', '1%,1%'], /--loss names '0.01' twice/],
  [['--reorder', '51'], /--reorder '51' is not a probability/],
  [['--loss', '1%', '--stacks', 'udp/ip/eth', '--packet-size', '1000'], /--loss applies to TCP stacks .* udp\/ip\/eth has no TCP/],
  [['--corrupt', '1%', '--stacks', 'screen(10)/ip/eth'], /--corrupt applies to TCP stacks/],
  [['--min-rto', '0'], /--min-rto 0 is out of range: allowed 1 to 60000/],
];

for (const [args, message] of BAD) {
  test(`bad input ${args.join(' ')} → exit 2 and a one-line message`, () => {
    assert.throws(
      () => parseOptions(args),
      (err: unknown) => err instanceof OptionError && message.test(err.message),
    );
  });
}

test('the command itself exits 2 with that message and no stack trace, writing nothing', () => {
  for (const [args, message] of BAD.slice(0, 4)) {
    const r = run([...args, '--out', path.join(dir, 'never')]);
    assert.is(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.not.match(r.stderr, /\bat \w+ \(/, 'no stack trace');
  }
  assert.not.ok(fs.existsSync(path.join(dir, 'never')));
});

test(
  "a crash under static selection loses the dead worker's share; with a heartbeat the survivors take it " + 'over and nothing more is lost',
  () => {
    const out = path.join(dir, 'crash');
    const base = [
      '--stacks',
      'screen(10)/ip/eth',
      '--workers',
      '2',
      '--runs',
      '1',
      '--warmup',
      '200ms',
      '--duration',
      '1500ms',
      '--kill-worker',
      '1@400ms',
      '--quiet',
    ];
    const r = run([...base, '--out', out]);
    assert.is(r.status, 0, r.stderr);
    const crash = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).runs[0].crash;
    assert.is(crash.before.lossShare, 0);
    // The dead worker's share (its packets by checksum mod 2): about half, never all or none.
    assert.ok(crash.during.lossShare > 0.3 && crash.during.lossShare < 0.7, `lost ${crash.during.lossShare}`);
    assert.is(crash.reconfiguredAfterMs, null);
    const hb = path.join(dir, 'crash-heartbeat');
    const h = run([...base, '--heartbeat', '50', '--out', hb]);
    assert.is(h.status, 0, h.stderr);
    const healed = JSON.parse(fs.readFileSync(path.join(hb, 'results.json'), 'utf8')).runs[0].crash;
    assert.ok(healed.reconfiguredAfterMs !== null, 'the survivor switched');
    assert.is(healed.after.lossShare, 0, 'nothing lost once the survivor switched');
    assert.match(fs.readFileSync(path.join(hb, 'report.md'), 'utf8'), /### Crash and reconfiguration/);
  },
);

test('a missing or corrupt --compare file exits 2 before any work, naming the file and the fault', () => {
  const corrupt = path.join(dir, 'corrupt.json');
  fs.writeFileSync(corrupt, '{"summary": [');
  const wrongShape = path.join(dir, 'wrong-shape.json');
  fs.writeFileSync(wrongShape, JSON.stringify({ summary: [{ stack: 'tcp/ip/fddi' }], runs: [], meta: {} }));
  const newer = path.join(dir, 'newer.json');
  fs.writeFileSync(newer, JSON.stringify({ formatVersion: 99, summary: [], runs: [], meta: {} }));
  const unknownLayer = path.join(dir, 'unknown-layer.json');
  const row = {
    stack: 'nop/tcp/ip/fddi',
    side: 'send',
    mode: 'single',
    crypto: 'cryptojs',
    workers: 1,
    connections: 1,
    packetSize: 64,
    meanMbps: 1,
  };
  fs.writeFileSync(unknownLayer, JSON.stringify({ summary: [row], runs: [], meta: {} }));
  for (const [file, message] of [
    [
      newer,
      /--compare .*newer\.json: not an xkbench results\.json: formatVersion 99 is newer than this xkbench reads \(up to 1\): update xkbench/,
    ],
    [path.join(dir, 'absent.json'), /--compare .*absent\.json: cannot be read \(ENOENT\)/],
    [corrupt, /--compare .*corrupt\.json: not valid JSON/],
    [wrongShape, /--compare .*wrong-shape\.json: not an xkbench results\.json: summary\[0\]\.side is not a string/],
    [
      unknownLayer,
      /--compare .*unknown-layer\.json: not an xkbench results\.json: summary\[0\]\.stack: unknown layer 'nop'.*does not have/,
    ],
  ] as const) {
    const r = run(['--compare', file, '--out', path.join(dir, 'never-compared'), '--runs', '1', '--duration', '10ms']);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  assert.not.ok(fs.existsSync(path.join(dir, 'never-compared', 'results.json')));
});

for (const kind of ['throw', 'exit'] as const) {
  test(
    `a worker that ${kind === 'throw' ? 'throws' : 'exits its thread'} mid-run: that configuration fails ` +
      `with the worker and stack named, the others are measured on a new pool and written`,
    () => {
      const out = path.join(dir, `fault-${kind}`);
      const env = { ...process.env, XKBENCH_FAULT: `${kind},worker=1,stack=tcp/md5/ip/fddi,side=send` };
      // The command returning at all (spawnSync's timeout would fail it) shows nothing hung and no thread was left behind.
      const r = run(
        [
          '--stacks',
          'tcp/ip/fddi,tcp/md5/ip/fddi,des/tcp/md5/ip/fddi',
          '--side',
          'send',
          '--mode',
          'plp',
          '--workers',
          '2',
          '--runs',
          '2',
          '--duration',
          '200ms',
          '--warmup',
          '50ms',
          '--out',
          out,
          '--quiet',
        ],
        env,
      );
      assert.is(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        kind === 'throw'
          ? /worker 1 running tcp\/md5\/ip\/fddi send: injected fault/
          : /worker 1 running tcp\/md5\/ip\/fddi send: worker exited with code/,
      );
      const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
      assert.equal(
        json.failures.map((f: { stack: string; workers: number }) => [f.stack, f.workers]),
        [['tcp/md5/ip/fddi', 2]],
      );
      assert.type(json.failures[0].endedAfterMs, 'number', 'how long the configuration took to end is recorded');
      assert.equal(
        [...new Set(json.runs.map((x: { stack: string }) => x.stack))],
        ['tcp/ip/fddi', 'des/tcp/md5/ip/fddi'],
        'the configurations before and after it are kept',
      );
      assert.ok(json.runs.every((x: { valid: boolean; packets: number }) => x.valid && x.packets > 0));
      assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /Failed configurations[\s\S]*tcp\/md5\/ip\/fddi send plp ×2/);
    },
  );
}

// Paths that must be refused at once: Node's recursive mkdir never returns on /proc/x/y, and reading
// a FIFO or a device blocks. Each command runs under a time limit, so a hang fails the test.
test('bad paths (--out, --pcap, --compare, the report folder) exit 2 with one line, without hanging', () => {
  const fifo = path.join(dir, 'a-fifo');
  spawnSync('mkfifo', [fifo], { timeout: 10_000 });
  const report = path.join(process.cwd(), 'bin/xkbench-report.js');
  const rows: [string, string[], RegExp][] = [
    [xkbench, ['--out', '/proc/xk-nope'], /--out \/proc\/xk-nope is not a writable folder/],
    [xkbench, ['--out', '/proc/xk-nope/deeper/still'], /--out \/proc\/xk-nope\/deeper\/still is not a writable folder/],
    [xkbench, ['--out', '/dev/null/x'], /--out \/dev\/null\/x is not a writable folder: \/dev\/null is not a folder/],
    [xkbench, ['--pcap', '/proc/xk-nope/capture.pcap'], /--pcap .*: folder \/proc\/xk-nope does not exist/],
    [xkbench, ['--pcap', dir], /--pcap .* is a folder/],
    [xkbench, ['--compare', '/dev/zero'], /--compare \/dev\/zero: not a regular file/],
    [xkbench, ['--compare', '/proc/xk-nope'], /--compare \/proc\/xk-nope: cannot be read \(ENOENT\)/],
    [report, ['/proc/xk-nope'], /\/proc\/xk-nope: cannot be read \(ENOENT\)/],
    [report, ['/dev/zero'], /\/dev\/zero: not a regular file/],
  ];
  if (fs.existsSync(fifo))
    rows.push([xkbench, ['--compare', fifo], /a-fifo: not a regular file/], [report, [fifo], /a-fifo: not a regular file/]);
  for (const [command, args, message] of rows) {
    const r = spawnSync(process.execPath, [command, ...args, ...(command === xkbench ? ['--runs', '1', '--duration', '10ms'] : [])], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.is(r.error, undefined, `${args.join(' ')}: ended within the limit`);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

test('-h, --help and --version answer and exit 0 whatever else is on the line; each command has them', () => {
  const report = path.join(process.cwd(), 'bin/xkbench-report.js');
  const fuzz = path.join(process.cwd(), 'bin/xkbench-fuzz.js');
  for (const [command, args] of [
    [xkbench, ['--help', '--runs', '0']],
    [xkbench, ['--runs', '0', '-h']],
    [xkbench, ['--bogus', '--help']],
    [report, ['--help']],
    [report, ['-h', '--threshold', 'lots']],
    [fuzz, ['--help', '--iterations', '0']],
  ] as const) {
    const r = spawnSync(process.execPath, [command, ...args], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^usage: xkbench(-report|-fuzz)? /);
    assert.match(r.stdout, /-h, --help/);
    assert.match(r.stdout, /--version/);
    assert.ok(
      r.stdout.split('\n').every((line) => line.length <= 80),
      'wrapped to 80 columns when not a terminal',
    );
  }
  for (const command of [xkbench, report, fuzz]) {
    const r = spawnSync(process.execPath, [command, '--version', '--runs', 'x'], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^xkbench(-report|-fuzz)? \d+\.\d+\.\d+ \(Node v\d+/);
  }
});

test("the help groups the flags and names each one's default", () => {
  const r = run(['--help']);
  for (const group of [
    'What to run:',
    'How long:',
    'Parallelism:',
    'Gateway stacks (packet screen, IPsec):',
    'Output:',
    'Comparison:',
    'Help:',
  ])
    assert.ok(r.stdout.includes(`\n${group}\n`), group);
  assert.match(r.stdout, /--runs N +runs per configuration[\s\S]*?\(default: the\s+profile's:\s+quick\s+4,\s+paper\s+10,\s+ci\s+4\)/);
  assert.match(r.stdout, /--target-ci P +add runs until every paired\s+ratio's[\s\S]*?\(default: the\s+profile's\)/);
});

test('every flag that takes a value, in every command, declares its parser, and each parsed default is a value the parser takes', () => {
  for (const { spec } of COMMANDS)
    for (const [flag, f] of Object.entries(spec.flags)) {
      if (f.value === undefined) continue;
      assert.type(f.parse, 'function', `${spec.name} ${flag} declares no parser`);
      if (f.parsed === true) f.parse!(f.default!, flag); // throws OptionError when the help's default is not a value
    }
});

test("a flag's declared default is the value it takes when absent (one declaration: help and parser read the same text)", () => {
  const parsed = Object.entries(FLAG_TABLE).filter(([, f]) => f.parsed === true);
  assert.ok(parsed.length >= 15, `${parsed.length} flags declare a parsed default`);
  const gatewayFlags = new Set(['--dispatch', '--dispatch-unit', '--hash-field']);
  const given = (flags: [string, FlagSpec][]) => flags.flatMap(([flag, f]) => [flag, f.default!]);
  // Every other flag at its declared default, given explicitly, makes the same configuration as none.
  // (--tcp-lock-scope is --lock's older name: the two are not given together.)
  const plain = parsed.filter(([flag]) => !gatewayFlags.has(flag) && flag !== '--threshold' && flag !== '--tcp-lock-scope');
  assert.equal(parseOptions(given(plain), 2), parseOptions([], 2));
  const compare = ['--compare', 'bench/baseline.json'];
  assert.equal(parseOptions([...compare, '--threshold', FLAGS['--threshold'].default], 2), parseOptions(compare, 2));
  const gateway = ['--stacks', 'screen(10)/ip/eth', '--side', 'recv'];
  assert.equal(parseOptions([...gateway, ...given(parsed.filter(([flag]) => gatewayFlags.has(flag)))], 2), parseOptions(gateway, 2));
});

test('plp-cost: a stack without TCP or a bad count is refused in one line, exit 2; a round measures every build, items paired', () => {
  for (const [args, message] of [
    [['--stacks', 'screen(10)/ip/eth'], /--stacks screen\(10\)\/ip\/eth has no TCP connection/],
    [['--rounds', '0'], /--rounds 0 is out of range: allowed 1 to 100/],
    [
      ['--cpu', String(os.availableParallelism())],
      new RegExp(`--cpu ${os.availableParallelism()} is out of range: allowed 0 to ${os.availableParallelism() - 1}`),
    ],
  ] as const) {
    const r = run(['plp-cost', ...args]);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
  const r = run(['plp-cost', '--stacks', 'tcp/ip/fddi', '--side', 'recv', '--rounds', '2', '--packets', '1000', '--cpu', '0']);
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('2 rounds, on CPU 0'), 'every build pinned to CPU 0 (taskset)');
  for (const item of [
    'single (one owner)',
    "PLP's driver protocol",
    'state and messages in shared memory',
    'Atomics mutex',
    'PLP ×1 (all of the above) ÷ single',
  ])
    assert.ok(r.stdout.includes(item), item);
});

test('a bin started without its build says in one line what to run, and exits 1', () => {
  const copy = fs.mkdtempSync(path.join(dir, 'unbuilt-'));
  fs.cpSync(path.join(process.cwd(), 'bin'), path.join(copy, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(process.cwd(), 'package.json'), path.join(copy, 'package.json'));
  for (const bin of ['xkbench.js', 'xkbench-report.js', 'xkbench-fuzz.js']) {
    const r = spawnSync(process.execPath, [path.join(copy, 'bin', bin), '--help'], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
    assert.is(r.status, 1, `${bin}: ${r.stderr}`);
    assert.match(r.stderr, /^xkbench(-report|-fuzz)?: not built \(dist\/bench\/[a-z-]+\.js is missing\): run `npm run build` in /);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
});

// The progress line needs a terminal on stderr: util-linux's `script` gives the command one (its
// stdout still goes to a file, as with --json > file) and records what the terminal showed.
testWithTool(
  test,
  findTool('script'),
  'script (util-linux)',
  'the progress line is drawn on a terminal stderr, also with --json > file, and never under CI or TERM=dumb',
  (script) => {
    const shown = (env: Record<string, string>): string => {
      const record = path.join(dir, `tty-${Object.keys(env).join('-') || 'plain'}.txt`);
      const json = path.join(dir, 'tty.json');
      const command = [
        process.execPath,
        xkbench,
        '--mode',
        'single',
        '--stacks',
        'tcp/ip/fddi',
        '--side',
        'send',
        '--runs',
        '2',
        '--warmup',
        '100ms',
        '--duration',
        '300ms',
        '--out',
        path.join(dir, 'tty'),
        '--json',
      ]
        .map((a) => `'${a}'`)
        .join(' ');
      const clean = { ...process.env };
      delete clean.CI;
      delete clean.TERM;
      const r = spawnSync(script, ['-q', '-e', '-c', `${command} > '${json}'`, record], {
        env: { ...clean, TERM: 'xterm', ...env },
        encoding: 'utf8',
        timeout: PROCESS_LIMIT_MS,
      });
      assert.is(r.status, 0, r.stderr);
      assert.equal(Object.keys(JSON.parse(fs.readFileSync(json, 'utf8'))).slice(0, 1), ['summary'], 'stdout is the JSON alone');
      return fs.readFileSync(record, 'utf8');
    };
    assert.match(shown({}), /\r\x1b\[2Ktcp\/ip\/fddi send single \[cryptojs\] {2}run 1\/2/);
    assert.not.match(shown({ CI: 'true' }), /run 1\/2/);
    assert.not.match(shown({ TERM: 'dumb' }), /run 1\/2/);
  },
);

test('an unwritable --out exits 2', () => {
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, '');
  const r = run(['--out', path.join(file, 'sub'), '--runs', '1', '--duration', '10ms', '--warmup', '0s']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /--out .* is not a writable folder/);
});

test('--target-ci out of reach: runs are added until the budget is spent, and the report says which ratios met the target', () => {
  const far = path.join(dir, 'target-far');
  const r = run([
    '--stacks',
    'tcp/ip/fddi',
    '--side',
    'send',
    '--mode',
    'plp',
    '--workers',
    '1,2',
    '--runs',
    '2',
    '--warmup',
    '50ms',
    '--duration',
    '100ms',
    '--quiet',
    '--target-ci',
    '0.001%',
    '--budget',
    '6s',
    '--out',
    far,
  ]);
  assert.is(r.status, 0, r.stderr);
  const b = JSON.parse(fs.readFileSync(path.join(far, 'results.json'), 'utf8'));
  assert.ok(
    b.summary.every((s: { runs: number }) => s.runs > 2),
    `runs added: ${b.summary.map((s: { runs: number }) => s.runs)}`,
  );
  assert.ok(b.pairedRatios.length > 0 && b.pairedRatios.every((x: { metTarget: boolean }) => x.metTarget === false));
  assert.equal(b.meta.precision, { targetCiPercent: 0.001, budgetSeconds: 6, sliceMs: 50 });
  assert.match(fs.readFileSync(path.join(far, 'report.md'), 'utf8'), /Precision target: ±0\.001% \(0 of \d+ met it\)/);
  // Each miss says what it would need: here more than 1000 runs, in the report's line for each speedup.
  const speedup = b.pairedRatios.find((x: { kind: string }) => x.kind === 'speedup');
  assert.ok(speedup.runs > 2 && speedup.runsNeeded === null, JSON.stringify(speedup));
  assert.match(fs.readFileSync(path.join(far, 'report.md'), 'utf8'), /0 of 1 speedups met it[^]*the target needs over 1000 runs/);
});

test('defaults and profiles', () => {
  const quick = parseOptions([]);
  assert.equal(quick.stacks, [...PAPER_STACKS]);
  assert.equal(quick.sides, ['send', 'recv']);
  assert.equal([quick.warmupSeconds, quick.durationSeconds, quick.runs, quick.packetSize], [0.5, 0.5, 4, 4096]);
  assert.equal(
    [quick.targetCiPercent, quick.budgetSeconds, quick.sliceSeconds],
    [5, null, 0.05],
    'the quick profile aims at ±5%, within 1.5 × its plan',
  );
  assert.is(parseOptions(['--runs', '3']).targetCiPercent, null, '--runs alone: exactly that many runs');
  assert.equal(
    [
      parseOptions(['--runs', '3', '--target-ci', '2%', '--budget', '2m']).targetCiPercent,
      parseOptions(['--target-ci', '2', '--budget', '2m']).budgetSeconds,
    ],
    [2, 120],
  );
  assert.is(parseOptions(['--profile', 'ci']).targetCiPercent, null);
  assert.equal(quick.modes, ['plp', 'clp']);
  assert.is(quick.cores, os.availableParallelism());
  assert.is(quick.workers[quick.workers.length - 1], os.availableParallelism(), 'the default sweep ends at the cores');
  assert.is(quick.connections, null);
  const paper = parseOptions(['--profile', 'paper', '--runs', '3']);
  assert.equal([paper.warmupSeconds, paper.durationSeconds, paper.runs], [30, 30, 3]);
  assert.is(parseOptions(['--duration=1500ms']).durationSeconds, 1.5);
  assert.is(parseOptions(['--warmup', '2m']).warmupSeconds, 120);
});

test('--help lists every flag', () => {
  const r = run(['--help']);
  assert.is(r.status, 0);
  for (const flag of [
    '--stacks',
    '--side',
    '--packet-size',
    '--connections',
    '--crypto',
    '--warmup',
    '--duration',
    '--runs',
    '--target-ci',
    '--budget',
    '--slice',
    '--seed',
    '--profile',
    '--out',
    '--pcap',
    '--verify',
    '--json',
    '--quiet',
    '--layers',
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test('a short run writes results.csv, results.json and report.md of the documented shape', () => {
  const out = path.join(dir, 'short');
  const r = run([
    '--mode',
    'single',
    '--stacks',
    'tcp/ip/fddi,udp/ip/eth',
    '--packet-size',
    '1024',
    '--runs',
    '2',
    '--warmup',
    '50ms',
    '--duration',
    '100ms',
    '--out',
    out,
    '--json',
    '--pcap',
    path.join(dir, 'short.pcap'),
  ]);
  assert.is(r.status, 0, r.stderr);
  const csv = fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
  assert.is(csv[0], RUN_COLUMNS.join(','));
  assert.is(csv.length, 1 + 2 * 2 * 2);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(Object.keys(json).sort(), [
    'calibration',
    'failures',
    'formatVersion',
    'meta',
    'models',
    'pairedRatios',
    'runs',
    'slices',
    'summary',
  ]);
  assert.is(json.formatVersion, RESULTS_FORMAT_VERSION);
  assert.is(json.runs.length, 8);
  for (const row of json.runs) {
    for (const column of RUN_COLUMNS) assert.ok(column in row, column);
    assert.ok(row.packets > 0 && row.bytes === row.packets * 1024 && row.valid === true);
    assert.ok(Math.abs(row.throughputMbps - (row.bytes * 8) / row.seconds / 1e6) / row.throughputMbps < 1e-3);
  }
  assert.is(json.summary.length, 4);
  for (const s of json.summary) {
    for (const key of ['stack', 'side', 'mode', 'workers', 'connections', 'meanMbps', 'ci90Low', 'ci90High', 'usPerPacket', 'runs'])
      assert.ok(key in s, key);
    assert.ok(s.ci90Low <= s.meanMbps && s.meanMbps <= s.ci90High);
  }
  for (const key of ['version', 'commit', 'node', 'cpu', 'cpus', 'os', 'config', 'timestamp', 'enforcement', 'incomplete'])
    assert.ok(key in json.meta, key);
  assert.is(json.meta.incomplete, false);
  // The machine, with the noise probe's slices (9 of 50 ms at least, the first not counted), in meta and the report.
  assert.ok(json.meta.machine.cpu === json.meta.cpu && json.meta.machine.noise.slices >= 8, JSON.stringify(json.meta.machine));
  assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), `Machine: ${json.meta.cpu} (`);
  const printed = JSON.parse(r.stdout);
  assert.equal(
    Object.keys(printed),
    ['summary', 'failures', 'invalidRuns', 'comparison', 'regressions', 'incomplete', 'out'],
    '--json prints one object with all a script needs',
  );
  assert.equal(printed.summary, json.summary, '--json prints the summary');
  assert.equal(
    [printed.failures, printed.invalidRuns, printed.comparison, printed.regressions, printed.incomplete, printed.out],
    [[], [], null, [], false, out],
  );
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /## Latency breakdown/);
  assert.match(report, /\| TCP\/IP\/FDDI +\|/);
  assert.ok(
    fs.existsSync(path.join(dir, 'short-fddi.pcap')) && fs.existsSync(path.join(dir, 'short-eth.pcap')),
    'one capture per link type',
  );
  assert.equal(
    fs.readdirSync(out).sort(),
    ['charts', 'report.html', 'report.md', 'results.csv', 'results.json'],
    'no temporary files left',
  );
});

test('--verify: every paper stack, send and receive, genuine frames and the data checked', () => {
  const out = path.join(dir, 'verify');
  const r = run(['--mode', 'single', '--verify', '--runs', '1', '--warmup', '0s', '--duration', '300ms', '--out', out, '--quiet']);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.is(json.runs.length, 8);
  for (const row of json.runs) {
    assert.ok(row.packets > 0, `${row.stack} ${row.side} moved packets`);
    assert.equal(row.drops, {});
    assert.is(row.dataErrors, 0);
  }
  for (const e of json.meta.enforcement) {
    assert.ok(e.genuineFrames);
    assert.equal(e.computedOnly, []);
    assert.ok(e.enforced.includes('application data equals what was sent'));
  }
});

test('without --verify the receive side replays templates: MD5 is computed on every packet but not enforced', () => {
  const out = path.join(dir, 'replay');
  const r = run([
    '--stacks',
    'tcp/md5/ip/fddi',
    '--side',
    'recv',
    '--mode',
    'single,plp',
    '--workers',
    '2',
    '--runs',
    '1',
    '--warmup',
    '0s',
    '--duration',
    '200ms',
    '--out',
    out,
    '--quiet',
  ]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.is(json.runs.length, 2);
  for (const row of json.runs)
    assert.ok(row.digestMismatchesIgnored > 0.9 * row.packets, `${row.mode}: every replayed digest was computed and compared`);
  assert.match(json.meta.enforcement[0].computedOnly[0], /md5 digest/);
});

test('PLP --verify with 2 and 4 workers, every paper stack, send and receive: nothing lost, data in order', () => {
  const out = path.join(dir, 'plp-verify');
  const r = run([
    '--mode',
    'plp',
    '--workers',
    '2,4',
    '--verify',
    '--runs',
    '1',
    '--warmup',
    '0s',
    '--duration',
    '400ms',
    '--out',
    out,
    '--quiet',
  ]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.is(json.runs.length, 4 * 2 * 2);
  for (const row of json.runs) {
    const what = `${row.stack} ${row.side} ×${row.workers}`;
    assert.ok(row.packets > 0, `${what} moved packets`);
    // Threads reorder segments; three out of order look like a loss to the sender, whose fast
    // retransmit then arrives as a duplicate: the only drops there may be.
    for (const [reason, count] of Object.entries(row.drops as Record<string, number>)) {
      assert.is(reason, 'tcp-duplicate', what);
      assert.ok(count <= row.retransmits, `${what}: ${count} duplicates, ${row.retransmits} sent again`);
    }
    assert.is(row.dataErrors, 0, what);
    assert.is(row.mode, 'plp');
    assert.is(row.oversubscribed, row.workers > os.availableParallelism());
    assert.ok(row.lock.acquisitions > 0, `${what}: the TCP lock was used`);
  }
});

test('CLP --verify with 2 workers over 4 connections; the summary carries speedup and fairness', () => {
  const out = path.join(dir, 'clp-verify');
  const r = run([
    '--mode',
    'clp',
    '--workers',
    '1,2',
    '--connections',
    '4',
    '--stacks',
    'tcp/md5/ip/fddi',
    '--verify',
    '--runs',
    '2',
    '--warmup',
    '0s',
    '--duration',
    '300ms',
    '--out',
    out,
    '--quiet',
  ]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  for (const row of json.runs) {
    assert.equal(row.drops, {});
    assert.is(row.dataErrors, 0);
    assert.is(row.perConnectionMbps.length, 4);
    assert.ok(row.fairness > 0 && row.fairness <= 1);
  }
  const two = json.summary.find((s: { workers: number; side: string }) => s.workers === 2 && s.side === 'send');
  assert.ok(two.speedup > 0 && two.speedupLow <= two.speedup && two.speedup <= two.speedupHigh);
  const one = json.summary.find((s: { workers: number; side: string }) => s.workers === 1 && s.side === 'send');
  assert.is(one.speedup, 1);
  assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /## PLP and CLP/);
});

test('--lock state,segment,ticket,backlog measures PLP under each design in one run, each with its own speedup', () => {
  assert.equal(parseOptions(['--tcp-lock-scope', 'segment'], 2), parseOptions(['--lock', 'segment'], 2), 'the old name means the same');
  const out = path.join(dir, 'scopes');
  const r = run([
    '--mode',
    'plp',
    '--workers',
    '1,2',
    '--lock',
    'state,segment,ticket,backlog',
    '--stacks',
    'tcp/ip/fddi',
    '--side',
    'recv',
    '--runs',
    '2',
    '--warmup',
    '0s',
    '--duration',
    '200ms',
    '--out',
    out,
    '--quiet',
  ]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  const names = json.summary.map(
    (s: { lockDesign: string; tcpLockScope: string; workers: number }) => `${s.lockDesign}/${s.tcpLockScope}×${s.workers}`,
  );
  assert.equal(names.sort(), [
    'backlog/state×1',
    'backlog/state×2',
    'segment/segment×1',
    'segment/segment×2',
    'state/state×1',
    'state/state×2',
    'ticket/state×1',
    'ticket/state×2',
  ]);
  for (const s of json.summary) assert.ok(s.workers === 1 ? s.speedup === 1 : s.speedup > 0);
  for (const row of json.runs) assert.ok(row.lock.acquisitions > 0 && ['state', 'segment', 'ticket', 'backlog'].includes(row.lockDesign));
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /PLP segment-lock speedup/);
  assert.match(report, /PLP ticket-lock speedup/);
  assert.match(report, /PLP backlog-lock speedup/);
  assert.match(report, /PLP at 2 workers: speedup .* with the fair ticket lock over the state/);
});

test('--load 50%,90%,20k: every configuration again open loop, at its share of saturation and at 20 000 packets a second', () => {
  const out = path.join(dir, 'open-loop');
  const r = run([
    '--mode',
    'single,plp,clp',
    '--workers',
    '1,2',
    '--stacks',
    'tcp/ip/fddi,udp/ip/eth',
    '--side',
    'recv',
    '--packet-size',
    '1024',
    '--runs',
    '2',
    '--warmup',
    '0s',
    '--duration',
    '200ms',
    '--load',
    '50%,90%,20k',
    '--out',
    out,
  ]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  type Row = { stack: string; side: string; mode: string; workers: number; offeredPps: number; loadFraction?: number; usPerPacket: number };
  const closed: Row[] = json.summary;
  const open: (Row & { latency: { samples: number; p50Us: number; p99Us: number } })[] = json.openLoop.summary;
  assert.is(open.length, 3 * closed.length, 'each configuration at each load');
  assert.ok(closed.every((s) => s.offeredPps === undefined));
  for (const s of open) {
    const twin = closed.find((c) => c.stack === s.stack && c.side === s.side && c.mode === s.mode && c.workers === s.workers)!;
    if (s.loadFraction !== undefined)
      assert.ok(
        Math.abs(s.offeredPps / ((s.loadFraction * 1e6) / twin.usPerPacket) - 1) < 0.01,
        "a share of the closed loop's packets a second",
      );
    else assert.is(s.offeredPps, 20_000);
    assert.ok(s.latency.samples > 0 && s.latency.p99Us >= s.latency.p50Us);
  }
  assert.is(json.openLoop.runs.length, 2 * open.length);
  const csv = fs.readFileSync(path.join(out, 'open-loop.csv'), 'utf8').trim().split('\n');
  assert.match(csv[0]!, /,offeredPps,loadFraction$/);
  assert.is(csv.length, 1 + json.openLoop.runs.length);
  for (const stack of ['tcp-ip-fddi', 'udp-ip-eth']) assert.ok(fs.existsSync(path.join(out, 'charts', `load-latency-${stack}.svg`)));
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /## Latency against offered load \(open loop, µs\)/);
  assert.match(report, /At 50% of its own saturation, tcp\/ip\/fddi recv \[cryptojs\]: \*\*.+\*\* keeps p99 lowest/);
  assert.match(r.stdout, /Packet latency against offered load \(open loop; µs\)/);
});

for (const [signal, exitCode, mode, what] of [
  ['SIGINT', 130, 'single', 'Ctrl-C (SIGINT)'],
  ['SIGTERM', 143, 'single', 'SIGTERM'],
  ['SIGTERM', 143, 'plp', 'SIGTERM during a run on worker threads'],
  ['SIGHUP', 129, 'single', 'SIGHUP (the terminal closed)'],
] as const) {
  test(`${what} writes the finished runs, marked incomplete, whole, and exits ${exitCode}`, async () => {
    const out = path.join(dir, `interrupted-${signal}-${mode}`);
    const args = mode === 'plp' ? ['--mode', 'plp', '--workers', '2'] : ['--mode', 'single'];
    const child = spawn(process.execPath, [
      xkbench,
      ...args,
      '--stacks',
      'tcp/ip/fddi',
      '--side',
      'send',
      '--runs',
      '1000',
      '--warmup',
      '0s',
      '--duration',
      '100ms',
      '--noise-probe',
      '0',
      '--out',
      out,
      '--quiet',
      '--progress',
      'lines',
    ]);
    // Interrupt once run 3 has started: runs 1 and 2 have finished (a fact, whatever the machine's speed).
    let stderr = '';
    const third = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/run 3\/1000/.test(stderr)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`xkbench ended (${code}) before its third run: ${stderr.slice(-300)}`)));
    });
    await withinLimit('xkbench reaching its third run', PROCESS_LIMIT_MS, third);
    child.kill(signal);
    // Returning at all shows the worker threads were ended: a thread left behind keeps Node alive.
    const ended = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const code = await withinLimit(`xkbench ending after ${signal}`, PROCESS_LIMIT_MS, ended).finally(() => child.kill('SIGKILL'));
    assert.is(code, exitCode);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.is(json.meta.incomplete, true);
    assert.ok(json.runs.length > 0 && json.runs.length < 1000, `${json.runs.length} runs kept`);
    assert.is(fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n').length, json.runs.length + 1);
    assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /Incomplete/);
    assert.equal(
      fs.readdirSync(out).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
  });
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--loss 0.1%,1%,5%, duplicates, reordering: the paper stacks in single, CLP and PLP keep the stream whole (--verify)', () => {
  const out = path.join(dir, 'lossy');
  const flags =
    '--mode single,clp,plp --workers 2 --side send --loss 0.1%,1%,5% --duplicate 1% --reorder 1% --min-rto 5 ' +
    '--verify --runs 1 --warmup 0s --warmup-cpu 0s --duration 100ms --quiet --out';
  const r = run([...flags.split(' '), out]);
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.is(json.runs.length, 4 * 3 * 3);
  for (const row of json.runs) {
    assert.ok([0.001, 0.01, 0.05].includes(row.loss), `loss ${row.loss}`);
    assert.is(row.dataErrors, 0);
    assert.is(row.conservation, undefined, row.conservation);
    assert.ok(typeof row.retransmits === 'number' && typeof row.cwnd === 'number' && row.wireFaults !== undefined);
  }
  const lossy = json.runs.filter((row: { loss: number }) => row.loss === 0.05);
  assert.ok(lossy.reduce((s: number, row: { wireFaults: { lost: number } }) => s + row.wireFaults.lost, 0) > 0, 'frames were lost at 5%');
  assert.ok(lossy.reduce((s: number, row: { retransmits: number }) => s + row.retransmits, 0) > 0, 'and sent again');
  assert.equal(json.meta.wire, { losses: [0.001, 0.01, 0.05], duplicate: 0.01, reorder: 0.01, corrupt: 0, minRtoMs: 5 });
  assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /## A lossy wire/);
});

test.run();
