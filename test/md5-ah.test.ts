// The AH layer's digest, recomputed independently with node:crypto from the frame on the wire.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { BufferPool } from '../stacks/message.js';
import { SendStatus } from '../stacks/layer.js';
import { FDDI_HEADER_BYTES } from '../stacks/wire/fddi.js';
import { makePair } from './helpers.js';

const KEY = new TextEncoder().encode('a shared secret!');

/** Sends one 300-byte message a → b and returns the frame as it left a. */
function oneFrame(spec: string, md5Key?: Uint8Array): { frame: Uint8Array; pair: ReturnType<typeof makePair> } {
  const keys = md5Key ? { des: new Uint8Array(8), tdes: new Uint8Array(24), md5: md5Key } : undefined;
  const pair = makePair(spec, keys ? { a: { keys }, b: { keys } } : {});
  const msg = new BufferPool(1).get();
  msg.resetPayload(300);
  msg.bytes.fill(0x61, msg.head, msg.tail);
  assert.is(pair.a.send(msg), SendStatus.Sent);
  return { frame: pair.wire.toB.frames[0]!.toBytes(), pair };
}

/** What the ICV must be: MD5 over IP's immutable fields, AH with a zero ICV, and the payload. */
function expectedIcv(frame: Uint8Array, key?: Uint8Array): string {
  const ip = frame.subarray(FDDI_HEADER_BYTES, FDDI_HEADER_BYTES + 20);
  const rest = Buffer.from(frame.subarray(FDDI_HEADER_BYTES + 20));
  rest.fill(0, 12, 28); // the ICV field
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0x45, 51]), ip.subarray(2, 4)]);
  const h = createHash('md5');
  if (key) h.update(Buffer.concat([key, Buffer.alloc(64 - key.length)]));
  h.update(pseudo).update(rest);
  if (key) h.update(key);
  return h.digest('hex');
}

test('plain MD5: the ICV on the wire is the digest of what AH protects', () => {
  const { frame } = oneFrame('tcp/md5/ip/fddi');
  const icv = Buffer.from(frame.subarray(FDDI_HEADER_BYTES + 20 + 12, FDDI_HEADER_BYTES + 20 + 28)).toString('hex');
  assert.is(icv, expectedIcv(frame));
  assert.is(frame[FDDI_HEADER_BYTES + 9], 51, 'IP protocol is AH');
  assert.is(frame[FDDI_HEADER_BYTES + 20], 6, 'AH next header is TCP');
});

test('keyed MD5 (RFC 1828): key, fill, data, key; it verifies with the same key only', () => {
  const { frame, pair } = oneFrame('udp/md5/ip/fddi', KEY);
  const icv = Buffer.from(frame.subarray(FDDI_HEADER_BYTES + 20 + 12, FDDI_HEADER_BYTES + 20 + 28)).toString('hex');
  assert.is(icv, expectedIcv(frame, KEY));
  assert.is.not(icv, expectedIcv(frame));
  pair.wire.pump();
  assert.is(pair.received.length, 1);

  const other = makePair('udp/md5/ip/fddi', { a: { keys: { des: new Uint8Array(8), tdes: new Uint8Array(24), md5: KEY } } });
  const msg = new BufferPool(1).get();
  msg.resetPayload(10);
  other.a.send(msg);
  other.wire.pump();
  assert.equal(other.b.drops.toRecord(), { 'ah-digest': 1 }, 'unkeyed receiver refuses a keyed digest');
});

test('the AH sequence number counts up from 1', () => {
  const pair = makePair('udp/md5/ip/fddi');
  const msg = new BufferPool(1).get();
  for (let i = 0; i < 3; i++) {
    msg.resetPayload(10);
    pair.a.send(msg);
  }
  const seqs = pair.wire.toB.frames.map((f) => f.view.getUint32(f.head + FDDI_HEADER_BYTES + 20 + 8));
  assert.equal(seqs, [1, 2, 3]);
});

test.run();
