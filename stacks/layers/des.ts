// DES or three-key 3DES (EDE) in CBC mode above the transport (the paper's DES/TCP/MD5/IP):
// an 8-byte IV in front, the message padded to whole blocks (RFC 1423: 1 to 8 bytes, each the
// pad length), encrypted in place. The padding check catches a wrong key or a damaged last block.

import type { CbcCipher } from '../crypto/provider.js';
import { DES_BLOCK_BYTES } from '../crypto/provider.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as des-<reason>). */
export const DES_DROPS = dropGroup('des', {
  Length: 'length', // not a whole number of 8-byte blocks behind an IV
  Padding: 'padding', // padding check failed: wrong key or corrupted ciphertext
});
const Drop = DES_DROPS.code;

const IV_BYTES = DES_BLOCK_BYTES;

/** Bytes on the wire for a message of `length` bytes: IV plus padded data. */
export function desWireLength(length: number): number {
  return IV_BYTES + (length - (length % DES_BLOCK_BYTES)) + DES_BLOCK_BYTES;
}

export class DesLayer extends Layer {
  readonly headerBytes = IV_BYTES;
  override readonly trailerBytes = DES_BLOCK_BYTES;

  constructor(
    ctx: LayerContext,
    private readonly cipher: CbcCipher,
  ) {
    super(ctx, DES_DROPS);
  }

  get name(): string {
    return this.cipher.name;
  }

  override control(op: ControlOp, arg: number): number {
    switch (op) {
      case ControlOp.MaxPayload: {
        // The largest length whose padded form plus IV fits what the layer below takes.
        const below = this.below.control(op, arg) - IV_BYTES;
        return below - (below % DES_BLOCK_BYTES) - 1;
      }
      case ControlOp.CanSend:
        return this.below.control(op, desWireLength(arg));
      default:
        return super.control(op, arg);
    }
  }

  push(msg: Msg): SendStatus {
    const length = msg.length;
    const pad = DES_BLOCK_BYTES - (length % DES_BLOCK_BYTES);
    // Ask first: once encrypted in place, the message cannot be handed back unchanged.
    if (this.below.control(ControlOp.CanSend, IV_BYTES + length + pad) === 0) {
      return this.below.control(ControlOp.MaxPayload, 0) < IV_BYTES + length + pad ? SendStatus.TooBig : SendStatus.WouldBlock;
    }
    const padAt = msg.append(pad);
    msg.bytes.fill(pad, padAt, padAt + pad);
    const at = msg.prepend(IV_BYTES);
    this.cipher.encrypt(msg.bytes, at, length + pad);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const length = msg.length - IV_BYTES;
    if (length < DES_BLOCK_BYTES || length % DES_BLOCK_BYTES !== 0) return this.drops.count(Drop.Length);
    const at = msg.head;
    const bytes = msg.bytes;
    this.cipher.decrypt(bytes, at, length);
    const pad = bytes[msg.tail - 1]!;
    let bad = pad === 0 || pad > DES_BLOCK_BYTES ? 1 : 0;
    for (let i = 2; i <= pad && bad === 0; i++) if (bytes[msg.tail - i] !== pad) bad = 1;
    if (bad !== 0) return this.drops.count(Drop.Padding);
    msg.strip(IV_BYTES);
    msg.trimTo(length - pad);
    this.above.pop(msg);
  }
}

/** DES or 3DES above a transport: the message's padding is what the layer itself checks. */
function desKind(name: 'des' | '3des'): LayerKind {
  return {
    name,
    below: ['tcp', 'udp'],
    top: true,
    gateway: false,
    build: (b) => new DesLayer(b.ctx, b.provider.createCipher(name, name === 'des' ? b.keys.des : b.keys.tdes, b.instance)),
    drops: DES_DROPS,
    checks: () => ({ enforced: [`${name} padding`], computedOnly: [] }),
    primitives: () => [name],
    fuzzStacks: name === 'des' ? ['des/tcp/ip/fddi'] : [],
  };
}

export const DES_KIND = desKind('des');
export const TDES_KIND = desKind('3des');
