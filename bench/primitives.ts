// The raw primitives the stacks are built on, one packet's worth per call: an RFC 1071 checksum
// pass, an MD5 digest, DES-CBC and 3DES-CBC encryption, and today's: AES-128/256-CBC, HMAC-SHA1 and
// HMAC-SHA-256, AES-128-GCM and ChaCha20-Poly1305 sealing. `--layers` times them beside the layers;
// every stack run times them too (calibration), so a stack's throughput can be divided by its
// primitive's, measured on the same machine in the same run.

import { Prng } from '../drivers/prng.js';
import { internetChecksum } from '../stacks/checksum.js';
import { AEAD_TAG_BYTES, type CryptoProviderName, KEY_BYTES, cryptoProvider } from '../stacks/crypto/index.js';
import type { CryptoPrimitive } from '../stacks/layer-kind.js';

export type PrimitiveName = 'checksum' | CryptoPrimitive;

export interface Primitive {
  name: PrimitiveName;
  /** Null for the checksum (our own code, whatever the provider). */
  crypto: CryptoProviderName | null;
  /** Processes one packet of data; answers a value derived from the result (keep it: a sink). */
  run(): number;
}

export function checksumPrimitive(packetSize: number): Primitive {
  const data = new Prng(3).fill(new Uint8Array(packetSize + 64));
  const words = new Uint32Array(data.buffer); // as the stacks pass their buffers' word views
  return { name: 'checksum', crypto: null, run: () => internetChecksum(data, 0, packetSize, 0, words) };
}

export function cryptoPrimitive(name: Exclude<PrimitiveName, 'checksum'>, crypto: CryptoProviderName, packetSize: number): Primitive {
  const data = new Prng(3).fill(new Uint8Array(packetSize + 64));
  const provider = cryptoProvider(crypto);
  if (name === 'md5') {
    const md5 = provider.createMd5();
    const digest = new Uint8Array(16);
    return {
      name,
      crypto,
      run: () => {
        md5.begin();
        md5.update(data, 0, packetSize);
        md5.end(digest, 0);
        return digest[0]!;
      },
    };
  }
  if (name === 'sha1' || name === 'sha256') {
    const mac = provider.createHmac(name, new Prng(4).fill(new Uint8Array(20)));
    const icv = new Uint8Array(16);
    return {
      name,
      crypto,
      run: () => {
        mac.begin();
        mac.update(data, 0, packetSize);
        mac.end(icv, 0, 16);
        return icv[0]!;
      },
    };
  }
  if (name === 'aes128gcm' || name === 'chacha20poly1305') {
    const aead = provider.createAead(name, new Prng(4).fill(new Uint8Array(KEY_BYTES[name])), 0);
    const sealed = new Uint8Array(16 + packetSize + AEAD_TAG_BYTES);
    sealed.set(data.subarray(0, packetSize), 16);
    return {
      name,
      crypto,
      // [header (AAD) ‖ nonce ‖ data ‖ tag], sealed in place as the record layers do.
      run: () => {
        aead.seal(sealed, 4, 0, 4, 16, packetSize);
        return sealed[16 + packetSize]!;
      },
    };
  }
  const cipher = provider.createCipher(name, new Prng(4).fill(new Uint8Array(KEY_BYTES[name])), 0);
  const block = cipher.blockBytes;
  const length = Math.max(block, packetSize - (packetSize % block));
  return {
    name,
    crypto,
    run: () => {
      cipher.encrypt(data, 0, length);
      return data[block]!;
    },
  };
}
