// HMAC (RFC 2104) on a provider's hash: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ data)), truncated for IPsec
// (HMAC-MD5-96, RFC 2403; HMAC-SHA1-96, RFC 2404; HMAC-SHA-256-128, RFC 4868). crypto-js has no
// in-place HMAC, so it is built here. The padded key blocks are made once; a MAC allocates nothing.

import { HASH_BLOCK_BYTES, type HashName, type Hasher, type Mac } from './provider.js';

export const HMAC_MD5_96_BYTES = 12;
/** The ICV IPsec keeps of each HMAC: HMAC-MD5-96 (RFC 2403), HMAC-SHA1-96 (RFC 2404), HMAC-SHA-256-128 (RFC 4868). */
export const HMAC_ICV_BYTES: Record<HashName, number> = { md5: HMAC_MD5_96_BYTES, sha1: 12, sha256: 16 };

/** Both providers take keys of 1 to 64 bytes (one hash block: no key hashing). */
export function checkHmacKey(key: Uint8Array): void {
  if (key.length === 0 || key.length > HASH_BLOCK_BYTES)
    throw new RangeError(`HMAC: a key of 1 to ${HASH_BLOCK_BYTES} bytes is required, got ${key.length}`);
}

export class Hmac implements Mac {
  private readonly inner = new Uint8Array(HASH_BLOCK_BYTES);
  private readonly outer = new Uint8Array(HASH_BLOCK_BYTES);
  private readonly digest: Uint8Array;

  constructor(
    private readonly hash: Hasher,
    key: Uint8Array,
  ) {
    checkHmacKey(key);
    this.digest = new Uint8Array(hash.digestBytes);
    for (let i = 0; i < HASH_BLOCK_BYTES; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** Starts a MAC; feed the data with `update`, then `end`. */
  begin(): void {
    this.hash.begin();
    this.hash.update(this.inner, 0, HASH_BLOCK_BYTES);
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.hash.update(bytes, offset, length);
  }

  /** Writes the first `length` bytes of the MAC (12 by default: the -96 truncations) at out[offset]. */
  end(out: Uint8Array, offset: number, length = HMAC_MD5_96_BYTES): void {
    const hash = this.hash;
    hash.end(this.digest, 0);
    hash.begin();
    hash.update(this.outer, 0, HASH_BLOCK_BYTES);
    hash.update(this.digest, 0, this.digest.length);
    hash.end(this.digest, 0);
    for (let i = 0; i < length; i++) out[offset + i] = this.digest[i]!;
  }
}
