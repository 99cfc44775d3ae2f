// CPU accounting: the scheduler statistics are parsed without allocating, a thread's own on-CPU time
// never exceeds the time that passed, the warm-up ends by work, and a speedup decomposes exactly
// into threads busy × per-packet cost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import { CpuAccount, type CpuReading, ThreadCpu, decimalAt, runCpu } from '../parallel/thread-cpu.js';
import { type RunDetail, round, summarizeRuns } from '../results/rows.js';

const bytes = (text: string) => new TextEncoder().encode(text);

test('decimalAt reads the numbers of a schedstat line in turn', () => {
  const line = bytes('8137152604 71695 1\n');
  const [a, at] = decimalAt(line, 0, line.length);
  const [b, at2] = decimalAt(line, at, line.length);
  const [c] = decimalAt(line, at2, line.length);
  assert.equal([a, b, c], [8137152604, 71695, 1]);
  assert.ok(Number.isNaN(decimalAt(bytes('  \n'), 0, 3)[0]), 'no number: NaN');
});

test("this thread's on-CPU time grows with work and never by more than the time that passed", () => {
  const cpu = new ThreadCpu();
  if (!fs.existsSync('/proc/thread-self/schedstat')) {
    assert.ok(cpu.source !== 'schedstat');
    return;
  }
  assert.is(cpu.source, 'schedstat');
  const a = { ...cpu.read({ onCpuNs: 0, runQueueNs: 0 }) };
  const t0 = process.hrtime.bigint();
  let x = 0;
  while (process.hrtime.bigint() - t0 < 30_000_000n) x += Math.sqrt(x + 1);
  const elapsed = Number(process.hrtime.bigint() - t0);
  const b = cpu.read({ onCpuNs: 0, runQueueNs: 0 });
  cpu.close();
  cpu.close(); // a second close does nothing
  assert.ok(x > 0);
  assert.ok(b.onCpuNs > a.onCpuNs, 'busy: on the CPU');
  // Linux counts on-CPU time to the ns, read at the moments of the two readings (a few µs of slack).
  assert.ok(b.onCpuNs - a.onCpuNs <= elapsed + 2_000_000, `on-CPU ${b.onCpuNs - a.onCpuNs} ns within ${elapsed} ns`);
  assert.ok(b.runQueueNs >= a.runQueueNs);
});

/** A thread whose clock the test moves. */
class FakeCpu extends ThreadCpu {
  now = { onCpuNs: 0, runQueueNs: 0 };
  override read(into: CpuReading): CpuReading {
    into.onCpuNs = this.now.onCpuNs;
    into.runQueueNs = this.now.runQueueNs;
    return into;
  }
}

test('the warm-up ends by work: the CPU time and 64 packets, whichever comes last; slices give start and end costs', () => {
  const cpu = new FakeCpu();
  const account = new CpuAccount(cpu);
  account.startWarmup();
  cpu.now.onCpuNs = 3_200_000; // 16 packets in 3.2 ms: cold, 200 µs each
  assert.not.ok(account.warmedUp(16, 100));
  assert.is(account.figures.coldUs, 200);
  cpu.now.onCpuNs = 150_000_000;
  assert.not.ok(account.warmedUp(40, 100), 'CPU time enough, packets not');
  assert.ok(account.warmedUp(64, 100));
  cpu.now.onCpuNs = 0;
  account.startWarmup();
  assert.not.ok(account.warmedUp(100_000, 100), 'packets enough, CPU time not');
  account.startSlice();
  cpu.now = { onCpuNs: 1_000_000, runQueueNs: 500_000 };
  account.endSlice(500); // 2 µs a packet
  account.startSlice();
  cpu.now = { onCpuNs: 2_000_000, runQueueNs: 500_000 };
  account.endSlice(1000); // 1 µs a packet
  assert.equal(
    [account.figures.startUs, account.figures.endUs, account.figures.onCpuNs, account.figures.runQueueNs, account.figures.packets],
    [2, 1, 2_000_000, 500_000, 1500],
  );
  account.close();
});

test("a run's figures: busy threads ÷ CPU cost per packet is the packet rate; the source follows what is known", () => {
  const thread = (onCpuNs: number, runQueueNs: number, packets: number) => ({
    onCpuNs,
    runQueueNs,
    packets,
    coldUs: 9,
    startUs: 2,
    endUs: 1,
    warmupCpuMs: 100,
    warmupPackets: 64,
  });
  const r = runCpu([thread(0.8e9, 0.1e9, 400_000), thread(0.6e9, 0.3e9, 300_000)], 1, 700_000);
  assert.equal([r.source, r.busyThreads, r.usPerPacket, r.runQueueShare, r.utilisation], ['schedstat', 1.4, 2, 0.2, [0.8, 0.6]]);
  assert.is((r.busyThreads! / r.usPerPacket!) * 1e6, 700_000, 'packets per second');
  assert.is(runCpu([thread(1e9, Number.NaN, 1)], 1, 1).source, 'threadCpuUsage');
  const none = runCpu([thread(Number.NaN, Number.NaN, 1)], 1, 1);
  assert.equal([none.source, none.busyThreads, none.usPerPacket], ['none', null, null]);
});

test('the summary decomposes a speedup: threads busy × per-packet cost = the packet-rate ratio', () => {
  const row = (workers: number, run: number, seconds: number, packets: number, busy: number): RunDetail => ({
    stack: 'tcp/ip/fddi',
    side: 'send',
    mode: 'plp',
    workers,
    connections: 1,
    packetSize: 4096,
    crypto: 'cryptojs',
    tcpLockScope: 'state',
    run,
    seconds,
    packets,
    bytes: packets * 4096,
    throughputMbps: (packets * 4096 * 8) / seconds / 1e6,
    usPerPacket: (seconds * 1e6) / packets,
    seed: run,
    drops: {},
    digestMismatchesIgnored: 0,
    dataErrors: 0,
    valid: true,
    observed: 0,
    oversubscribed: false,
    cpu: {
      source: 'schedstat',
      busyThreads: busy,
      usPerPacket: (busy * seconds * 1e6) / packets,
      runQueueShare: 0.01,
      utilisation: [busy],
      coldUs: [9],
      startUs: [1],
      endUs: [1],
      warmupCpuMs: [100],
    },
  });
  const summary = summarizeRuns([
    row(1, 1, 0.5, 500_000, 0.95),
    row(1, 2, 0.5, 450_000, 0.97),
    row(2, 1, 0.5, 700_000, 1.9),
    row(2, 2, 0.5, 720_000, 1.8),
  ]);
  const [one, two] = summary;
  assert.is(one!.busyRatio, undefined, 'no decomposition at one worker');
  const rate = one!.usPerPacket / two!.usPerPacket;
  assert.ok(Math.abs((two!.busyRatio! * two!.costRatio!) / rate - 1) < 1e-3, `${two!.busyRatio} × ${two!.costRatio} against ${rate}`);
  assert.is(two!.busyRatio, round((1.9 + 1.8) / (0.95 + 0.97)), 'equal windows: the ratio of the mean busy threads');
});

test.run();
