// What the crypto layers need from a crypto library: the paper's DES, 3DES and MD5, and today's AES
// (CBC and GCM), ChaCha20-Poly1305, SHA-1 and SHA-256. Two providers implement it: crypto-js (pure
// JavaScript, the default) and node:crypto (OpenSSL). They give byte-identical output where both
// have the algorithm; crypto-js has no GCM or ChaCha20-Poly1305 (`supports` says so).

export type CipherName = 'des' | '3des' | 'aes128' | 'aes256';
export type HashName = 'md5' | 'sha1' | 'sha256';
export type AeadName = 'aes128gcm' | 'chacha20poly1305';
export type CryptoProviderName = 'cryptojs' | 'node';
export const CRYPTO_PROVIDERS: readonly CryptoProviderName[] = ['cryptojs', 'node'];

export const DES_BLOCK_BYTES = 8;
export const AES_BLOCK_BYTES = 16;
export const KEY_BYTES: Record<CipherName | AeadName, number> = {
  des: 8,
  '3des': 24,
  aes128: 16,
  aes256: 32,
  aes128gcm: 16,
  chacha20poly1305: 32,
};
export const BLOCK_BYTES: Record<CipherName, number> = { des: 8, '3des': 8, aes128: 16, aes256: 16 };
export const DIGEST_BYTES: Record<HashName, number> = { md5: 16, sha1: 20, sha256: 32 };
/** Every hash here works on 64-byte blocks (HMAC pads its key to one). */
export const HASH_BLOCK_BYTES = 64;
/** An AEAD's nonce (RFC 5116's recommended 12 bytes) and tag. */
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

/**
 * A block cipher in CBC mode, in place: DES, three-key 3DES (EDE), AES-128 or AES-256. The IV of
 * each message is the cipher applied to a nonce block, [instance id, zeros, counter] (NIST SP
 * 800-38A, Appendix C): fresh and unpredictable without the key, and the same for both providers.
 */
export interface CbcCipher {
  readonly name: CipherName;
  /** The block (and IV) size: 8 for DES and 3DES, 16 for AES. */
  readonly blockBytes: number;
  /**
   * Writes the next IV at `ivOffset` and encrypts the `length` bytes behind it (a multiple of the
   * block) in place.
   */
  encrypt(bytes: Uint8Array, ivOffset: number, length: number): void;
  /** Encrypts in place under the IV already at `ivOffset` (known-answer tests, replays). */
  encryptWithIv(bytes: Uint8Array, ivOffset: number, length: number): void;
  /** Decrypts the `length` bytes behind the IV at `ivOffset` in place. */
  decrypt(bytes: Uint8Array, ivOffset: number, length: number): void;
}

/** A hash computation fed in pieces: begin, update..., end (MD5, SHA-1, SHA-256). */
export interface Hasher {
  readonly digestBytes: number;
  begin(): void;
  update(bytes: Uint8Array, offset: number, length: number): void;
  /** Writes the whole digest at `out[offset]`. */
  end(out: Uint8Array, offset: number): void;
}

/** An MD5 computation (a Hasher of 16 bytes). */
export type Md5Hasher = Hasher;

/** A keyed MAC fed in pieces (HMAC, RFC 2104): begin, update..., end. */
export interface Mac {
  begin(): void;
  update(bytes: Uint8Array, offset: number, length: number): void;
  /** Writes the first `length` bytes of the MAC at out[offset] (default 12: HMAC-MD5-96 and HMAC-SHA1-96). */
  end(out: Uint8Array, offset: number, length?: number): void;
}

/**
 * An AEAD (RFC 5116) in place: AES-128-GCM or ChaCha20-Poly1305, a 12-byte nonce per message and a
 * 16-byte tag. The nonce of each message is [instance id, 8-byte counter], written by `seal`: never
 * repeated under one key while instances differ, as RFC 5116 3.2 asks.
 */
export interface Aead {
  readonly name: AeadName;
  /**
   * Writes the next nonce at `nonceAt`, encrypts bytes[at, at + length) in place, authenticating
   * bytes[aadAt, aadAt + aadLength) too, and writes the tag at `at + length`.
   */
  seal(bytes: Uint8Array, nonceAt: number, aadAt: number, aadLength: number, at: number, length: number): void;
  /** As seal, under the nonce at nonce[nonceAt] (ESP's salt and IV, known-answer tests). */
  sealWithNonce(nonce: Uint8Array, nonceAt: number, bytes: Uint8Array, aadAt: number, aadLength: number, at: number, length: number): void;
  /**
   * Checks the tag at `at + length` under the nonce at nonce[nonceAt] and decrypts in place; answers
   * false when the tag does not match, leaving the data as it was unless `anyway` (a benchmark that
   * replays templates, whose tags cannot match, still decrypts them).
   */
  open(
    nonce: Uint8Array,
    nonceAt: number,
    bytes: Uint8Array,
    aadAt: number,
    aadLength: number,
    at: number,
    length: number,
    anyway?: boolean,
  ): boolean;
}

export interface CryptoProvider {
  readonly name: CryptoProviderName;
  /** Whether this provider has the algorithm (crypto-js has no GCM and no ChaCha20-Poly1305). */
  supports(name: CipherName | HashName | AeadName): boolean;
  /** `instance` keeps the IVs of different senders sharing a key apart (a worker id, say). */
  createCipher(name: CipherName, key: Uint8Array, instance: number): CbcCipher;
  createHash(name: HashName): Hasher;
  createMd5(): Md5Hasher;
  /** HMAC with `hash` under `key` (1 to 64 bytes). */
  createHmac(hash: HashName, key: Uint8Array): Mac;
  /** HMAC-MD5 under `key` (1 to 64 bytes). */
  createHmacMd5(key: Uint8Array): Mac;
  /** `instance` keeps the nonces of different senders sharing a key apart. Throws where `supports` answers false. */
  createAead(name: AeadName, key: Uint8Array, instance: number): Aead;
}

export function checkKey(name: CipherName | AeadName, key: Uint8Array): void {
  if (key.length !== KEY_BYTES[name]) {
    throw new RangeError(`${name} needs a ${KEY_BYTES[name]}-byte key, got ${key.length} bytes`);
  }
}

export function checkCbcLength(length: number, block = DES_BLOCK_BYTES): void {
  if (length % block !== 0) throw new RangeError(`CBC length ${length} is not a multiple of ${block}`);
}

/**
 * The nonce block an IV is made from (SP 800-38A, Appendix C): the instance id in its first 4
 * bytes, the counter in its last 4, zeros between (none for an 8-byte block).
 */
export function writeNonceBlock(bytes: Uint8Array, at: number, block: number, instance: number, counter: number): void {
  bytes.fill(0, at, at + block);
  writeWord(bytes, at, instance >>> 0);
  writeWord(bytes, at + block - 4, counter >>> 0);
}

/** An AEAD nonce (12 bytes): the instance id, then a 64-bit counter (its high half zero below 2^32 messages). */
export function writeAeadNonce(bytes: Uint8Array, at: number, instance: number, counter: number): void {
  writeWord(bytes, at, instance >>> 0);
  writeWord(bytes, at + 4, Math.floor(counter / 0x1_0000_0000) >>> 0);
  writeWord(bytes, at + 8, counter >>> 0);
}

function writeWord(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = v >>> 24;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}
