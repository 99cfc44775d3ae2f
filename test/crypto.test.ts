import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../drivers/prng.js';
import { CRYPTO_PROVIDERS, type CipherName, cryptoProvider } from '../stacks/crypto/index.js';
import { hex, toHex } from './helpers.js';
import CryptoJS from 'crypto-js';
import { DenseDes } from '../stacks/crypto/des-block.js';

const text = (s: string) => new TextEncoder().encode(s);

// RFC 1321 §A.5 test suite.
const MD5_SUITE: [string, string][] = [
  ['', 'd41d8cd98f00b204e9800998ecf8427e'],
  ['a', '0cc175b9c0f1b6a831c399e269772661'],
  ['abc', '900150983cd24fb0d6963f7d28e17f72'],
  ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
  ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
  ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
];

for (const name of CRYPTO_PROVIDERS) {
  const provider = cryptoProvider(name);

  test(`${name}: MD5 RFC 1321 test suite`, () => {
    const md5 = provider.createMd5();
    const out = new Uint8Array(16);
    for (const [input, digest] of MD5_SUITE) {
      md5.begin();
      md5.update(text(input), 0, input.length);
      md5.end(out, 0);
      assert.is(toHex(out), digest, `MD5("${input}")`);
    }
  });

  test(`${name}: MD5 fed in pieces across block boundaries equals one update`, () => {
    const md5 = provider.createMd5();
    const input = text(MD5_SUITE[6]![0]);
    const out = new Uint8Array(16);
    for (const cut of [1, 55, 56, 63, 64, 65, 79]) {
      md5.begin();
      md5.update(input, 0, cut);
      md5.update(input, cut, input.length - cut);
      md5.end(out, 0);
      assert.is(toHex(out), MD5_SUITE[6]![1], `cut at ${cut}`);
    }
  });

  test(`${name}: DES-CBC, FIPS 81 Appendix C example`, () => {
    const des = provider.createCipher('des', hex('0123456789abcdef'), 0);
    const buf = new Uint8Array(32);
    buf.set(hex('1234567890abcdef'), 0);
    buf.set(text('Now is the time for all '), 8);
    des.encryptWithIv(buf, 0, 24);
    assert.is(toHex(buf.subarray(8)), 'e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6');
    des.decrypt(buf, 0, 24);
    assert.is(new TextDecoder().decode(buf.subarray(8)), 'Now is the time for all ');
  });

  test(`${name}: DES, NBS SP 500-20 variable-plaintext known answers`, () => {
    const des = provider.createCipher('des', hex('0101010101010101'), 0);
    const vectors: [string, string][] = [
      ['8000000000000000', '95f8a5e5dd31d900'],
      ['4000000000000000', 'dd7f121ca5015619'],
      ['0000000000000001', '166b40b44aba4bd6'],
    ];
    for (const [plain, cipher] of vectors) {
      const buf = new Uint8Array(16); // zero IV: one CBC block is one ECB block
      buf.set(hex(plain), 8);
      des.encryptWithIv(buf, 0, 8);
      assert.is(toHex(buf.subarray(8)), cipher, plain);
    }
  });

  test(`${name}: 3DES (three keys, EDE), NIST SP 800-67 example, chained as CBC`, () => {
    const tdes = provider.createCipher('3des', hex('0123456789abcdef23456789abcdef01456789abcdef0123'), 0);
    const p = ['5468652071756663', '6b2062726f776e20', '666f78206a756d70'].map(hex); // "The qufck brown fox jump"
    const c = ['a826fd8ce53b855f', 'cce21c8112256fe6', '68d5c05dd9b6b900'].map(hex);
    // With IV 0 and each later block pre-XORed with the previous ciphertext, CBC yields the ECB answers.
    const buf = new Uint8Array(32);
    buf.set(p[0]!, 8);
    for (let i = 1; i < 3; i++)
      buf.set(
        p[i]!.map((x, j) => x ^ c[i - 1]![j]!),
        8 + 8 * i,
      );
    const plain = buf.slice();
    tdes.encryptWithIv(buf, 0, 24);
    assert.is(toHex(buf.subarray(8)), c.map(toHex).join(''));
    tdes.decrypt(buf, 0, 24);
    assert.equal(buf, plain);
  });
}

test('both providers give byte-identical ciphertext, IVs included, message after message', () => {
  const prng = new Prng(11);
  for (const name of ['des', '3des'] as CipherName[]) {
    const key = prng.fill(new Uint8Array(name === 'des' ? 8 : 24));
    const js = cryptoProvider('cryptojs').createCipher(name, key, 42);
    const node = cryptoProvider('node').createCipher(name, key, 42);
    for (let i = 0; i < 20; i++) {
      const length = 8 * (1 + prng.below(520));
      const a = prng.fill(new Uint8Array(8 + length + 4));
      const b = a.slice();
      js.encrypt(a, 4, length);
      node.encrypt(b, 4, length);
      assert.is(toHex(a), toHex(b), `${name} message ${i}`);
      assert.is.not(toHex(a.subarray(4, 12)), '0000000000000000');
      // And each decrypts the other's output.
      const plainA = a.slice();
      js.decrypt(a, 4, length);
      node.decrypt(b, 4, length);
      assert.is(toHex(a), toHex(b));
      assert.is.not(toHex(a), toHex(plainA));
    }
  }
});

test("DES's dense tables give crypto-js's own block function, block for block, both ways (DES and 3DES)", () => {
  const prng = new Prng(12);
  const words = (n: number) => Array.from({ length: n }, () => prng.below(0x10000) * 0x10000 + prng.below(0x10000));
  for (const triple of [false, true]) {
    for (let k = 0; k < 20; k++) {
      const key = CryptoJS.lib.WordArray.create(words(triple ? 6 : 2), triple ? 24 : 8);
      const theirs = (triple ? CryptoJS.algo.TripleDES : CryptoJS.algo.DES).createEncryptor(key) as unknown as {
        encryptBlock(w: number[], at: number): void;
        decryptBlock(w: number[], at: number): void;
      };
      const ours = new DenseDes(theirs, triple);
      for (let b = 0; b < 50; b++) {
        const block = words(2).map((w) => w | 0);
        const [a, c] = [block.slice(), block.slice()];
        theirs.encryptBlock(a, 0);
        ours.encryptBlock(c, 0);
        assert.equal(
          c,
          a.map((w) => w | 0),
          `encrypt, key ${k} block ${b}`,
        );
        theirs.decryptBlock(a, 0);
        ours.decryptBlock(c, 0);
        assert.equal(c, block, `decrypt, key ${k} block ${b}`);
        assert.equal(
          a.map((w) => w | 0),
          block,
        );
      }
    }
  }
});

test('each message gets a fresh IV', () => {
  const des = cryptoProvider('cryptojs').createCipher('des', hex('0123456789abcdef'), 1);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const buf = new Uint8Array(16);
    des.encrypt(buf, 0, 8);
    seen.add(toHex(buf.subarray(0, 8)));
  }
  assert.is(seen.size, 100);
});

test('a key of the wrong length is refused', () => {
  assert.throws(() => cryptoProvider('cryptojs').createCipher('3des', new Uint8Array(8), 0), /24-byte key/);
  assert.throws(() => cryptoProvider('node').createCipher('des', new Uint8Array(16), 0), /8-byte key/);
});

test.run();
