// What the MD5 and DES layers need from a crypto library. Two providers implement it: crypto-js
// (pure JavaScript, the default) and node:crypto (OpenSSL). They give byte-identical output.

export type CipherName = 'des' | '3des';
export type CryptoProviderName = 'cryptojs' | 'node';
export const CRYPTO_PROVIDERS: readonly CryptoProviderName[] = ['cryptojs', 'node'];

export const DES_BLOCK_BYTES = 8;
export const KEY_BYTES: Record<CipherName, number> = { des: 8, '3des': 24 };

/**
 * DES or three-key 3DES (EDE) in CBC mode, in place. The IV of each message is the cipher applied
 * to a 64-bit nonce, [instance id, counter] (NIST SP 800-38A, Appendix C): fresh and unpredictable
 * without the key, and the same for both providers.
 */
export interface CbcCipher {
  readonly name: CipherName;
  /**
   * Writes the next IV at `ivOffset` and encrypts the `length` bytes behind it (a multiple of 8)
   * in place.
   */
  encrypt(bytes: Uint8Array, ivOffset: number, length: number): void;
  /** Encrypts in place under the IV already at `ivOffset` (known-answer tests, replays). */
  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void;
  /** Decrypts the `length` bytes behind the IV at `ivOffset` in place. */
  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void;
}

/** An MD5 computation fed in pieces: begin, update..., end. */
export interface Md5Hasher {
  begin(): void;
  update(bytes: Uint8Array, offset: number, length: number): void;
  /** Writes the 16-byte digest at `out[offset]`. */
  end(out: Uint8Array, offset: number): void;
}

/** A keyed MAC fed in pieces (HMAC-MD5, RFC 2104): begin, update..., end. */
export interface Mac {
  begin(): void;
  update(bytes: Uint8Array, offset: number, length: number): void;
  /** Writes the first `length` bytes of the MAC (16 for the whole, 12 for HMAC-MD5-96) at out[offset]. */
  end(out: Uint8Array, offset: number, length?: number): void;
}

export interface CryptoProvider {
  readonly name: CryptoProviderName;
  /** `instance` keeps the IVs of different senders sharing a key apart (a worker id, say). */
  createCipher(name: CipherName, key: Uint8Array, instance: number): CbcCipher;
  createMd5(): Md5Hasher;
  /** HMAC-MD5 under `key` (1 to 64 bytes). */
  createHmacMd5(key: Uint8Array): Mac;
}

export function checkKey(name: CipherName, key: Uint8Array): void {
  if (key.length !== KEY_BYTES[name]) {
    throw new RangeError(`${name} needs a ${KEY_BYTES[name]}-byte key, got ${key.length} bytes`);
  }
}

export function checkCbcLength(length: number): void {
  if (length % DES_BLOCK_BYTES !== 0) throw new RangeError(`CBC length ${length} is not a multiple of ${DES_BLOCK_BYTES}`);
}
