// DES or three-key 3DES (EDE) in CBC mode above the transport (the paper's DES/TCP/MD5/IP):
// an 8-byte IV in front, the message padded to whole blocks (RFC 1423: 1 to 8 bytes, each the
// pad length), encrypted in place. The padding check catches a wrong key or a damaged last block.

import type { CbcCipher } from '../crypto/provider.js';
import { DES_BLOCK_BYTES } from '../crypto/provider.js';
import { DropReason } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';

const IV_BYTES = DES_BLOCK_BYTES;

/** Bytes on the wire for a message of `length` bytes: IV plus padded data. */
export function desWireLength(length: number): number {
  return IV_BYTES + (length - (length % DES_BLOCK_BYTES)) + DES_BLOCK_BYTES;
}

export class DesLayer extends Layer {
  readonly headerBytes = IV_BYTES;
  override readonly trailerBytes = DES_BLOCK_BYTES;

  constructor(ctx: LayerContext, private readonly cipher: CbcCipher) {
    super(ctx);
  }

  get name(): string {
    return this.cipher.name;
  }

  override control(op: ControlOp, arg: number): number {
    switch (op) {
      case ControlOp.MaxPayload: {
        // The largest length whose padded form plus IV fits what the layer below takes.
        const below = this.below!.control(op, arg) - IV_BYTES;
        return below - (below % DES_BLOCK_BYTES) - 1;
      }
      case ControlOp.CanSend:
        return this.below!.control(op, desWireLength(arg));
      default:
        return super.control(op, arg);
    }
  }

  push(msg: Msg): SendStatus {
    const length = msg.length;
    const pad = DES_BLOCK_BYTES - (length % DES_BLOCK_BYTES);
    // Ask first: once encrypted in place, the message cannot be handed back unchanged.
    if (this.below!.control(ControlOp.CanSend, IV_BYTES + length + pad) === 0) {
      return this.below!.control(ControlOp.MaxPayload, 0) < IV_BYTES + length + pad ? SendStatus.TooBig : SendStatus.WouldBlock;
    }
    const padAt = msg.append(pad);
    msg.bytes.fill(pad, padAt, padAt + pad);
    const at = msg.push(IV_BYTES);
    this.cipher.encrypt(msg.bytes, at, length + pad);
    return this.below!.push(msg);
  }

  pop(msg: Msg): void {
    const length = msg.length - IV_BYTES;
    if (length < DES_BLOCK_BYTES || length % DES_BLOCK_BYTES !== 0) return this.ctx.drops.count(DropReason.DesLength);
    const at = msg.head;
    const bytes = msg.bytes;
    this.cipher.decrypt(bytes, at, length);
    const pad = bytes[msg.tail - 1]!;
    let bad = pad === 0 || pad > DES_BLOCK_BYTES ? 1 : 0;
    for (let i = 2; i <= pad && bad === 0; i++) if (bytes[msg.tail - i] !== pad) bad = 1;
    if (bad !== 0) return this.ctx.drops.count(DropReason.DesPadding);
    msg.head = at + IV_BYTES;
    msg.tail -= pad;
    this.above.pop(msg);
  }
}
