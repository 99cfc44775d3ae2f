// The raw primitives the stacks are built on, one packet's worth per call: an RFC 1071 checksum
// pass, an MD5 digest, DES-CBC and 3DES-CBC encryption. `--layers` times them beside the layers;
// every stack run times them too (calibration), so a stack's throughput can be divided by its
// primitive's, measured on the same machine in the same run.

import { Prng } from '../drivers/prng.js';
import { internetChecksum } from '../stacks/checksum.js';
import { type CryptoProviderName, cryptoProvider } from '../stacks/crypto/index.js';

export type PrimitiveName = 'checksum' | 'md5' | 'des' | '3des';

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
  const cipher = provider.createCipher(name, new Prng(4).fill(new Uint8Array(name === 'des' ? 8 : 24)), 0);
  const length = Math.max(8, packetSize - (packetSize % 8));
  return {
    name,
    crypto,
    run: () => {
      cipher.encrypt(data, 0, length);
      return data[8]!;
    },
  };
}
