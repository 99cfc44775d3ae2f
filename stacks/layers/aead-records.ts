// AES-128-GCM or ChaCha20-Poly1305 above the transport (RFC 5116 AEADs), in records (records.ts):
// the header, the message's 12-byte nonce ([instance id, counter]: never repeated under one key),
// the ciphertext and the 16-byte tag. The header is the associated data, so a record's length is
// authenticated with its contents; a tag that does not match drops the record (its own reason).

import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, type Aead, type AeadName } from '../crypto/provider.js';
import { dropGroup } from '../drops.js';
import type { LayerContext } from '../layer.js';
import type { LayerKind } from '../layer-kind.js';
import { EXAMPLE_KEYS } from '../stack-options.js';
import { RECORD_HEADER_BYTES, RECORD_LIMIT, type RecordFormat, RecordLayer, writeRecordHeader } from './records.js';

const FRONT = RECORD_HEADER_BYTES + AEAD_NONCE_BYTES;

/** Why an AEAD layer drops a message (reported as <layer>-<reason>). */
function aeadDrops(name: AeadName) {
  return dropGroup(name, {
    Length: 'length', // a record length shorter than its nonce and tag, or too long
    Tag: 'tag', // the tag does not match: the record or its header was changed, or another key sealed it
    Stream: 'stream', // a record cut off: the rest of it never came (or, under PLP, went to another thread)
  });
}

export class AeadRecords implements RecordFormat {
  readonly front = FRONT;
  readonly trailer = AEAD_TAG_BYTES;
  readonly minRecord = FRONT + AEAD_TAG_BYTES + 1;
  readonly maxRecord = RECORD_LIMIT;

  constructor(private readonly aead: Aead) {}

  get name(): string {
    return this.aead.name;
  }

  wireLength(length: number): number {
    return FRONT + length + AEAD_TAG_BYTES;
  }

  capacity(wire: number): number {
    return wire < this.minRecord ? -1 : wire - FRONT - AEAD_TAG_BYTES;
  }

  badLength(length: number): boolean {
    return length < this.minRecord;
  }

  seal(bytes: Uint8Array, at: number, length: number): number {
    const wire = FRONT + length + AEAD_TAG_BYTES;
    writeRecordHeader(bytes, at, wire);
    this.aead.seal(bytes, at + RECORD_HEADER_BYTES, at, RECORD_HEADER_BYTES, at + FRONT, length);
    return wire;
  }

  open(bytes: Uint8Array, at: number, length: number): number {
    const data = length - FRONT - AEAD_TAG_BYTES;
    return this.aead.open(bytes, at + RECORD_HEADER_BYTES, bytes, at, RECORD_HEADER_BYTES, at + FRONT, data) ? at + FRONT + data : -1;
  }
}

export class AeadLayer extends RecordLayer {
  constructor(ctx: LayerContext, aead: Aead) {
    const group = aeadDrops(aead.name);
    super(ctx, new AeadRecords(aead), { group, length: group.code.Length, stream: group.code.Stream, check: group.code.Tag });
  }
}

function aeadKind(name: AeadName): LayerKind {
  return {
    name,
    below: ['tcp', 'udp'],
    top: true,
    gateway: false,
    build: (b) => new AeadLayer(b.ctx, b.provider.createAead(name, b.keys[name] ?? EXAMPLE_KEYS[name], b.instance)),
    drops: aeadDrops(name),
    checks: () => ({ enforced: [`${name} tag`], computedOnly: [] }),
    primitives: () => [name],
    fuzzStacks: [`${name}/tcp/ip/fddi`],
  };
}

export const AES128GCM_KIND = aeadKind('aes128gcm');
export const CHACHA20POLY1305_KIND = aeadKind('chacha20poly1305');
