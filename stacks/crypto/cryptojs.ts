// crypto-js provider. crypto-js's one-shot API allocates WordArrays per call, so this drives its
// block functions directly (DES/TripleDES encryptBlock, MD5's compression function) on a few
// scratch words made at set-up, and does CBC chaining and MD5 padding here: no allocation per packet.

import CryptoJS from 'crypto-js';
import { type CbcCipher, type CipherName, type CryptoProvider, type Md5Hasher, checkCbcLength, checkKey } from './provider.js';
import { HmacMd5 } from './hmac-md5.js';

interface BlockCipher {
  encryptBlock(words: number[], offset: number): void;
  decryptBlock(words: number[], offset: number): void;
}

interface Md5Internals {
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

class CryptoJsCbc implements CbcCipher {
  private readonly block: BlockCipher;
  private readonly w = [0, 0];
  private readonly views = new ViewCache();
  private counter = 0;

  constructor(
    readonly name: CipherName,
    key: Uint8Array,
    private readonly instance: number,
  ) {
    checkKey(name, key);
    const algo = name === 'des' ? CryptoJS.algo.DES : CryptoJS.algo.TripleDES;
    this.block = algo.createEncryptor(toWordArray(key)) as unknown as BlockCipher;
  }

  encrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length);
    const view = this.views.get(bytes);
    const w = this.w;
    w[0] = this.instance | 0;
    w[1] = this.counter | 0;
    this.counter = (this.counter + 1) >>> 0;
    this.block.encryptBlock(w, 0);
    view.setInt32(ivOffset, w[0]!);
    view.setInt32(ivOffset + 4, w[1]!);
    this.encryptWithIv(bytes, ivOffset, length);
  }

  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length);
    const view = this.views.get(bytes);
    const w = this.w;
    let c0 = view.getInt32(ivOffset);
    let c1 = view.getInt32(ivOffset + 4);
    const end = ivOffset + 8 + length;
    for (let i = ivOffset + 8; i < end; i += 8) {
      w[0] = view.getInt32(i) ^ c0;
      w[1] = view.getInt32(i + 4) ^ c1;
      this.block.encryptBlock(w, 0);
      c0 = w[0]!;
      c1 = w[1]!;
      view.setInt32(i, c0);
      view.setInt32(i + 4, c1);
    }
  }

  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length);
    const view = this.views.get(bytes);
    const w = this.w;
    let p0 = view.getInt32(ivOffset);
    let p1 = view.getInt32(ivOffset + 4);
    const end = ivOffset + 8 + length;
    for (let i = ivOffset + 8; i < end; i += 8) {
      const c0 = view.getInt32(i);
      const c1 = view.getInt32(i + 4);
      w[0] = c0;
      w[1] = c1;
      this.block.decryptBlock(w, 0);
      view.setInt32(i, w[0]! ^ p0);
      view.setInt32(i + 4, w[1]! ^ p1);
      p0 = c0;
      p1 = c1;
    }
  }
}

const MD5_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

class CryptoJsMd5 implements Md5Hasher {
  private readonly md5 = CryptoJS.algo.MD5.create() as unknown as Md5Internals;
  private readonly m: number[] = new Array<number>(16).fill(0);
  private readonly pending = new Uint8Array(64);
  private readonly pendingView = new DataView(this.pending.buffer);
  private readonly views = new ViewCache();
  private pendingBytes = 0;
  private total = 0;

  begin(): void {
    const h = this.md5._hash.words;
    for (let i = 0; i < 4; i++) h[i] = MD5_INIT[i]!;
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
    this.pendingView.setUint32(56, bits >>> 0, true);
    this.pendingView.setUint32(60, Math.floor(bits / 0x100000000), true);
    this.compress(this.pendingView, 0);
    const h = this.md5._hash.words;
    for (let i = 0; i < 4; i++) {
      const word = h[i]!;
      out[offset + i * 4] = word & 0xff;
      out[offset + i * 4 + 1] = (word >>> 8) & 0xff;
      out[offset + i * 4 + 2] = (word >>> 16) & 0xff;
      out[offset + i * 4 + 3] = word >>> 24;
    }
    this.pendingBytes = 0;
  }

  /** One 64-byte block; crypto-js reads big-endian words and swaps them itself. */
  private compress(view: DataView, at: number): void {
    const m = this.m;
    for (let j = 0; j < 16; j++) m[j] = view.getInt32(at + j * 4);
    this.md5._doProcessBlock(m, 0);
  }
}

export const cryptoJsProvider: CryptoProvider = {
  name: 'cryptojs',
  createCipher: (name, key, instance) => new CryptoJsCbc(name, key, instance),
  createMd5: () => new CryptoJsMd5(),
  createHmacMd5: (key) => new HmacMd5(new CryptoJsMd5(), key),
};
