// The open loop (--load): its loads as given on the command line, the plan's load dimension, and
// the schedule a thread offers packets on: each sampled packet carries the time it was due, a thread
// late for its schedule offers the packets it is late for at once, and their wait is in their
// latency (coordinated omission). Lower bounds only: a slower machine makes the waits longer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTO_LOAD_FRACTIONS, parseLoads } from '../bench/load-spec.js';
import { parseOptions } from '../bench/options.js';
import { configurations, estimatePlan, measurementGroups } from '../bench/plan.js';
import { OptionError } from '../bench/args.js';
import { LatencySampler } from '../drivers/latency-sampler.js';
import { LatencyHistogram } from '../drivers/latency-histogram.js';
import { OpenLoop } from '../parallel/open-loop.js';
import { BufferPool } from '../stacks/message.js';

const GiB = 2 ** 30;

test('--load reads packets a second, bit rates, shares of saturation and auto', () => {
  assert.equal(parseLoads('250000,300k,1.5M'), [{ pps: 250_000 }, { pps: 300_000 }, { pps: 1_500_000 }]);
  assert.equal(parseLoads('800Mbit,1.2Gbit/s'), [{ mbps: 800 }, { mbps: 1200 }]);
  assert.equal(parseLoads('50%,90%'), [{ fraction: 0.5 }, { fraction: 0.9 }]);
  assert.equal(
    parseLoads('auto'),
    AUTO_LOAD_FRACTIONS.map((fraction) => ({ fraction })),
  );
});

for (const [text, says] of [
  ['auto,50%', 'give it alone'],
  ['0%', 'out of range'],
  ['151%', 'out of range'],
  ['fast', 'is not a load'],
  ['1.5', 'whole number'],
  ['50%,50%', 'twice'],
  ['', 'names no load'],
] as const)
  test(`--load '${text}' is refused: ${says}`, () => {
    assert.throws(
      () => parseLoads(text),
      (err: Error) => err instanceof OptionError && err.message.includes(says) && !err.message.includes('\n'),
    );
  });

test('--load refuses --verify, a lossy wire and gateway stacks, each in one line', () => {
  for (const [args, says] of [
    [['--load', '50%', '--verify'], '--verify'],
    [['--load', '50%', '--loss', '1%'], 'perfect wire'],
    [['--load', '50%', '--stacks', 'screen(100)/ip/eth'], 'gateways'],
  ] as const)
    assert.throws(
      () => parseOptions([...args], 2, 24 * GiB),
      (err: Error) => err instanceof OptionError && err.message.includes(says),
    );
});

test('each load measures every connection configuration again, a group per load after the closed loop', () => {
  const args = ['--stacks', 'tcp/ip/fddi,3des/tcp/md5/ip/fddi', '--mode', 'plp,clp', '--side', 'recv'];
  const closed = configurations(parseOptions(args, 2, 24 * GiB));
  const config = parseOptions([...args, '--load', '50%,90%,200k'], 2, 24 * GiB);
  const all = configurations(config);
  assert.is(all.length, closed.length * 4);
  assert.equal(all.slice(0, closed.length), closed, 'the closed loop first, as it was');
  const open = all.slice(closed.length);
  assert.equal([...new Set(open.map((c) => c.loadFraction ?? `${c.offeredPps} pps`))], [0.5, 0.9, '200000 pps']);
  assert.ok(open.every((c) => (c.loadFraction === undefined) !== (c.offeredPps === undefined)));
  const groups = measurementGroups(all);
  const openGroups = groups.filter((g) => g.members.some((c) => c.loadFraction !== undefined || c.offeredPps !== undefined));
  assert.is(openGroups.length, 3 * 2, 'a group per load and stack');
  for (const g of openGroups) assert.is(new Set(g.members.map((c) => c.loadFraction ?? c.offeredPps)).size, 1, 'one load a group');
  assert.is(estimatePlan(config).configurations, all.length);
});

test('800Mbit of 4096-byte packets is 24 414 packets a second', () => {
  const config = parseOptions(['--stacks', 'tcp/ip/fddi', '--mode', 'single', '--side', 'send', '--load', '800Mbit'], 2, 24 * GiB);
  assert.equal(
    configurations(config).map((c) => c.offeredPps),
    [undefined, 24_414],
  );
});

/** A sampler that times every packet (gaps of 1). */
const everyPacket = () => new LatencySampler(1, 1);

test("each packet's stamp is the time it was due: the schedule's start plus its place × the interval", () => {
  const sampler = everyPacket();
  const loop = new OpenLoop(100_000, sampler, 2); // 10 µs a packet, two stamps (frames) a packet
  const msg = new BufferPool(1).get();
  const stamps: number[] = [];
  loop.run(
    (packets) => {
      for (let i = 0; i < 2 * packets; i++) {
        sampler.stamp(msg);
        stamps.push(msg.sampledAt);
      }
      return packets;
    },
    (packets) => packets >= 50,
  );
  assert.ok(stamps.length >= 100);
  for (let i = 1; i < stamps.length; i++) assert.ok(Math.abs(stamps[i]! - stamps[i - 1]! - 5000) < 1e-3, `stamp ${i}: 5 µs after the last`);
});

test('a pause between two slices is taken out of the schedule: the stamps after it move on by the pause', () => {
  const sampler = everyPacket();
  const loop = new OpenLoop(100_000, sampler, 1); // 10 µs a packet
  const msg = new BufferPool(1).get();
  const stamps: number[] = [];
  const offer = (packets: number) => {
    for (let i = 0; i < packets; i++) {
      sampler.stamp(msg);
      stamps.push(msg.sampledAt);
    }
    return packets;
  };
  loop.run(offer, (packets) => packets >= 10);
  const first = stamps.length;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // parked 20 ms, as between slices
  loop.run(offer, (packets) => packets >= 10);
  for (let i = 1; i < stamps.length; i++) {
    const gap = stamps[i]! - stamps[i - 1]!;
    if (i === first) assert.ok(gap >= 20_000_000, `across the pause: ${gap} ns, the pause's 20 ms and a packet's 10 µs`);
    else assert.ok(Math.abs(gap - 10_000) < 1e-3, `stamp ${i}: ${gap} ns after the last`);
  }
});

test('a thread late for its schedule offers the packets it is late for at once, and their wait is in their latency', () => {
  const sampler = everyPacket();
  const loop = new OpenLoop(1_000_000, sampler, 1); // a packet a µs
  const msg = new BufferPool(1).get();
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const asked: number[] = [];
  loop.run(
    (packets) => {
      asked.push(packets);
      for (let i = 0; i < packets; i++) {
        sampler.stamp(msg);
        if (asked.length === 1) Atomics.wait(nap, 0, 0, 20); // a stall of 20 ms on the first packet
        sampler.end(msg);
      }
      return packets;
    },
    () => asked.length >= 3,
  );
  assert.is(asked[1], 64, 'late by 20 000 packets: the most offered at once');
  // The first packets waited out the stall themselves; the next ones, due during it, waited for it.
  const run = sampler.run();
  assert.is(
    run.sampled,
    asked.reduce((a, b) => a + b, 0),
  );
  const h = LatencyHistogram.from(run.counts);
  assert.ok(
    h.valueAtPercentile(50) >= 19_000_000,
    `p50 ${h.valueAtPercentile(50)} ns: the packets due during a 20 ms stall waited most of it`,
  );
});

test.run();
