// Today's primitives against their published vectors, in every provider that has them: AES (FIPS
// 197 C.1 and C.3), AES-CBC (SP 800-38A F.2.1 and F.2.5), AES-128-GCM (McGrew and Viega's test case
// 4, as SP 800-38D's validation uses), ChaCha20-Poly1305 (RFC 8439 2.8.2), SHA-1 and SHA-256 (FIPS
// 180 examples), HMAC-SHA-256 (RFC 4231 cases 1 and 2) and HMAC-SHA1 (RFC 2202 cases 1 and 2); a
// flipped bit in an AEAD's ciphertext, tag or associated data is refused; the two providers give the
// same bytes where both have the algorithm, IVs included; crypto-js says what it lacks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CRYPTO_PROVIDERS, type CipherName, type HashName, cryptoProvider } from '../stacks/crypto/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** CBC under a given IV: [IV ‖ plaintext] encrypted in place by encryptWithIv; answers the ciphertext. */
function cbcEncrypt(provider: string, name: CipherName, key: string, iv: string, plaintext: string): string {
  const cipher = cryptoProvider(provider as 'node').createCipher(name, hex(key), 0);
  const buf = new Uint8Array([...hex(iv), ...hex(plaintext)]);
  cipher.encryptWithIv(buf, 0, buf.length - cipher.blockBytes);
  const out = toHex(buf.subarray(cipher.blockBytes));
  cipher.decrypt(buf, 0, buf.length - cipher.blockBytes);
  assert.is(toHex(buf.subarray(cipher.blockBytes)), plaintext.replace(/\s+/g, ''), 'decrypts back');
  return out;
}

for (const provider of CRYPTO_PROVIDERS) {
  test(`${provider}: AES-128 and AES-256 (FIPS 197 C.1, C.3): one block under a zero IV is the cipher itself`, () => {
    const zero = '00'.repeat(16);
    assert.is(
      cbcEncrypt(provider, 'aes128', '000102030405060708090a0b0c0d0e0f', zero, '00112233445566778899aabbccddeeff'),
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
    assert.is(
      cbcEncrypt(
        provider,
        'aes256',
        '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
        zero,
        '00112233445566778899aabbccddeeff',
      ),
      '8ea2b7ca516745bfeafc49904b496089',
    );
  });

  test(`${provider}: AES-CBC (SP 800-38A F.2.1 CBC-AES128, F.2.5 CBC-AES256): four blocks`, () => {
    const iv = '000102030405060708090a0b0c0d0e0f';
    const plaintext =
      '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710';
    assert.is(
      cbcEncrypt(provider, 'aes128', '2b7e151628aed2a6abf7158809cf4f3c', iv, plaintext),
      '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7',
    );
    assert.is(
      cbcEncrypt(provider, 'aes256', '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', iv, plaintext),
      'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b',
    );
  });

  const hashes: [HashName, string, string][] = [
    ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha1', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
    ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'sha256',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ];
  test(`${provider}: SHA-1 and SHA-256 (FIPS 180 examples), whole and fed in pieces`, () => {
    for (const [name, text, digest] of hashes) {
      const data = Buffer.from(text);
      const h = cryptoProvider(provider).createHash(name);
      const out = new Uint8Array(h.digestBytes);
      h.begin();
      h.update(data, 0, data.length);
      h.end(out, 0);
      assert.is(toHex(out), digest, `${name}(${text})`);
      h.begin();
      for (let i = 0; i < data.length; i += 7) h.update(data, i, Math.min(7, data.length - i));
      h.end(out, 0);
      assert.is(toHex(out), digest, `${name}(${text}) in pieces`);
    }
  });

  const macs: [HashName, Uint8Array, string, string][] = [
    ['sha256', hex('0b'.repeat(20)), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    ['sha256', Buffer.from('Jefe'), 'what do ya want for nothing?', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['sha1', hex('0b'.repeat(20)), 'Hi There', 'b617318655057264e28bc0b6fb378c8ef146be00'],
    ['sha1', Buffer.from('Jefe'), 'what do ya want for nothing?', 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
  ];
  test(`${provider}: HMAC-SHA-256 (RFC 4231 cases 1, 2) and HMAC-SHA1 (RFC 2202 cases 1, 2), whole and truncated`, () => {
    for (const [hash, key, text, mac] of macs) {
      const data = Buffer.from(text);
      const m = cryptoProvider(provider).createHmac(hash, key);
      const whole = mac.length / 2;
      const out = new Uint8Array(whole);
      m.begin();
      m.update(data, 0, data.length);
      m.end(out, 0, whole);
      assert.is(toHex(out), mac, `HMAC-${hash}`);
      const truncated = new Uint8Array(hash === 'sha1' ? 12 : 16);
      m.begin();
      m.update(data, 0, data.length);
      m.end(truncated, 0, truncated.length);
      assert.is(toHex(truncated), mac.slice(0, 2 * truncated.length), `HMAC-${hash}-${truncated.length * 8}`);
    }
  });
}

const AEAD_VECTORS = [
  {
    name: 'aes128gcm' as const,
    source: 'GCM test case 4 (McGrew, Viega)',
    key: 'feffe9928665731c6d6a8f9467308308',
    nonce: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plaintext: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ciphertext: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'chacha20poly1305' as const,
    source: 'RFC 8439 2.8.2',
    key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    nonce: '070000004041424344454647',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ).toString('hex'),
    ciphertext:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
      '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
    tag: '1ae10b594f09e26a7e902ecbd0600691',
  },
];

for (const v of AEAD_VECTORS) {
  test(`node: ${v.name} (${v.source}): ciphertext and tag; it opens again; a flipped bit in ciphertext, tag or AAD is refused`, () => {
    const aead = cryptoProvider('node').createAead(v.name, hex(v.key), 0);
    const nonce = hex(v.nonce);
    const aad = hex(v.aad);
    const plaintext = hex(v.plaintext);
    // [nonce ‖ aad ‖ plaintext ‖ tag]
    const at = nonce.length + aad.length;
    const buf = new Uint8Array(at + plaintext.length + 16);
    buf.set(nonce, 0);
    buf.set(aad, nonce.length);
    buf.set(plaintext, at);
    aead.sealWithNonce(buf, 0, buf, nonce.length, aad.length, at, plaintext.length);
    assert.is(toHex(buf.subarray(at, at + plaintext.length)), v.ciphertext);
    assert.is(toHex(buf.subarray(at + plaintext.length)), v.tag);
    const sealed = buf.slice();
    assert.ok(aead.open(buf, 0, buf, nonce.length, aad.length, at, plaintext.length));
    assert.is(toHex(buf.subarray(at, at + plaintext.length)), v.plaintext);
    for (const flip of [at + 3, at + plaintext.length + 5, nonce.length + 1]) {
      const bad = sealed.slice();
      bad[flip]! ^= 0x01;
      assert.not.ok(aead.open(bad, 0, bad, nonce.length, aad.length, at, plaintext.length), `flipped byte ${flip}`);
    }
  });

  test(`cryptojs: has no ${v.name}, and says which provider has`, () => {
    const provider = cryptoProvider('cryptojs');
    assert.not.ok(provider.supports(v.name));
    assert.throws(() => provider.createAead(v.name, hex(v.key), 0), /cryptojs provider has no .* use --crypto node/);
  });
}

test('AES-CBC with fresh IVs: both providers give the same bytes, message after message, and each decrypts the other', () => {
  for (const name of ['aes128', 'aes256'] as const) {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c'.repeat(name === 'aes128' ? 1 : 2));
    const a = cryptoProvider('cryptojs').createCipher(name, key, 7);
    const b = cryptoProvider('node').createCipher(name, key, 7);
    for (let m = 0; m < 5; m++) {
      const x = new Uint8Array(16 + 64 + 16 * m).map((_, i) => (i * 31 + m) & 0xff);
      const y = x.slice();
      a.encrypt(x, 0, x.length - 16);
      b.encrypt(y, 0, y.length - 16);
      assert.is(toHex(x), toHex(y), `${name} message ${m}`);
      const z = x.slice();
      a.decrypt(x, 0, x.length - 16);
      b.decrypt(z, 0, z.length - 16);
      assert.is(toHex(x), toHex(z));
    }
  }
});

test('SHA and HMAC-SHA: both providers agree on random data of every length up to three blocks', () => {
  const data = new Uint8Array(200).map((_, i) => (i * 97 + 13) & 0xff);
  for (const hash of ['sha1', 'sha256', 'md5'] as const) {
    const a = cryptoProvider('cryptojs').createHmac(hash, data.subarray(0, 20));
    const b = cryptoProvider('node').createHmac(hash, data.subarray(0, 20));
    for (let n = 0; n <= 192; n += 13) {
      const x = new Uint8Array(32);
      const y = new Uint8Array(32);
      a.begin();
      a.update(data, 3, n);
      a.end(x, 0, 16);
      b.begin();
      b.update(data, 3, n);
      b.end(y, 0, 16);
      assert.is(toHex(x), toHex(y), `HMAC-${hash} of ${n} bytes`);
    }
  }
});

test.run();
