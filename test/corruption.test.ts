// Damaged frames are caught by the right layer, counted as one drop with a reason, and never
// delivered; nothing is thrown out of the data path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import { DropCounters } from '../stacks/drops.js';
import { DROP_REASON_NAMES, dropLayer } from '../stacks/registry.js';
import { CbcLayer } from '../stacks/layers/cbc-records.js';
import { NO_LOCK, SendStatus } from '../stacks/layer.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { cryptoProvider } from '../stacks/crypto/index.js';
import { makePair, type Pair } from './helpers.js';

const SPECS = [
  'tcp/ip/fddi',
  'tcp/md5/ip/fddi',
  'des/tcp/md5/ip/fddi',
  '3des/tcp/md5/ip/fddi',
  'tcp/ip/eth',
  'des/tcp/ip/eth',
  'udp/ip/eth',
  'udp/md5/ip/fddi',
  '3des/udp/ip/fddi',
];

/** One genuine data frame from a to b, taken off the wire (b has not seen it). */
function dataFrame(pair: Pair, payload: number): Msg {
  const msg = new BufferPool(1).get();
  msg.resetPayload(payload);
  new Prng(payload).fill(msg.bytes, msg.head, payload);
  assert.is(pair.a.send(msg), SendStatus.Sent);
  assert.is(pair.wire.toB.frames.length, 1);
  return pair.wire.toB.frames.pop()!;
}

/** The layer that must catch damage at byte `at` of a frame of this stack. */
function guardian(spec: string, linkBytes: number, at: number): string {
  if (at < linkBytes) return 'link';
  if (at < linkBytes + 20) return 'ip';
  if (spec.includes('md5')) return 'ah';
  return spec.includes('udp') ? 'udp' : 'tcp';
}

/** Feeds `frame` to b and answers the name of the one drop it caused (or fails). */
function dropOf(pair: Pair, frame: Msg): string {
  const before = pair.b.drops.toRecord();
  const delivered = pair.received.length;
  pair.b.receive(frame);
  assert.is(pair.received.length, delivered, 'damaged data was delivered');
  const after = pair.b.drops.toRecord();
  const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
  assert.is(changed.length, 1, 'exactly one drop counter moves');
  assert.is(after[changed[0]!]! - (before[changed[0]!] ?? 0), 1);
  return changed[0]!;
}

for (const spec of SPECS) {
  test(`${spec}: every single flipped bit is dropped by the right layer`, () => {
    const pair = makePair(spec);
    const frame = dataFrame(pair, 200);
    const copy = pair.wire.toB.clone(frame);
    const seenReasons = new Set<string>();
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const at = bit >> 3;
      copy.loadFrame(frame.bytes, frame.head, frame.length, pair.b.linkHeaderBytes);
      copy.bytes[copy.head + at]! ^= 0x80 >> (bit & 7);
      const reason = dropOf(pair, copy);
      assert.is(dropLayer(reason), guardian(spec, pair.b.linkHeaderBytes, at), `bit ${bit} (byte ${at}) → ${reason}`);
      seenReasons.add(reason);
    }
    // The genuine frame still goes through afterwards: the drops changed no state.
    pair.b.receive(frame);
    assert.is(pair.received.length, 1);
    assert.is(pair.received[0]!.length, 200);
    assert.ok(seenReasons.has('link-destination') && seenReasons.has('link-source') && seenReasons.has('ip-checksum'));
  });

  test(`${spec}: truncated and extended frames are dropped with a reason`, () => {
    const pair = makePair(spec);
    const frame = dataFrame(pair, 300);
    const copy = pair.wire.toB.clone(frame);
    for (const cut of [1, 2, 7, 8, 100, frame.length - 34, frame.length - 21, frame.length - 14, frame.length - 3, frame.length]) {
      copy.loadFrame(frame.bytes, frame.head, frame.length - cut, pair.b.linkHeaderBytes);
      const reason = dropOf(pair, copy);
      assert.ok(['link-runt', 'ip-header-length', 'ip-total-length'].includes(reason), `cut ${cut}: ${reason}`);
    }
    const mtu = spec.endsWith('eth') ? 1514 : 4373;
    for (const extra of [1, 4, 64, mtu]) {
      copy.loadFrame(frame.bytes, frame.head, frame.length, pair.b.linkHeaderBytes);
      copy.append(extra);
      const reason = dropOf(pair, copy);
      assert.is(reason, frame.length + extra > mtu ? 'link-giant' : 'ip-total-length', `extended by ${extra}`);
    }
  });

  test(`${spec}: random garbage never throws and is always counted`, () => {
    const pair = makePair(spec);
    const prng = new Prng(99);
    const frame = dataFrame(pair, 120);
    const copy = pair.wire.toB.clone(frame);
    for (let i = 0; i < 2000; i++) {
      copy.loadFrame(frame.bytes, frame.head, frame.length, pair.b.linkHeaderBytes);
      // A genuine frame with random bytes overwritten from a random point on, at a random length.
      const from = prng.below(frame.length);
      prng.fill(copy.bytes, copy.head + from, frame.length - from);
      copy.setRange(copy.head, copy.head + prng.below(frame.length + 40));
      const before = pair.b.drops.total + pair.received.length;
      pair.b.receive(copy);
      assert.is(pair.b.drops.total + pair.received.length, before + 1, 'each frame is delivered or dropped, once');
    }
  });
}

test('DES with the wrong key: the padding check drops what TCP and MD5 accepted, nothing arrives intact', () => {
  // Garbage ends in valid padding by chance (a last byte of 1: about 1 in 256), so a few pass as garbage.
  const wrong = { des: Uint8Array.from(Buffer.from('fedcba9876543210', 'hex')), tdes: new Uint8Array(24) };
  const pair = makePair('des/tcp/md5/ip/fddi', { b: { keys: wrong } });
  const msg = new BufferPool(1).get();
  const sent = new Set<string>();
  const count = 400;
  for (let i = 0; i < count; i++) {
    msg.resetPayload(512);
    new Prng(i).fill(msg.bytes, msg.head, 512);
    sent.add(Buffer.from(msg.toBytes()).toString('hex'));
    assert.is(pair.a.send(msg), SendStatus.Sent);
    pair.wire.pump();
  }
  const drops = pair.b.drops.toRecord();
  assert.equal(Object.keys(drops), ['des-padding']);
  assert.is(drops['des-padding']! + pair.received.length, count);
  assert.ok(drops['des-padding']! >= count * 0.97, `only ${drops['des-padding']} of ${count} caught`);
  for (const r of pair.received) assert.not.ok(sent.has(Buffer.from(r).toString('hex')));
});

test('DES: a corrupted last block or a record cut short is caught by the DES layer itself', () => {
  for (const name of ['des', '3des'] as const) {
    const key = name === 'des' ? new Uint8Array(8).fill(1) : new Uint8Array(24).map((_, i) => i);
    const drops = new DropCounters();
    const des = new CbcLayer({ drops, lock: NO_LOCK }, cryptoProvider('cryptojs').createCipher(name, key, 0));
    const got: number[] = [];
    des.above = { pop: (m: Msg) => void got.push(m.length) };
    const msg = new BufferPool(1).get();
    const encrypt = (length: number): void => {
      msg.resetPayload(length);
      const at = msg.append(8 - (length % 8));
      msg.bytes.fill(8 - (length % 8), at, msg.tail);
      const iv = msg.prepend(8);
      cryptoProvider('cryptojs')
        .createCipher(name, key, 0)
        .encrypt(msg.bytes, iv, msg.length - 8);
      const header = msg.prepend(4); // the record's length, then two zero bytes
      msg.view.setUint32(header, msg.length << 16);
    };
    encrypt(64);
    des.pop(msg);
    assert.equal(got, [64], 'genuine message decrypts');
    // Flipping a bit of the next-to-last ciphertext block flips the same bit of the padding.
    encrypt(64);
    msg.bytes[msg.tail - 9]! ^= 0x01;
    des.pop(msg);
    encrypt(64);
    msg.trimTo(msg.length - 3);
    des.pop(msg);
    assert.equal(drops.toRecord(), { 'des-padding': 1, 'des-length': 1 });
    assert.equal(got, [64]);
  }
});

test('every drop reason has a name and a layer', () => {
  for (const name of DROP_REASON_NAMES) {
    assert.ok(/^[a-z0-9]+-[a-z-]+$/.test(name), `reason ${name}`);
    assert.ok(['link', 'ip', 'ah', 'tcp', 'udp', 'des', 'aes', 'aes128gcm', 'chacha20poly1305', 'screen', 'esp'].includes(dropLayer(name)));
  }
  assert.is(new Set(DROP_REASON_NAMES).size, DROP_REASON_NAMES.length);
});

test.run();
