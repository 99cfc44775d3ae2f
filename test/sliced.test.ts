// Interleaved measurement on real worker threads: a run's figures are the sum of its slices, the
// parked workers do nothing between slices, every thread ends, and the shared block starts a page.
import { test } from 'uvu';
import * as fs from 'node:fs';
import * as assert from 'uvu/assert';
import { ParallelEngine } from '../parallel/engine.js';
import { alignedSharedBuffer } from '../parallel/shared-run.js';
import { configurationTask } from '../bench/interleaved.js';
import { parseOptions } from '../bench/options.js';
import type { Configuration } from '../bench/plan.js';
import { PROCESS_LIMIT_MS, withinLimit } from './time-limit.js';

const config = parseOptions(['--stacks', 'tcp/ip/fddi', '--runs', '1', '--warmup', '100ms', '--duration', '200ms']);

for (const c of [
  { stack: 'tcp/ip/fddi', side: 'send', crypto: 'cryptojs', mode: 'plp', workers: 2, connections: 1, tcpLockScope: 'state' },
  { stack: 'tcp/md5/ip/fddi', side: 'recv', crypto: 'cryptojs', mode: 'clp', workers: 2, connections: 4 },
] as Configuration[]) {
  test(`${c.stack} ${c.side} ${c.mode} ×${c.workers}: the run is the sum of its slices; parked workers do nothing`, async () => {
    const engine = new ParallelEngine();
    const work = async () => {
      const session = engine.open(configurationTask(c, config, 1), c.workers, c.connections);
      assert.ok(await session.warm());
      const slices = [];
      for (let i = 0; i < 4; i++) {
        slices.push(await session.slice(30));
        // Parked: nothing moves while no slice runs.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(slices.every((s) => s !== null && s.packets > 0 && s.bytes > 0 && s.seconds >= 0.03));
      assert.ok(await session.endRun());
      const [run, ...more] = await session.close();
      assert.is(more.length, 0, 'one session, one run');
      assert.is(
        run!.packets,
        slices.reduce((sum, s) => sum + s!.packets, 0),
        'packets: the slices, nothing between them',
      );
      assert.is(
        run!.bytes,
        slices.reduce((sum, s) => sum + s!.bytes, 0),
        'bytes: the slices, nothing between them',
      );
      assert.ok(Math.abs(run!.seconds - slices.reduce((sum, s) => sum + s!.seconds, 0)) < 1e-9, 'the window is the slices');
      assert.is(run!.conservation, null);
      assert.equal(run!.drops, {});
      // CPU accounting: every thread's figures, and a warm-up by work of at least --warmup-cpu (100 ms) on each.
      assert.is(run!.cpu.utilisation.length, c.workers);
      if (fs.existsSync('/proc/thread-self/schedstat')) {
        assert.is(run!.cpu.source, 'schedstat');
        assert.ok(
          run!.cpu.warmupCpuMs.every((ms) => ms !== null && ms >= 100),
          `warm-up CPU ms: ${run!.cpu.warmupCpuMs.join(', ')}`,
        );
        assert.ok(
          run!.cpu.utilisation.every((u) => u !== null && u > 0),
          'every thread was on the CPU in the window',
        );
        assert.ok(run!.cpu.startUs.every((u) => u !== null && u > 0) && run!.cpu.endUs.every((u) => u !== null && u > 0));
      }
    };
    await withinLimit(`${c.stack} sliced`, PROCESS_LIMIT_MS, work()).finally(() => engine.close());
  });
}

test('stopped while parked: the workers leave, close() answers no run and ends the threads', async () => {
  const engine = new ParallelEngine();
  const c = {
    stack: 'tcp/ip/fddi',
    side: 'send',
    crypto: 'cryptojs',
    mode: 'plp',
    workers: 2,
    connections: 1,
    tcpLockScope: 'state',
  } as Configuration;
  const session = engine.open(configurationTask(c, config, 1), 2, 1);
  const work = async () => {
    assert.ok(await session.warm());
    assert.ok((await session.slice(20)) !== null);
    session.stop();
    assert.is(await session.slice(20), null, 'a slice after the stop measures nothing');
    assert.equal(await session.close(), [], 'the run did not end: no figures');
  };
  await withinLimit('sliced stop', PROCESS_LIMIT_MS, work()).finally(() => engine.close());
});

test('the shared block is a shared WebAssembly memory: whole 64 KiB pages, which start pages', () => {
  const buffer = alignedSharedBuffer(100);
  assert.ok(buffer instanceof SharedArrayBuffer);
  assert.is(buffer.byteLength, 65_536);
  assert.is(alignedSharedBuffer(65_537).byteLength, 131_072);
});

test.run();
