// Hostile input for the gateway stacks: genuine frames, bit flips, truncation, extension and random
// frames into the packet screen and the IPsec gateways (with ICVs enforced, and computed only as in
// benchmark replay). Nothing escapes the data path; every frame passes, is blocked, or is dropped
// with a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import { buildTrafficMix } from '../drivers/traffic-mix.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { Stack, endpointPair } from '../stacks/stack.js';

const FRAMES = 3000;

/** Genuine frames the upstream neighbour sends for `spec`. */
function genuineFrames(spec: string): Uint8Array[] {
  const [upstream] = endpointPair();
  const mix = buildTrafficMix(spec, upstream, 3, spec.startsWith('screen') ? null : 600);
  if (spec.startsWith('screen')) return mix.frames.map((f) => f.slice());
  const peer = new Stack(spec, { ...upstream, crypto: 'node' });
  const out: Uint8Array[] = [];
  peer.attach({ transmit: (m: Msg) => void out.push(m.toBytes()) });
  const msg = new BufferPool(1).get();
  for (const f of mix.frames.slice(0, 128)) {
    const datagram = f.subarray(mix.linkHeaderBytes);
    msg.bytes.set(datagram, msg.resetPayload(datagram.length));
    peer.send(msg);
  }
  return out;
}

for (const spec of ['screen(100)/ip/eth', 'screen(10)/ip/fddi', 'esp(3des,md5)/ip/eth', 'esp(des,md5)/ip/fddi', 'ah(md5)/ip/eth']) {
  for (const enforceIcv of spec.startsWith('screen') ? [true] : [true, false]) {
    test(`${spec}${enforceIcv ? '' : ' (ICVs computed only)'}: ${FRAMES} hostile frames, no escape, every frame accounted for`, () => {
      const frames = genuineFrames(spec);
      const [, gateway] = endpointPair();
      const stack = new Stack(spec, { ...gateway, crypto: 'node', enforceIcv });
      let delivered = 0;
      stack.application = { pop: () => void delivered++ };
      const prng = new Prng(11);
      const msg = new BufferPool(1).get();
      const scratch = new Uint8Array(8192);
      let escapes = 0;
      for (let i = 0; i < FRAMES; i++) {
        const genuine = frames[prng.below(frames.length)]!;
        let length = genuine.length;
        scratch.set(genuine);
        switch (prng.below(5)) {
          case 0: // genuine (a replay, for IPsec, after the first time)
            break;
          case 1:
            for (let k = 1 + prng.below(4); k > 0; k--) scratch[prng.below(length)]! ^= 1 << prng.below(8);
            break;
          case 2:
            length = prng.below(length);
            break;
          case 3: {
            const extra = 1 + prng.below(64);
            prng.fill(scratch, length, extra);
            length += extra;
            break;
          }
          default:
            length = 1 + prng.below(1600);
            prng.fill(scratch, 0, length);
        }
        msg.loadFrame(scratch, 0, length, stack.linkHeaderBytes);
        try {
          stack.receive(msg);
        } catch {
          escapes++;
        }
      }
      assert.is(escapes, 0, 'an exception escaped the data path');
      assert.ok(delivered > 0, 'genuine frames went through');
      const blocked = stack.screen?.blocked ?? 0;
      assert.is(delivered + blocked + stack.drops.total, FRAMES, 'every frame passed, was blocked, or was dropped with a reason');
      if (!spec.startsWith('screen')) assert.ok(stack.drops.toRecord()[spec.startsWith('esp') ? 'esp-replay' : 'ah-replay']! > 0, 'replays were caught');
    });
  }
}

test.run();
