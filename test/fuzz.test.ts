// Hostile input on the receive path of every paper stack, over FDDI and Ethernet: nothing escapes
// as an exception, and every frame ends exactly once — delivered, queued, taken without data, or
// dropped with a reason. A bounded run here; `npm run fuzz -- --iterations N` for long ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuzzSource, MUTATIONS, accountingProblem } from '../drivers/fuzz.js';
import { PAPER_STACKS } from '../stacks/spec.js';

const FRAMES = 3000;

for (const spec of [...PAPER_STACKS, ...PAPER_STACKS.map((s) => s.replace(/fddi$/, 'eth'))]) {
  test(`${spec}: ${FRAMES} fuzzed frames, none escapes, each accounted for once`, () => {
    const counts = new FuzzSource({ spec, crypto: 'cryptojs', seed: 7, genuineShare: 0.05 }).run(FRAMES);
    assert.is(accountingProblem(counts), null);
    assert.is(counts.offered, FRAMES);
    for (const m of MUTATIONS) assert.ok(counts.byMutation[m] > 0, `${m} frames were made`);
    assert.ok(counts.delivered > 0, 'genuine frames still get through');
    assert.ok(counts.dropped > 0.8 * FRAMES, 'most hostile frames are dropped');
    // Corruption is caught at the layer that guards it: with AH, nothing mutated past IP reaches TCP's checksum.
    if (spec.includes('md5')) {
      assert.ok(counts.dropsByReason['ah-digest']! > 0);
      assert.is(counts.dropsByReason['tcp-checksum'], undefined);
    } else {
      assert.ok(counts.dropsByReason['tcp-checksum']! > 0);
    }
  });
}

test('the same seed makes the same frames and the same outcome', () => {
  const a = new FuzzSource({ spec: 'tcp/ip/fddi', crypto: 'cryptojs', seed: 11 }).run(1000);
  const b = new FuzzSource({ spec: 'tcp/ip/fddi', crypto: 'cryptojs', seed: 11 }).run(1000);
  assert.equal(a, b);
});

test('the accounting check names each way counts can be wrong', () => {
  const good = new FuzzSource({ spec: 'tcp/ip/eth', crypto: 'cryptojs', seed: 3 }).run(200);
  assert.is(accountingProblem(good), null);
  assert.match(accountingProblem({ ...good, escapes: 1 })!, /1 frame\(s\) escaped/);
  assert.match(accountingProblem({ ...good, doubleCounted: 2 })!, /counted as more than one drop/);
  assert.match(accountingProblem({ ...good, delivered: good.delivered + 1 })!, /offered 200 but accounted for 201/);
  assert.match(accountingProblem({ ...good, dropsByReason: { 'ip-checksum': 1 } })!, /add up to 1/);
});

test.run();
