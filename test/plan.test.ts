// The plan for machines this one is not: the default worker sweep, CLP's connections and the time
// estimate for 1 to 256 cores, the budget fitting the plan, and defaults that never refuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOptions } from '../bench/options.js';
import { clpConnections, configurations, defaultWorkerSweep, estimatePlan, measurementGroups, threadLimit } from '../bench/plan.js';

const GiB = 2 ** 30;

// cores → default sweep, CLP connections, configurations, threads alive at once, estimated seconds
// (4 GiB a core). The estimate: per run, each member's warm-up (0.5 s), each member's and primitive's
// share of the window (0.5 s each), thread start-up (85 ms of CPU a thread, spread over the cores), and
// each configuration's set-up and end (0.2 s).
const TABLE: [number, number[], number, number, number, number][] = [
  [1, [1], 12, 16, 2, 118.2],
  [2, [1, 2], 12, 32, 6, 197.8],
  [16, [1, 2, 4, 8, 16], 16, 80, 62, 430.5],
  [64, [1, 2, 4, 8, 16, 32, 64], 64, 112, 254, 584.4],
  [256, [1, 2, 4, 8, 16, 32, 64, 128, 256], 256, 144, 1022, 738.1],
];

for (const [cores, sweep, connections, configs, threads, seconds] of TABLE) {
  test(`${cores} cores: workers ${sweep.join(',')}, clp ${connections} connections, ${configs} configurations, ≈ ${seconds} s`, () => {
    const config = parseOptions([], cores, cores * 4 * GiB);
    assert.equal(config.workers, sweep);
    assert.equal(defaultWorkerSweep(cores), sweep);
    assert.equal(clpConnections(config), [connections]);
    assert.ok(connections >= Math.max(...config.workers), 'a connection for every worker');
    const plan = estimatePlan(config);
    assert.is(plan.configurations, configs);
    assert.is(configurations(config).length, configs);
    assert.is(plan.peakThreads, threads);
    assert.is(Math.round(plan.seconds * 10) / 10, seconds);
    assert.is(
      Math.round((plan.warmupSeconds + plan.sliceSeconds + plan.threadStartSeconds + plan.runOverheadSeconds) * 1000),
      Math.round(plan.seconds * 1000),
      'the parts add up',
    );
    assert.equal(config.fitted, []);
  });
}

test('the defaults never refuse: 1 to 300 cores, 1 to 8 GiB a core', () => {
  for (let cores = 1; cores <= 300; cores++) {
    for (const perCore of [1, 8]) {
      const config = parseOptions([], cores, Math.max(4, cores * perCore) * GiB);
      assert.is(config.workers[config.workers.length - 1], cores);
      assert.ok(config.workers[0] === 1);
      assert.ok(Math.max(...clpConnections(config)) >= Math.max(...config.workers));
    }
  }
});

test("256 cores in 16 GiB: the default sweep is thinned until a run's threads fit, and says so; numbers given are refused", () => {
  const config = parseOptions([], 256, 16 * GiB);
  assert.equal(config.workers, [1, 4, 16, 64, 256]);
  assert.match(config.fitted.join(), /workers 1,2,4,8,16,32,64,128,256 → 1,4,16,64,256 \(memory: 14 MiB a thread\)/);
  assert.throws(
    () => parseOptions(['--workers', '1,128,256'], 256, 8 * GiB),
    /one run keeps 770 threads and 771 connections alive, about 10\.6 GiB at 14 MiB a thread and 160 KiB a connection, more than three quarters of this machine's 8\.0 GiB: allowed up to about 430 threads at once/,
  );
  assert.not.throws(
    () =>
      parseOptions(
        [
          '--stacks',
          'tcp/ip/fddi',
          '--side',
          'send',
          '--mode',
          'clp',
          '--clp',
          'thread-per-connection,processor-per-connection',
          '--connections',
          '384',
          '--workers',
          '2',
        ],
        2,
        24 * GiB,
      ),
    "Fig. 11's 384 threads fit in 24 GiB",
  );
});

test('ten thousand connections: processor-per-connection holds them, thread-per-connection stops at its thread limit and says so', () => {
  const clp = ['--stacks', 'tcp/ip/fddi', '--side', 'send', '--mode', 'clp', '--workers', '2'];
  const both = parseOptions([...clp, '--clp', 'thread-per-connection,processor-per-connection', '--connections', '384,10000'], 2, 24 * GiB);
  assert.match(both.fitted.join(), /^thread-per-connection stops at \d+ threads.*: 10000 connections run processor-per-connection only$/);
  const planned = configurations(both).map((c) => `${c.clp} ${c.connections}`);
  assert.equal(planned.sort(), ['processor-per-connection 10000', 'processor-per-connection 384', 'thread-per-connection 384']);
  assert.throws(
    () => parseOptions([...clp, '--clp', 'thread-per-connection', '--connections', '2000'], 2, 24 * GiB),
    /--connections: thread-per-connection runs a thread a connection, at most \d+.*; 2000 would need more/,
  );
  assert.throws(() => parseOptions([...clp, '--connections', '10001'], 2, 24 * GiB), /--connections/);
  // 10 000 connections at 160 KiB each and two threads: about 1.6 GiB, which 4 GiB holds and 2 GiB does not.
  assert.not.throws(() => parseOptions([...clp, '--connections', '10000'], 2, 4 * GiB));
  assert.throws(() => parseOptions([...clp, '--connections', '10000'], 2, 2 * GiB), /10000 connections alive/);
});

test("thread-per-connection's limit: the kernel's memory maps where they run out first, else MAX_THREADS", () => {
  assert.is(threadLimit(65530), 585, "Linux's default vm.max_map_count: 56 maps a thread, half kept free");
  assert.is(threadLimit(1_000_000), 1024);
  assert.is(threadLimit(null), 1024, 'unreadable: the flag limit');
});

test('--budget fits the plan: shorter windows, then fewer worker counts, then fewer runs; the estimate stays within it', () => {
  for (const cores of [1, 2, 16, 64, 256]) {
    for (const budget of ['2m', '4m', '10m']) {
      const config = parseOptions(['--budget', budget, '--runs', '4'], cores, cores * 4 * GiB);
      const limit = budget === '2m' ? 120 : budget === '4m' ? 240 : 600;
      assert.ok(estimatePlan(config).seconds <= limit, `${cores} cores, ${budget}: ${estimatePlan(config).seconds}`);
      assert.ok(config.workers.includes(1) && config.workers.includes(cores), 'the ends of the sweep are kept');
    }
  }
  const fitted = parseOptions(['--budget', '4m'], 64, 256 * GiB);
  // Each configuration's run costs its set-up and end too (0.2 s): four minutes keep the ends of the sweep.
  assert.equal(fitted.workers, [1, 64]);
  assert.is(fitted.durationSeconds, 0.2);
  assert.equal(fitted.fitted, ['window 500ms → 200ms (fewer pairs)', 'workers 1,2,4,8,16,32,64 → 1,64']);
  assert.ok(estimatePlan(fitted).seconds <= 240 / 1.5, 'with a target, the runs asked for take two thirds of the budget');
  const roomy = parseOptions(['--budget', '1h'], 2, 24 * GiB);
  assert.equal([roomy.workers, roomy.durationSeconds, roomy.runs, roomy.fitted], [[1, 2], 0.5, 4, []]);
});

test("several connection counts are measured a count at a time: thread-per-connection 12…384 keeps one count's threads alive", () => {
  const config = parseOptions(
    [
      '--stacks',
      'tcp/ip/fddi',
      '--side',
      'send',
      '--mode',
      'clp',
      '--clp',
      'thread-per-connection,processor-per-connection',
      '--connections',
      '12,24,48,96,192,384',
    ],
    2,
    24 * GiB,
  );
  const groups = measurementGroups(configurations(config));
  assert.is(groups.length, 12);
  assert.equal(
    groups.map((g) => g.members.map((c) => `${c.clp} ${c.workers}`)),
    [12, 24, 48, 96, 192, 384].flatMap((n) => [
      [`thread-per-connection ${n}`],
      ['processor-per-connection 1', 'processor-per-connection 2'],
    ]),
    "thread-per-connection's parked threads never share a group with the other policy's slices",
  );
  assert.is(estimatePlan(config).peakThreads, 384);
});

test.run();
