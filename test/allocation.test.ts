// The data path allocates nothing per packet: the drivers and stacks run a few hundred thousand
// packets and the young generation is never collected. (Stacks without crypto: crypto-js
// allocates inside the library, and node:crypto returns a new Buffer per call.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { createWorkload, type Side } from '../drivers/workload.js';

async function minorCollectionsDuring(work: () => void): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  work();
  await new Promise((resolve) => setTimeout(resolve, 50)); // entries arrive asynchronously
  observer.disconnect();
  return count;
}

for (const spec of ['tcp/ip/fddi', 'tcp/ip/eth', 'udp/ip/fddi']) {
  for (const side of ['send', 'recv'] as Side[]) {
    test(`${spec} ${side}: 200 000 packets without a young-generation collection`, async () => {
      const workload = createWorkload({ spec, side, packetSize: 1024, crypto: 'cryptojs', seed: 3, verify: false, connection: 0 });
      workload.run(20_000); // set-up and JIT warm-up may allocate
      const before = workload.counters();
      const collections = await minorCollectionsDuring(() => workload.run(200_000));
      const after = workload.counters();
      assert.is(after.packets - before.packets, 200_000);
      assert.ok(after.bytes > before.bytes, 'data went through');
      assert.is(collections, 0, `${collections} scavenges: something allocates per packet`);
    });
  }
}

test.run();
