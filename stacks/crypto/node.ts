// node:crypto (OpenSSL) provider. node:crypto has no in-place block API, so each cipher keeps one
// long-lived CBC context per direction and continues its chain across messages: encrypting the
// block (nonce XOR last ciphertext block) first yields IV = E(nonce) and leaves the chain at the IV,
// so one update() gives IV || CBC(IV, message). Decrypting IV || ciphertext through a continuing
// chain gives garbage for the IV block and the plaintext after it. node:crypto still returns a new
// Buffer per update(); that allocation is inside the provider and is why crypto-js is the default.

import * as crypto from 'node:crypto';
import { copyBytes } from '../message.js';
import { HMAC_MD5_96_BYTES, checkHmacKey } from './hmac-md5.js';
import { type CbcCipher, type CipherName, type CryptoProvider, type Mac, type Md5Hasher, checkCbcLength, checkKey } from './provider.js';

const OPENSSL_NAMES: Record<CipherName, string> = { des: 'des-cbc', '3des': 'des-ede3-cbc' };

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
  private readonly encryptor: crypto.Cipher;
  private readonly decryptor: crypto.Decipher;
  /** The encrypt chain's last ciphertext block. */
  private readonly chain = new Uint8Array(8);
  private counter = 0;

  constructor(
    readonly name: CipherName,
    key: Uint8Array,
    private readonly instance: number,
  ) {
    checkKey(name, key);
    const zero = Buffer.alloc(8);
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
    checkCbcLength(length);
    const chain = this.chain;
    const instance = this.instance >>> 0;
    const counter = this.counter;
    this.counter = (counter + 1) >>> 0;
    // The first block fed is nonce XOR chain, so the chain's output is E(nonce), the IV.
    bytes[ivOffset] = (instance >>> 24) ^ chain[0]!;
    bytes[ivOffset + 1] = ((instance >>> 16) & 0xff) ^ chain[1]!;
    bytes[ivOffset + 2] = ((instance >>> 8) & 0xff) ^ chain[2]!;
    bytes[ivOffset + 3] = (instance & 0xff) ^ chain[3]!;
    bytes[ivOffset + 4] = (counter >>> 24) ^ chain[4]!;
    bytes[ivOffset + 5] = ((counter >>> 16) & 0xff) ^ chain[5]!;
    bytes[ivOffset + 6] = ((counter >>> 8) & 0xff) ^ chain[6]!;
    bytes[ivOffset + 7] = (counter & 0xff) ^ chain[7]!;
    const total = 8 + length;
    const out = this.encryptor.update(bytes.subarray(ivOffset, ivOffset + total));
    copyBytes(bytes, ivOffset, out, 0, total);
    copyBytes(chain, 0, out, total - 8, 8);
  }

  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length);
    if (length === 0) return;
    // Feeding P1 XOR IV XOR chain makes the continuing chain compute E(P1 XOR IV).
    const chain = this.chain;
    const first = ivOffset + 8;
    for (let i = 0; i < 8; i++) bytes[first + i] = bytes[first + i]! ^ bytes[ivOffset + i]! ^ chain[i]!;
    const out = this.encryptor.update(bytes.subarray(first, first + length));
    copyBytes(bytes, first, out, 0, length);
    copyBytes(chain, 0, out, length - 8, 8);
  }

  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void {
    checkCbcLength(length);
    const out = this.decryptor.update(bytes.subarray(ivOffset, ivOffset + 8 + length));
    copyBytes(bytes, ivOffset + 8, out, 8, length);
  }
}

class NodeMd5 implements Md5Hasher {
  private hash: crypto.Hash | null = null;

  begin(): void {
    this.hash = crypto.createHash('md5');
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.hash!.update(bytes.subarray(offset, offset + length));
  }

  end(out: Uint8Array, offset: number): void {
    copyBytes(out, offset, this.hash!.digest(), 0, 16);
    this.hash = null;
  }
}

/** HMAC-MD5 through OpenSSL's own HMAC: one Hmac object and one digest per MAC. */
class NodeHmacMd5 implements Mac {
  private hmac: crypto.Hmac | null = null;
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    checkHmacKey(key);
    this.key = Buffer.from(key);
  }

  begin(): void {
    this.hmac = crypto.createHmac('md5', this.key);
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.hmac!.update(bytes.subarray(offset, offset + length));
  }

  end(out: Uint8Array, offset: number, length = HMAC_MD5_96_BYTES): void {
    copyBytes(out, offset, this.hmac!.digest(), 0, length);
    this.hmac = null;
  }
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  createCipher: (name, key, instance) => new NodeCbc(name, key, instance),
  createMd5: () => new NodeMd5(),
  createHmacMd5: (key) => new NodeHmacMd5(key),
};
