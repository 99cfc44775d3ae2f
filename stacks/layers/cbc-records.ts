// DES, three-key 3DES (EDE), AES-128 or AES-256 in CBC mode above the transport (the paper's
// DES/TCP/MD5/IP, and today's AES beside it), in records (records.ts): the header, an IV of one
// block, and the message padded to whole blocks (RFC 1423: 1 to a block of bytes, each the pad
// length), encrypted in place. The padding check catches a wrong key or a damaged last block.

import { type CbcCipher, type CipherName, DES_BLOCK_BYTES } from '../crypto/provider.js';
import { dropGroup } from '../drops.js';
import type { LayerContext } from '../layer.js';
import type { LayerKind } from '../layer-kind.js';
import { EXAMPLE_KEYS, type StackKeys } from '../stack-options.js';
import { RECORD_HEADER_BYTES, RECORD_LIMIT, type RecordDrops, type RecordFormat, RecordLayer, writeRecordHeader } from './records.js';

/** Why DES and 3DES drop a message (reported as des-<reason>). */
export const DES_DROPS = dropGroup('des', {
  Length: 'length', // a record length that is no whole number of blocks behind a header and IV, or too long
  Padding: 'padding', // padding check failed: wrong key or corrupted ciphertext
  Stream: 'stream', // a record cut off: the rest of it never came (or, under PLP, went to another thread)
});

/** Why AES-128 and AES-256 drop a message (reported as aes-<reason>), as DES does. */
export const AES_DROPS = dropGroup('aes', { Length: 'length', Padding: 'padding', Stream: 'stream' });

/** A CBC record format for a cipher of `block`-byte blocks. */
export class CbcRecords implements RecordFormat {
  readonly front: number;
  readonly trailer: number;
  readonly minRecord: number;
  readonly maxRecord: number;
  private readonly block: number;

  constructor(private readonly cipher: CbcCipher) {
    const block = cipher.blockBytes;
    this.block = block;
    this.front = RECORD_HEADER_BYTES + block;
    this.trailer = block;
    this.minRecord = this.front + block;
    this.maxRecord = RECORD_LIMIT - ((RECORD_LIMIT - this.front) % block);
  }

  get name(): string {
    return this.cipher.name;
  }

  wireLength(length: number): number {
    return this.front + (length - (length % this.block)) + this.block;
  }

  capacity(wire: number): number {
    return cbcCapacity(wire, this.block);
  }

  badLength(length: number): boolean {
    const cipherBytes = length - this.front;
    return cipherBytes < this.block || cipherBytes % this.block !== 0;
  }

  seal(bytes: Uint8Array, at: number, length: number): number {
    const block = this.block;
    const pad = block - (length % block);
    const end = at + this.front + length;
    bytes.fill(pad, end, end + pad);
    const wire = this.front + length + pad;
    writeRecordHeader(bytes, at, wire);
    this.cipher.encrypt(bytes, at + RECORD_HEADER_BYTES, length + pad);
    return wire;
  }

  open(bytes: Uint8Array, at: number, length: number): number {
    this.cipher.decrypt(bytes, at + RECORD_HEADER_BYTES, length - this.front);
    const end = at + length;
    const pad = bytes[end - 1]!;
    let bad = pad === 0 || pad > this.block ? 1 : 0;
    for (let i = 2; i <= pad && bad === 0; i++) if (bytes[end - i] !== pad) bad = 1;
    return bad !== 0 ? -1 : end - pad;
  }
}

/**
 * The most message bytes one CBC record of at most `wire` bytes carries, for a cipher of `block`-byte
 * blocks (-1 when none fit): the header, an IV of one block, and at least one byte of padding.
 */
export function cbcCapacity(wire: number, block: number): number {
  const front = RECORD_HEADER_BYTES + block;
  return wire < front + block ? -1 : wire - front - ((wire - front) % block) - 1;
}

/** The most message bytes one DES record of at most `wire` bytes carries (the benchmark's --packet-size checks). */
export function recordCapacity(wire: number): number {
  return cbcCapacity(wire, DES_BLOCK_BYTES);
}

/** A CBC cipher above a transport: DES, 3DES, AES-128 or AES-256. */
export class CbcLayer extends RecordLayer {
  constructor(ctx: LayerContext, cipher: CbcCipher) {
    const group = cipher.name === 'des' || cipher.name === '3des' ? DES_DROPS : AES_DROPS;
    const reasons: RecordDrops = { group, length: group.code.Length, stream: group.code.Stream, check: group.code.Padding };
    super(ctx, new CbcRecords(cipher), reasons);
  }
}

function keyFor(name: CipherName, keys: StackKeys): Uint8Array {
  if (name === 'des') return keys.des;
  if (name === '3des') return keys.tdes;
  return name === 'aes128' ? (keys.aes128 ?? EXAMPLE_KEYS.aes128) : (keys.aes256 ?? EXAMPLE_KEYS.aes256);
}

/** A CBC cipher above a transport: the message's padding is what the layer itself checks. */
function cbcKind(name: CipherName): LayerKind {
  const group = name === 'des' || name === '3des' ? DES_DROPS : AES_DROPS;
  return {
    name,
    below: ['tcp', 'udp'],
    top: true,
    gateway: false,
    build: (b) => new CbcLayer(b.ctx, b.provider.createCipher(name, keyFor(name, b.keys), b.instance)),
    drops: group,
    checks: () => ({ enforced: [`${name} padding`], computedOnly: [] }),
    primitives: () => [name],
    fuzzStacks: {
      des: ['des/tcp/ip/fddi'],
      '3des': [],
      aes128: ['aes128/tcp/sha256/ip/fddi', 'aes128/udp/ip/eth'],
      aes256: ['aes256/udp/sha1/ip/eth'],
    }[name],
  };
}

export const DES_KIND = cbcKind('des');
export const TDES_KIND = cbcKind('3des');
export const AES128_KIND = cbcKind('aes128');
export const AES256_KIND = cbcKind('aes256');
