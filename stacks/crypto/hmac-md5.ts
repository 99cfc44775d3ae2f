// HMAC-MD5 (RFC 2104), truncated to 96 bits for IPsec (RFC 2403): MD5((K ⊕ opad) ‖ MD5((K ⊕ ipad) ‖ data)),
// built on a provider's MD5 (crypto-js has no in-place HMAC). The padded key blocks are made once;
// a MAC allocates nothing.

import type { Mac, Md5Hasher } from './provider.js';

export const HMAC_MD5_96_BYTES = 12;
const BLOCK = 64;

/** Both providers take keys of 1 to 64 bytes (one MD5 block: no key hashing). */
export function checkHmacKey(key: Uint8Array): void {
  if (key.length === 0 || key.length > BLOCK) throw new RangeError(`HMAC-MD5: a key of 1 to ${BLOCK} bytes is required, got ${key.length}`);
}

export class HmacMd5 implements Mac {
  private readonly inner = new Uint8Array(BLOCK);
  private readonly outer = new Uint8Array(BLOCK);
  private readonly digest = new Uint8Array(16);

  constructor(
    private readonly md5: Md5Hasher,
    key: Uint8Array,
  ) {
    checkHmacKey(key);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** Starts a MAC; feed the data with `update`, then `end`. */
  begin(): void {
    this.md5.begin();
    this.md5.update(this.inner, 0, BLOCK);
  }

  update(bytes: Uint8Array, offset: number, length: number): void {
    this.md5.update(bytes, offset, length);
  }

  /** Writes the first `length` bytes of the MAC (16 for the whole, 12 for HMAC-MD5-96) at out[offset]. */
  end(out: Uint8Array, offset: number, length = HMAC_MD5_96_BYTES): void {
    const md5 = this.md5;
    md5.end(this.digest, 0);
    md5.begin();
    md5.update(this.outer, 0, BLOCK);
    md5.update(this.digest, 0, 16);
    md5.end(this.digest, 0);
    for (let i = 0; i < length; i++) out[offset + i] = this.digest[i]!;
  }
}
