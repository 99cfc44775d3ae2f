// Today's layers in whole stacks: AES-128/256-CBC records, the AEAD records (AES-128-GCM,
// ChaCha20-Poly1305) and HMAC-SHA AH (sha1, sha256) carry a transfer intact, in order and shuffled,
// over both links, in every provider that has their primitives, byte for byte alike between
// providers; a changed bit is caught at the right layer (the AEAD's tag, AH's ICV); with the wrong
// key nothing arrives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import { BufferPool } from '../stacks/message.js';
import { SendStatus } from '../stacks/stack.js';
import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import { IPV4_HEADER_BYTES } from '../stacks/wire/ipv4.js';
import { concat, makePair, randomBytes, transfer } from './helpers.js';

const DATA = randomBytes(192 * 1024, 41);

const STACKS: [spec: string, providers: ('cryptojs' | 'node')[]][] = [
  ['aes128/tcp/ip/fddi', ['cryptojs', 'node']],
  ['aes256/tcp/sha1/ip/eth', ['cryptojs', 'node']],
  ['aes128/tcp/sha256/ip/fddi', ['cryptojs', 'node']],
  ['tcp/sha256/ip/eth', ['cryptojs', 'node']],
  ['aes128gcm/tcp/ip/fddi', ['node']],
  ['aes128gcm/tcp/ip/eth', ['node']],
  ['chacha20poly1305/tcp/sha256/ip/fddi', ['node']],
  ['aes128/udp/sha1/ip/eth', ['cryptojs', 'node']],
  ['chacha20poly1305/udp/ip/eth', ['node']],
];

for (const [spec, providers] of STACKS) {
  for (const crypto of providers) {
    test(`${spec} [${crypto}]: a transfer arrives intact, in order and shuffled, nothing dropped`, () => {
      for (const delivery of ['in-order', 'out-of-order'] as const) {
        const pair = makePair(spec, { crypto });
        const datagrams = pair.a.transport === 'udp';
        const size = datagrams ? Math.min(1024, pair.a.maxPayload) : 4096;
        const data = DATA.subarray(0, datagrams ? 64 * size : DATA.length);
        if (datagrams) {
          // Datagrams may come in any order: each must arrive once, whole.
          const msg = new BufferPool(1).get();
          for (let at = 0; at < data.length; at += size) {
            msg.resetPayload(size);
            msg.bytes.set(data.subarray(at, at + size), msg.head);
            assert.is(pair.a.send(msg), SendStatus.Sent);
          }
          pair.wire.pump();
          assert.is(pair.received.length, data.length / size);
          assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)));
        } else {
          transfer(pair, data, size, delivery, 5);
          assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)), delivery);
        }
        const { 'tcp-duplicate': _duplicates, ...drops } = pair.b.drops.toRecord();
        assert.equal(drops, {}, delivery);
      }
    });
  }
}

test('AES-CBC and HMAC-SHA stacks: both providers put the same bytes on the wire', () => {
  for (const spec of ['aes128/tcp/sha256/ip/fddi', 'aes256/udp/sha1/ip/eth']) {
    const frames = (['cryptojs', 'node'] as const).map((crypto) => {
      const pair = makePair(spec, { crypto });
      const out: string[] = [];
      pair.wire.toB.tap = (m) => out.push(Buffer.from(m.bytes.subarray(m.head, m.tail)).toString('hex'));
      const msg = new BufferPool(1).get();
      for (let i = 0; i < 8; i++) {
        msg.resetPayload(600 + 37 * i);
        new Prng(i).fill(msg.bytes, msg.head, msg.length);
        pair.a.send(msg);
        pair.wire.pump();
      }
      return out;
    });
    assert.equal(frames[0], frames[1], spec);
    assert.is(frames[0]!.length, 8);
  }
});

/**
 * Sends one message from a to b with one bit of its frame flipped `fromEnd` bytes from the frame's
 * end, and (`fixUdp`) the UDP checksum made anew over the change, as someone who changes a packet
 * on the way would: so only the layers above UDP can catch it. Answers b's drops.
 */
function flipped(spec: string, crypto: 'cryptojs' | 'node', fromEnd: number, fixUdp = false): Record<string, number> {
  const pair = makePair(spec, { crypto });
  const msg = new BufferPool(1).get();
  msg.resetPayload(1000);
  new Prng(3).fill(msg.bytes, msg.head, 1000);
  assert.is(pair.a.send(msg), SendStatus.Sent);
  const frame = pair.wire.toB.frames[0]!;
  frame.bytes[frame.tail - fromEnd]! ^= 0x10;
  if (fixUdp) {
    const ip = frame.head + pair.a.linkHeaderBytes;
    const udp = ip + IPV4_HEADER_BYTES;
    const length = frame.view.getUint16(ip + 2) - IPV4_HEADER_BYTES;
    frame.view.setUint16(udp + 6, 0);
    const sum = internetChecksum(
      frame.bytes,
      udp,
      length,
      pseudoHeaderSum(frame.view.getUint32(ip + 12), frame.view.getUint32(ip + 16), 17, length),
    );
    frame.view.setUint16(udp + 6, sum === 0 ? 0xffff : sum);
  }
  pair.wire.pump();
  assert.is(pair.received.length, 0, `${spec}: the changed message is not delivered`);
  return pair.b.drops.toRecord();
}

test('a flipped bit is caught where it should be: the AEAD tag above TCP, AH beneath it', () => {
  // Over UDP, with its checksum made anew, only the AEAD's tag covers the record: it catches it.
  assert.equal(flipped('aes128gcm/udp/ip/eth', 'node', 30, true), { 'aes128gcm-tag': 1 });
  assert.equal(flipped('chacha20poly1305/udp/ip/eth', 'node', 5, true), { 'chacha20poly1305-tag': 1 });
  // Unmended, UDP's checksum catches it first.
  assert.equal(flipped('aes128gcm/udp/ip/eth', 'node', 30), { 'udp-checksum': 1 });
  // The AH's ICV beneath the transport catches what changed in the segment.
  assert.equal(flipped('aes128/udp/sha256/ip/fddi', 'cryptojs', 100), { 'ah-digest': 1 });
  assert.equal(flipped('tcp/sha1/ip/eth', 'node', 100), { 'ah-digest': 1 });
});

test('the wrong key: AES-GCM drops every record at its tag, AES-CBC under HMAC-SHA-256 at the ICV', () => {
  const wrongGcm = makePair('aes128gcm/udp/ip/eth', {
    crypto: 'node',
    b: { keys: { des: new Uint8Array(8), tdes: new Uint8Array(24), aes128gcm: new Uint8Array(16) } },
  });
  const wrongMac = makePair('aes128/udp/sha256/ip/eth', {
    crypto: 'cryptojs',
    b: { keys: { des: new Uint8Array(8), tdes: new Uint8Array(24), sha256: new Uint8Array(32).fill(7) } },
  });
  const msg = new BufferPool(1).get();
  for (const pair of [wrongGcm, wrongMac]) {
    for (let i = 0; i < 20; i++) {
      msg.resetPayload(300);
      new Prng(i).fill(msg.bytes, msg.head, 300);
      pair.a.send(msg);
    }
    pair.wire.pump();
    assert.is(pair.received.length, 0);
  }
  assert.equal(wrongGcm.b.drops.toRecord(), { 'aes128gcm-tag': 20 });
  assert.equal(wrongMac.b.drops.toRecord(), { 'ah-digest': 20 });
});

test.run();
