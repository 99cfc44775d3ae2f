// node:crypto (OpenSSL) provider. node:crypto has no in-place block API, so each cipher keeps one
// long-lived CBC context per direction and continues its chain across messages: encrypting the
// block (nonce XOR last ciphertext block) first yields IV = E(nonce) and leaves the chain at the IV,
// so one update() gives IV || CBC(IV, message). Decrypting IV || ciphertext through a continuing
// chain gives garbage for the IV block and the plaintext after it. node:crypto still returns a new
// Buffer per update(), and an AEAD needs a new context per message (its nonce is set at creation);
// those allocations are inside the provider and are why crypto-js is the default where it has the
// algorithm.

import * as crypto from 'node:crypto';
import { copyBytes } from '../message.js';
import { HMAC_MD5_96_BYTES, checkHmacKey } from './hmac.js';
import {
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  type Aead,
  type AeadName,
  BLOCK_BYTES,
  type CbcCipher,
  type CipherName,
  type CryptoProvider,
  DIGEST_BYTES,
  type HashName,
  type Hasher,
  type Mac,
  checkCbcLength,
  checkKey,
  writeAeadNonce,
  writeNonceBlock,
} from './provider.js';

const OPENSSL_NAMES: Record<CipherName, string> = { des: 'des-cbc', '3des': 'des-ede3-cbc', aes128: 'aes-128-cbc', aes256: 'aes-256-cbc' };
const OPENSSL_AEADS: Record<AeadName, crypto.CipherGCMTypes | crypto.CipherChaCha20Poly1305Types> = {
  aes128gcm: 'aes-128-gcm',
  chacha20poly1305: 'chacha20-poly1305',
};

export const LEGACY_PROVIDER_FLAG = '--openssl-legacy-provider';

/** True when this process's OpenSSL can run single DES (OpenSSL 3 keeps it in the legacy provider). */
export function nodeHasSingleDes(): boolean {
  try {
    crypto.createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

class NodeCbc implements CbcCipher {
  readonly blockBytes: number;
  private readonly encryptor: crypto.Cipher;
  private readonly decryptor: crypto.Decipher;
  /** The encrypt chain's last ciphertext block. */
  private readonly chain: Uint8Array;
  private counter = 0;

  constructor(
    readonly name: CipherName,
    key: Uint8Array,
    private readonly instance: number,
  ) {
    checkKey(name, key);
    this.blockBytes = BLOCK_BYTES[name];
    this.chain = new Uint8Array(this.blockBytes);
    const zero = Buffer.alloc(this.blockBytes);
    try {
      this.encryptor = crypto.createCipheriv(OPENSSL_NAMES[name], key, zero);
      this.decryptor = crypto.createDecipheriv(OPENSSL_NAMES[name], key, zero);
    } catch (err) {
      if (name === 'des' && !nodeHasSingleDes()) {
        throw new Error(
          `the node crypto provider cannot run single DES: OpenSSL 3 keeps it in its legacy provider, ` +
            `which Node loads only when started with ${LEGACY_PROVIDER_FLAG} (the xkbench command and npm scripts do this; ` +
            `elsewhere set NODE_OPTIONS=${LEGACY_PROVIDER_FLAG})`,
        );
      }
      throw err;
    }
    this.encryptor.setAutoPadding(false);
    this.decryptor.setAutoPadding(false);
  }

  encrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    const block = this.blockBytes;
    checkCbcLength(length, block);
    const chain = this.chain;
    const counter = this.counter;
    this.counter = (counter + 1) >>> 0;
    // The first block fed is nonce XOR chain, so the chain's output is E(nonce), the IV.
    writeNonceBlock(bytes, ivOffset, block, this.instance, counter);
    for (let i = 0; i < block; i++) bytes[ivOffset + i] = bytes[ivOffset + i]! ^ chain[i]!;
    const total = block + length;
    const out = this.encryptor.update(bytes.subarray(ivOffset, ivOffset + total));
    copyBytes(bytes, ivOffset, out, 0, total);
    copyBytes(chain, 0, out, total - block, block);
  }

  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void {
    const block = this.blockBytes;
    checkCbcLength(length, block);
    if (length === 0) return;
    // Feeding P1 XOR IV XOR chain makes the continuing chain compute E(P1 XOR IV).
    const chain = this.chain;
    const first = ivOffset + block;
    for (let i = 0; i < block; i++) bytes[first + i] = bytes[first + i]! ^ bytes[ivOffset + i]! ^ chain[i]!;
    const out = this.encryptor.update(bytes.subarray(first, first + length));
    copyBytes(bytes, first, out, 0, length);
    copyBytes(chain, 0, out, length - block, block);
  }

  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    const block = this.blockBytes;
    checkCbcLength(length, block);
    const out = this.decryptor.update(bytes.subarray(ivOffset, ivOffset + block + length));
    copyBytes(bytes, ivOffset + block, out, block, length);
  }
}

class NodeHash implements Hasher {
  readonly digestBytes: number;
  private hash: crypto.Hash | null = null;

  constructor(private readonly name: HashName) {
    this.digestBytes = DIGEST_BYTES[name];
  }

  begin(): void {
    this.hash = crypto.createHash(this.name);
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.hash!.update(bytes.subarray(offset, offset + length));
  }

  end(out: Uint8Array, offset: number): void {
    copyBytes(out, offset, this.hash!.digest(), 0, this.digestBytes);
    this.hash = null;
  }
}

/** HMAC through OpenSSL's own HMAC: one Hmac object and one digest per MAC. */
class NodeHmac implements Mac {
  private hmac: crypto.Hmac | null = null;
  private readonly key: Buffer;

  constructor(
    private readonly hash: HashName,
    key: Uint8Array,
  ) {
    checkHmacKey(key);
    this.key = Buffer.from(key);
  }

  begin(): void {
    this.hmac = crypto.createHmac(this.hash, this.key);
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.hmac!.update(bytes.subarray(offset, offset + length));
  }

  end(out: Uint8Array, offset: number, length = HMAC_MD5_96_BYTES): void {
    copyBytes(out, offset, this.hmac!.digest(), 0, length);
    this.hmac = null;
  }
}

/** AES-128-GCM or ChaCha20-Poly1305 through OpenSSL: a context per message, since its nonce is set at creation. */
/** Every AEAD here has a 16-byte tag. */
const TAG = { authTagLength: AEAD_TAG_BYTES };

class NodeAead implements Aead {
  private readonly key: Buffer;
  /** OpenSSL's name (typed as GCM's: node's types give ChaCha20-Poly1305's the same options). */
  private readonly algorithm: crypto.CipherGCMTypes;
  private counter = 0;

  constructor(
    readonly name: AeadName,
    key: Uint8Array,
    private readonly instance: number,
  ) {
    checkKey(name, key);
    this.key = Buffer.from(key);
    this.algorithm = OPENSSL_AEADS[name] as crypto.CipherGCMTypes;
  }

  seal(bytes: Uint8Array, nonceAt: number, aadAt: number, aadLength: number, at: number, length: number): void {
    writeAeadNonce(bytes, nonceAt, this.instance, this.counter++);
    this.sealWithNonce(bytes, nonceAt, bytes, aadAt, aadLength, at, length);
  }

  sealWithNonce(nonce: Uint8Array, nonceAt: number, bytes: Uint8Array, aadAt: number, aadLength: number, at: number, length: number): void {
    const c = crypto.createCipheriv(this.algorithm, this.key, nonce.subarray(nonceAt, nonceAt + AEAD_NONCE_BYTES), TAG);
    c.setAAD(bytes.subarray(aadAt, aadAt + aadLength));
    const out = c.update(bytes.subarray(at, at + length));
    c.final();
    copyBytes(bytes, at, out, 0, length);
    copyBytes(bytes, at + length, c.getAuthTag(), 0, AEAD_TAG_BYTES);
  }

  open(
    nonce: Uint8Array,
    nonceAt: number,
    bytes: Uint8Array,
    aadAt: number,
    aadLength: number,
    at: number,
    length: number,
    anyway = false,
  ): boolean {
    const d = crypto.createDecipheriv(this.algorithm, this.key, nonce.subarray(nonceAt, nonceAt + AEAD_NONCE_BYTES), TAG);
    d.setAAD(bytes.subarray(aadAt, aadAt + aadLength));
    d.setAuthTag(bytes.subarray(at + length, at + length + AEAD_TAG_BYTES));
    const out = d.update(bytes.subarray(at, at + length));
    let ok = true;
    try {
      d.final();
    } catch {
      ok = false; // the tag does not match: the plaintext is written back only when asked
    }
    if (ok || anyway) copyBytes(bytes, at, out, 0, length);
    return ok;
  }
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  supports: () => true,
  createCipher: (name, key, instance) => new NodeCbc(name, key, instance),
  createHash: (name) => new NodeHash(name),
  createMd5: () => new NodeHash('md5'),
  createHmac: (hash, key) => new NodeHmac(hash, key),
  createHmacMd5: (key) => new NodeHmac('md5', key),
  createAead: (name, key, instance) => new NodeAead(name, key, instance),
};
