// Hostile input on the receive path of every kind of stack — the paper's four over FDDI and
// Ethernet, DES without MD5, UDP, the packet screen, the ESP and AH tunnels (ICVs enforced, and computed only as in
// benchmark replay): nothing escapes as an exception, and every frame ends exactly once —
// delivered, queued, taken without data, blocked, or dropped with a reason — and corruption is
// caught by the layer that guards against it. A bounded run here; `npm run fuzz -- --iterations N`
// for long ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FUZZ_STACKS, FuzzSource, MUTATIONS, accountingProblem } from '../drivers/fuzz.js';
import { isIpsecSpec, isScreenSpec } from '../stacks/spec.js';

const FRAMES = 3000;

/** The drop reason that shows corruption was caught where it should be, for each kind of stack. */
function guard(spec: string): string {
  if (spec.startsWith('esp')) return 'esp-icv';
  if (spec.startsWith('ah')) return 'ah-digest';
  if (/md5|sha1|sha256/.test(spec)) return 'ah-digest';
  return spec.includes('tcp') ? 'tcp-checksum' : spec.includes('udp') ? 'udp-checksum' : 'ip-checksum';
}

for (const spec of FUZZ_STACKS) {
  for (const enforceIcv of isIpsecSpec(spec) ? [true, false] : [true]) {
    test(`${spec}${enforceIcv ? '' : ' (ICVs computed only)'}: ${FRAMES} fuzzed frames, none escapes, each accounted for once`, () => {
      const crypto = spec.includes('des/') || isIpsecSpec(spec) || /gcm|chacha/.test(spec) ? 'node' : 'cryptojs';
      const counts = new FuzzSource({ spec, crypto, seed: 7, genuineShare: 0.05, enforceIcv }).run(FRAMES);
      assert.is(accountingProblem(counts), null);
      assert.is(counts.offered, FRAMES);
      for (const m of MUTATIONS) assert.ok(counts.byMutation[m] > 0, `${m} frames were made`);
      assert.ok(counts.delivered > 0, 'genuine frames still get through');
      const hostile = FRAMES - counts.byMutation.genuine - counts.byMutation.reorder;
      assert.ok(counts.dropped > (isScreenSpec(spec) ? 0.5 : 0.8) * hostile, 'most hostile frames are dropped');
      if (!spec.includes('tcp')) assert.is(counts.withoutData, 0, 'a datagram is delivered, blocked or dropped');
      else assert.ok(counts.queued > 0, 'reordered segments reach the out-of-order queue');
      const drops = counts.dropsByReason;
      if (isScreenSpec(spec)) assert.ok(counts.blocked > 0, 'the rules still block');
      if (isIpsecSpec(spec)) assert.ok(drops[spec.startsWith('esp') ? 'esp-replay' : 'ah-replay']! > 0, 'replays are refused');
      if (!enforceIcv) return;
      // Corruption is caught at the layer that guards it: behind an AH or ESP ICV, nothing mutated reaches a checksum above it.
      assert.ok(drops[guard(spec)]! > 0, `${guard(spec)} drops`);
      if (/md5|sha1|sha256/.test(spec)) assert.is(drops['tcp-checksum'], undefined);
      // Without MD5, a corrupted segment that gets past TCP's checksum reaches DES, whose padding check is the last guard.
      if (/des\//.test(spec) && !spec.includes('md5')) assert.ok(drops['des-padding']! > 0, 'DES refused bad padding');
    });
  }
}

test('the same seed makes the same frames and the same outcome', () => {
  for (const spec of ['tcp/ip/fddi', 'esp(3des,md5)/ip/eth']) {
    const a = new FuzzSource({ spec, crypto: 'node', seed: 11 }).run(1000);
    const b = new FuzzSource({ spec, crypto: 'node', seed: 11 }).run(1000);
    assert.equal(a, b);
  }
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
