// Sampled packet latency (drivers/latency-sampler.ts, results/latency.ts): every sampled packet's
// latency is recorded once, on every path a packet takes through the stacks (in place, queued in
// the send ring, records built apart, delivered in order, and under PLP committed by whichever
// thread fills the gap), and the histograms results.json carries decode as HdrHistogram's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { LatencySampler } from '../drivers/latency-sampler.js';
import { LatencyHistogram } from '../drivers/latency-histogram.js';
import { createWorkload } from '../drivers/workload.js';
import type { Side } from '../drivers/workload-contract.js';
import { ParallelEngine } from '../parallel/engine.js';
import { configurationTask } from '../bench/interleaved.js';
import { parseOptions } from '../bench/options.js';
import type { Configuration } from '../bench/plan.js';
import { decodeLatency, encodeLatency, latencyFigures, mergeLatencyFigures } from '../results/latency.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';

/** Sampled packets whose latency may still be open when a run stops: a message or two in the send ring. */
const IN_FLIGHT = 3;

for (const spec of ['tcp/ip/fddi', 'tcp/ip/eth', '3des/tcp/md5/ip/fddi', 'udp/ip/eth'])
  for (const side of ['send', 'recv'] as Side[])
    test(`${spec} ${side}: each sampled packet's latency is recorded once`, () => {
      const sampler = new LatencySampler(11);
      const w = createWorkload({
        spec,
        side,
        packetSize: spec.startsWith('udp') ? 1024 : 4096,
        crypto: 'cryptojs',
        seed: 5,
        verify: false,
        connection: 0,
        latency: sampler,
      });
      w.run(spec.includes('des') ? 300 : 3000);
      const h = sampler.histogram;
      assert.ok(sampler.taken > 10, `sampled ${sampler.taken}`);
      assert.ok(h.total <= sampler.taken && h.total >= sampler.taken - IN_FLIGHT, `recorded ${h.total} of ${sampler.taken}`);
      assert.ok(h.min > 0 && h.max < 1e9, `latencies from ${h.min} to ${h.max} ns`);
      assert.is(w.conservation(), null);
    });

test('a workload in verify mode times nothing (no point to end a sample at)', () => {
  const sampler = new LatencySampler(1);
  const w = createWorkload({
    spec: 'tcp/ip/fddi',
    side: 'recv',
    packetSize: 1024,
    crypto: 'cryptojs',
    seed: 5,
    verify: true,
    connection: 0,
    latency: sampler,
  });
  w.run(200);
  assert.is(sampler.taken, 0);
  assert.is(sampler.histogram.total, 0);
});

test("results.json's histogram decodes, with hdr-histogram-js and ours, to the counts recorded", () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 5000; i++) h.record(300 + ((i * 7919) % 4000) + (i % 500 === 0 ? 2_000_000 : 0));
  const encoded = encodeLatency(h.toCounts());
  assert.match(encoded, /^HISTF/);
  const theirs = decodeFromCompressedBase64(encoded, 64);
  assert.is(theirs.totalCount, 5000);
  for (const p of [50, 99, 99.9]) assert.is(theirs.getValueAtPercentile(p), h.valueAtPercentile(p), `p${p}`);
  assert.equal(decodeLatency(encoded).counts, h.counts);
  // Two runs' figures merged: their histograms added.
  const figures = latencyFigures({ sampled: 5000, counts: h.toCounts() })!;
  const merged = mergeLatencyFigures([figures, figures])!;
  assert.is(merged.samples, 10_000);
  assert.is(merged.sampled, 10_000);
  assert.is(merged.p99Us, figures.p99Us);
  assert.is(merged.maxUs, figures.maxUs);
});

const config = parseOptions(['--stacks', 'tcp/ip/eth', '--runs', '1', '--warmup', '100ms', '--duration', '200ms']);
for (const c of [
  { stack: 'tcp/ip/eth', side: 'recv', crypto: 'cryptojs', mode: 'plp', workers: 2, connections: 1, tcpLockScope: 'state' },
  { stack: 'tcp/ip/eth', side: 'send', crypto: 'cryptojs', mode: 'plp', workers: 2, connections: 1, tcpLockScope: 'state' },
] as Configuration[])
  test(`${c.stack} ${c.side} PLP ×2: samples that one thread took and another ended are all recorded`, async () => {
    const engine = new ParallelEngine();
    const work = async () => {
      const session = engine.open(configurationTask(c, config, 1), c.workers, c.connections);
      assert.ok(await session.warm());
      for (let i = 0; i < 4; i++) assert.ok((await session.slice(40)) !== null);
      assert.ok(await session.endRun());
      const [run] = await session.close();
      const latency = run!.latency!;
      assert.ok(latency.sampled > 100, `sampled ${latency.sampled}`);
      // At the window's two edges a sample may be taken on one side of a reset and ended on the other.
      assert.ok(
        Math.abs(latency.counts.total - latency.sampled) <= 2 * c.workers + IN_FLIGHT,
        `recorded ${latency.counts.total} of ${latency.sampled}`,
      );
    };
    await withinLimit(`${c.stack} ${c.side} latency`, PROCESS_LIMIT_MS, work()).finally(() => engine.close());
  });

test.run();
