// IPsec gateway stacks: HMAC-MD5 against RFC 2202, the anti-replay window against hand-worked
// cases, ESP and AH tunnel round trips, and each fault caught at the right check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cryptoProvider } from '../stacks/crypto/index.js';
import { REPLAY_WINDOW, ReplayVerdict, ReplayWindow } from '../stacks/replay-window.js';
import { BufferPool } from '../stacks/message.js';
import { Prng } from '../drivers/prng.js';
import { makePair } from './helpers.js';
import { parseStackLayers } from '../stacks/spec.js';
import { espOverhead } from '../stacks/wire/esp.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const provider of ['cryptojs', 'node'] as const) {
  test(`HMAC-MD5 (${provider}): RFC 2202 test cases 1 and 2, and HMAC-MD5-96 as their first 12 bytes`, () => {
    const out = new Uint8Array(16);
    const cases: [Uint8Array, Uint8Array, string][] = [
      [new Uint8Array(16).fill(0x0b), Buffer.from('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
      [Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    ];
    for (const [key, data, want] of cases) {
      const h = cryptoProvider(provider).createHmacMd5(key);
      h.begin();
      h.update(data, 0, data.length);
      h.end(out, 0, 16);
      assert.is(hex(out), want);
      const short = new Uint8Array(12);
      h.begin();
      h.update(data, 0, data.length);
      h.end(short, 0);
      assert.is(hex(short), want.slice(0, 24));
    }
  });
}

test('anti-replay window: accept and reject cases (RFC 2401 appendix C)', () => {
  const w = new ReplayWindow();
  assert.is(w.check(0), ReplayVerdict.Zero, 'sequence number 0 is never valid');
  assert.is(w.check(1), ReplayVerdict.Fresh);
  w.accept(1);
  assert.is(w.check(1), ReplayVerdict.Duplicate);
  w.accept(5); // 2, 3, 4 not yet seen
  assert.is(w.check(3), ReplayVerdict.Fresh, 'late but inside the window');
  w.accept(3);
  assert.is(w.check(3), ReplayVerdict.Duplicate);
  assert.is(w.check(5), ReplayVerdict.Duplicate);
  w.accept(100); // highest 100: the window is 37..100
  assert.is(w.check(37), ReplayVerdict.Fresh, 'the oldest number still inside');
  assert.is(w.check(36), ReplayVerdict.TooOld, '64 behind the highest');
  assert.is(w.check(5), ReplayVerdict.TooOld);
  w.accept(60);
  w.accept(90); // in the second 32-bit word and the first
  assert.is(w.check(60), ReplayVerdict.Duplicate);
  assert.is(w.check(90), ReplayVerdict.Duplicate);
  assert.is(w.check(61), ReplayVerdict.Fresh);
  w.accept(110); // a shift of 10 carries 60 across the words
  assert.is(w.check(60), ReplayVerdict.Duplicate);
  assert.is(w.check(90), ReplayVerdict.Duplicate);
  assert.is(w.check(100), ReplayVerdict.Duplicate);
  assert.is(w.check(46), ReplayVerdict.TooOld);
  w.accept(110 + REPLAY_WINDOW); // a jump beyond the window clears it
  assert.is(w.check(110), ReplayVerdict.TooOld);
  assert.is(w.check(111), ReplayVerdict.Fresh);
  assert.is(w.check(0xffff_ffff), ReplayVerdict.Fresh, 'numbers compare unsigned');
});

test('anti-replay window against a model: random arrivals, each number accepted once', () => {
  const prng = new Prng(9);
  const w = new ReplayWindow();
  const seen = new Set<number>();
  let highest = 0;
  for (let i = 0; i < 20000; i++) {
    const seq = Math.max(1, highest + 8 - prng.below(80));
    const expected = seen.has(seq) ? ReplayVerdict.Duplicate : highest - seq >= REPLAY_WINDOW ? ReplayVerdict.TooOld : ReplayVerdict.Fresh;
    const got = w.check(seq);
    // A number that left the window is too old whether or not it was seen.
    assert.is(got, highest - seq >= REPLAY_WINDOW ? ReplayVerdict.TooOld : expected, `seq ${seq}, highest ${highest}`);
    if (got === ReplayVerdict.Fresh) {
      w.accept(seq);
      seen.add(seq);
      highest = Math.max(highest, seq);
    }
  }
});

function innerDatagram(size: number, seed: number): Uint8Array {
  const bytes = new Prng(seed).fill(new Uint8Array(size));
  bytes[0] = 0x45;
  return bytes;
}

function send(pair: ReturnType<typeof makePair>, data: Uint8Array): void {
  const msg = new BufferPool(1).get();
  msg.bytes.set(data, msg.resetPayload(data.length));
  pair.a.send(msg);
}

for (const spec of [
  'esp(3des,md5)/ip/eth',
  'esp(des,md5)/ip/eth',
  'ah(md5)/ip/eth',
  'esp(3des,md5)/ip/fddi',
  'esp(aes128,sha256)/ip/eth',
  'esp(aes128gcm)/ip/eth',
  'ah(sha256)/ip/eth',
]) {
  test(
    `${spec}: tunnel round trip for 512, 1024 and the largest datagrams; a replay and a flipped bit are ` + `dropped at the right check`,
    () => {
      const pair = makePair(spec, { crypto: spec.includes('aes128gcm') ? 'node' : 'cryptojs' });
      const largest = pair.a.maxPayload;
      const sizes = spec.includes('fddi') ? [512, 1024, 1446, 4000] : [512, 1024, Math.min(1446, largest)];
      for (const [k, size] of sizes.entries()) {
        send(pair, innerDatagram(size, k));
        const frame = pair.wire.toB.frames[0]!;
        const replay = pair.wire.toB.clone(frame);
        pair.wire.pump();
        assert.is(pair.received.length, k + 1);
        assert.is(hex(pair.received[k]!), hex(innerDatagram(size, k)));
        pair.b.receive(replay);
        pair.wire.toB.release(replay);
      }
      const esp = spec.startsWith('esp');
      assert.equal(pair.b.drops.toRecord(), { [esp ? 'esp-replay' : 'ah-replay']: sizes.length });
      // A flipped bit in the protected data: the ICV check drops it, nothing is decrypted or delivered.
      send(pair, innerDatagram(600, 7));
      const frame = pair.wire.toB.frames[0]!;
      frame.bytes[frame.tail - 40]! ^= 0x10;
      pair.wire.pump();
      assert.is(pair.received.length, sizes.length);
      assert.is(pair.b.drops.toRecord()[esp ? 'esp-icv' : 'ah-digest'], 1);
      // The sequence number of the damaged packet was not taken: the window moves only on verified packets.
      send(pair, innerDatagram(600, 8));
      pair.wire.pump();
      assert.is(pair.received.length, sizes.length + 1);
    },
  );
}

test('esp: wrong key at the receiver fails the ICV; ESP overhead is header, IV, padding, trailer and ICV', () => {
  const pair = makePair('esp(3des,md5)/ip/eth', {
    b: { keys: { des: new Uint8Array(8), tdes: new Uint8Array(24).fill(1), hmac: new Uint8Array(16).fill(2) } },
  });
  send(pair, innerDatagram(100, 1));
  pair.wire.pump();
  assert.equal(pair.b.drops.toRecord(), { 'esp-icv': 1 });
  // 1446 + 2 = 1448, a multiple of 8: no padding; 8 + 8 + 0 + 2 + 12 = 30, and 20 more for the outer IP header
  assert.is(espOverhead(1446), 30);
  assert.is(espOverhead(1445), 31);
});

test('esp and ah specs: transforms checked, errors name the form', () => {
  assert.equal(parseStackLayers('esp(3des,md5)/ip/eth')[0], { name: 'esp', cipher: '3des', auth: 'md5' });
  assert.equal(parseStackLayers('ah(md5)/ip/eth')[0], { name: 'ah', auth: 'md5' });
  assert.equal(parseStackLayers('esp(aes128,sha256)/ip/eth')[0], { name: 'esp', cipher: 'aes128', auth: 'sha256' });
  assert.equal(parseStackLayers('esp(aes128gcm)/ip/eth')[0], { name: 'esp', cipher: 'aes128gcm' });
  assert.equal(parseStackLayers('ah(sha256)/ip/eth')[0], { name: 'ah', auth: 'sha256' });
  for (const bad of [
    'esp(aes,md5)/ip/eth',
    'esp(3des)/ip/eth',
    'ah(sha1)/ip/eth',
    'esp/ip/eth',
    'ah(md5)/md5/ip/eth',
    'esp(aes128gcm,md5)/ip/eth',
  ]) {
    assert.throws(() => parseStackLayers(bad), /esp\(|ah\(|cannot stand/, bad);
  }
});

test.run();
