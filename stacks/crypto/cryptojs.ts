// crypto-js provider. crypto-js's one-shot API allocates WordArrays per call, so this drives its
// block functions directly (AES encryptBlock; MD5's, SHA-1's and SHA-256's compression functions;
// DES's rounds over its key schedule and tables, des-block.ts) on a few scratch words made at
// set-up, and does CBC chaining and the hashes' padding here: no allocation per packet. crypto-js
// has no GCM and no ChaCha20-Poly1305.

import CryptoJS from 'crypto-js';
import { setFlagsFromString } from 'node:v8';
import {
  type AeadName,
  BLOCK_BYTES,
  type CbcCipher,
  type CipherName,
  type CryptoProvider,
  DIGEST_BYTES,
  type HashName,
  type Hasher,
  checkCbcLength,
  checkKey,
} from './provider.js';
import { Hmac } from './hmac.js';
import { DenseDes } from './des-block.js';

interface BlockCipher {
  encryptBlock(words: number[], offset: number): void;
  decryptBlock(words: number[], offset: number): void;
}

interface HashInternals {
  _hash: { words: number[] };
  _doProcessBlock(words: number[], offset: number): void;
}

function toWordArray(bytes: Uint8Array): CryptoJS.lib.WordArray {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  return CryptoJS.lib.WordArray.create(words, bytes.length);
}

/**
 * DataViews over the few buffers a hasher or cipher sees (the pool, a key block, a pseudo-header),
 * made on first sight and kept, so alternating between them allocates nothing.
 */
class ViewCache {
  private readonly arrays: Uint8Array[] = [];
  private readonly views: DataView[] = [];

  get(bytes: Uint8Array): DataView {
    const arrays = this.arrays;
    for (let i = 0; i < arrays.length; i++) if (arrays[i] === bytes) return this.views[i]!;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (arrays.length === 8) {
      arrays.shift();
      this.views.shift();
    }
    arrays.push(bytes);
    this.views.push(view);
    return view;
  }
}

// crypto-js's MD5 compression calls its step functions (FF, GG, HH, II) 64 times a block. V8's
// budget for what it inlines into one optimized function (920 bytes of bytecode) runs out part-way,
// and each step left as a call returns its sum as a heap number: 12 KB of garbage per KB hashed and
// a fifth of MD5's time. The budget is raised for the process (its threads share V8's flags) before
// anything is optimized; test/allocation.test.ts holds the MD5 stacks to it.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=5000');

/**
 * Each cipher's block function for a key. AES's is crypto-js's own, which allocates nothing; DES's
 * rounds run over crypto-js's key schedule and tables made dense (des-block.ts: crypto-js's own
 * allocated per block).
 */
const BLOCK_CIPHERS: Record<CipherName, (key: CryptoJS.lib.WordArray) => BlockCipher> = {
  des: (key) => new DenseDes(CryptoJS.algo.DES.createEncryptor(key), false),
  '3des': (key) => new DenseDes(CryptoJS.algo.TripleDES.createEncryptor(key), true),
  aes128: (key) => CryptoJS.algo.AES.createEncryptor(key) as unknown as BlockCipher,
  aes256: (key) => CryptoJS.algo.AES.createEncryptor(key) as unknown as BlockCipher,
};

class CryptoJsCbc implements CbcCipher {
  readonly blockBytes: number;
  private readonly block: BlockCipher;
  /** The block being worked on, as crypto-js's 32-bit words (2 for DES, 4 for AES). */
  private readonly w: number[];
  private readonly views = new ViewCache();
  /** The previous block (the IV, then each ciphertext block), word by word. */
  private readonly prev: number[];
  private counter = 0;

  constructor(
    readonly name: CipherName,
    key: Uint8Array,
    private readonly instance: number,
  ) {
    checkKey(name, key);
    this.blockBytes = BLOCK_BYTES[name];
    this.w = new Array<number>(this.blockBytes / 4).fill(0);
    this.prev = new Array<number>(this.blockBytes / 4).fill(0);
    this.block = BLOCK_CIPHERS[name](toWordArray(key));
  }

  encrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length, this.blockBytes);
    const view = this.views.get(bytes);
    const w = this.w;
    const n = w.length;
    // The nonce block [instance, zeros, counter] (provider.ts writeNonceBlock), encrypted: the IV.
    w.fill(0);
    w[0] = this.instance | 0;
    w[n - 1] = this.counter | 0;
    this.counter = (this.counter + 1) >>> 0;
    this.block.encryptBlock(w, 0);
    for (let j = 0; j < n; j++) view.setInt32(ivOffset + 4 * j, w[j]!);
    this.encryptWithIv(bytes, ivOffset, length);
  }

  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void {
    const block = this.blockBytes;
    checkCbcLength(length, block);
    const view = this.views.get(bytes);
    const w = this.w;
    const c = this.prev;
    const n = w.length;
    for (let j = 0; j < n; j++) c[j] = view.getInt32(ivOffset + 4 * j);
    const end = ivOffset + block + length;
    for (let i = ivOffset + block; i < end; i += block) {
      for (let j = 0; j < n; j++) w[j] = view.getInt32(i + 4 * j) ^ c[j]!;
      this.block.encryptBlock(w, 0);
      for (let j = 0; j < n; j++) {
        c[j] = w[j]!;
        view.setInt32(i + 4 * j, w[j]!);
      }
    }
  }

  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    const block = this.blockBytes;
    checkCbcLength(length, block);
    const view = this.views.get(bytes);
    const w = this.w;
    const p = this.prev;
    const n = w.length;
    for (let j = 0; j < n; j++) p[j] = view.getInt32(ivOffset + 4 * j);
    const end = ivOffset + block + length;
    for (let i = ivOffset + block; i < end; i += block) {
      for (let j = 0; j < n; j++) w[j] = view.getInt32(i + 4 * j);
      this.block.decryptBlock(w, 0);
      for (let j = 0; j < n; j++) {
        const cipherWord = view.getInt32(i + 4 * j);
        view.setInt32(i + 4 * j, w[j]! ^ p[j]!);
        p[j] = cipherWord;
      }
    }
  }
}

/** Each hash's initial state (RFC 1321; FIPS 180-4 5.3.1 and 5.3.3), and its crypto-js algorithm. */
const HASHES: Record<HashName, { init: readonly number[]; algo: { create(): unknown }; littleEndian: boolean }> = {
  md5: { init: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476], algo: CryptoJS.algo.MD5, littleEndian: true },
  sha1: { init: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0], algo: CryptoJS.algo.SHA1, littleEndian: false },
  sha256: {
    init: [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
    algo: CryptoJS.algo.SHA256,
    littleEndian: false,
  },
};

/**
 * MD5, SHA-1 or SHA-256 on crypto-js's compression function: the padding (0x80, zeros, the bit
 * length: little-endian for MD5, big-endian for SHA) and the digest's byte order are done here.
 */
class CryptoJsHash implements Hasher {
  readonly digestBytes: number;
  private readonly hash: HashInternals;
  private readonly init: readonly number[];
  private readonly littleEndian: boolean;
  private readonly m: number[] = new Array<number>(16).fill(0);
  private readonly pending = new Uint8Array(64);
  private readonly pendingView = new DataView(this.pending.buffer);
  private readonly views = new ViewCache();
  private pendingBytes = 0;
  private total = 0;

  constructor(name: HashName) {
    const h = HASHES[name];
    this.digestBytes = DIGEST_BYTES[name];
    this.hash = h.algo.create() as HashInternals;
    this.init = h.init;
    this.littleEndian = h.littleEndian;
  }

  begin(): void {
    const h = this.hash._hash.words;
    for (let i = 0; i < this.init.length; i++) h[i] = this.init[i]! | 0;
    this.pendingBytes = 0;
    this.total = 0;
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.total += length;
    let i = offset;
    const end = offset + length;
    if (this.pendingBytes > 0) {
      while (i < end && this.pendingBytes < 64) this.pending[this.pendingBytes++] = bytes[i++]!;
      if (this.pendingBytes < 64) return;
      this.compress(this.pendingView, 0);
      this.pendingBytes = 0;
    }
    const view = this.views.get(bytes);
    for (; i + 64 <= end; i += 64) this.compress(view, i);
    while (i < end) this.pending[this.pendingBytes++] = bytes[i++]!;
  }

  end(out: Uint8Array, offset: number): void {
    const bits = this.total * 8;
    const pending = this.pending;
    let n = this.pendingBytes;
    pending[n++] = 0x80;
    if (n > 56) {
      pending.fill(0, n);
      this.compress(this.pendingView, 0);
      n = 0;
    }
    pending.fill(0, n, 56);
    const low = bits >>> 0;
    const high = Math.floor(bits / 0x100000000);
    const le = this.littleEndian;
    this.pendingView.setUint32(le ? 56 : 60, low, le);
    this.pendingView.setUint32(le ? 60 : 56, high, le);
    this.compress(this.pendingView, 0);
    const h = this.hash._hash.words;
    for (let i = 0; i < this.digestBytes / 4; i++) {
      const word = h[i]!;
      const at = offset + i * 4;
      if (le) {
        out[at] = word & 0xff;
        out[at + 1] = (word >>> 8) & 0xff;
        out[at + 2] = (word >>> 16) & 0xff;
        out[at + 3] = word >>> 24;
      } else {
        out[at] = word >>> 24;
        out[at + 1] = (word >>> 16) & 0xff;
        out[at + 2] = (word >>> 8) & 0xff;
        out[at + 3] = word & 0xff;
      }
    }
    this.pendingBytes = 0;
  }

  /** One 64-byte block, as big-endian words (crypto-js's MD5 swaps them itself). */
  private compress(view: DataView, at: number): void {
    const m = this.m;
    for (let j = 0; j < 16; j++) m[j] = view.getInt32(at + j * 4);
    this.hash._doProcessBlock(m, 0);
  }
}

/** What a run with --crypto cryptojs cannot do: crypto-js has no GCM and no ChaCha20-Poly1305. */
export const CRYPTOJS_LACKS: readonly AeadName[] = ['aes128gcm', 'chacha20poly1305'];

export const cryptoJsProvider: CryptoProvider = {
  name: 'cryptojs',
  supports: (name) => !(CRYPTOJS_LACKS as readonly string[]).includes(name),
  createCipher: (name, key, instance) => new CryptoJsCbc(name, key, instance),
  createHash: (name) => new CryptoJsHash(name),
  createMd5: () => new CryptoJsHash('md5'),
  createHmac: (hash, key) => new Hmac(new CryptoJsHash(hash), key),
  createHmacMd5: (key) => new Hmac(new CryptoJsHash('md5'), key),
  createAead: (name) => {
    throw new RangeError(`the cryptojs provider has no ${name} (crypto-js lacks it): use --crypto node`);
  },
};
