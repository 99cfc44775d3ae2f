// UDP (RFC 768) with its checksum over the pseudo-header. Our senders always checksum, so a zero
// ("no checksum") from the peer is refused unless the layer is told to accept it.

import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../checksum.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, type TransportEndpoints, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { IP_PROTO_UDP } from '../wire/ipv4.js';
import { UDP_HEADER_BYTES, UdpOffset, writeUdpHeader } from '../wire/udp.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as udp-<reason>). */
export const UDP_DROPS = dropGroup('udp', {
  Length: 'length',
  Checksum: 'checksum',
  NoChecksum: 'no-checksum', // checksum 0 ("none") where our peer always sends one
  Port: 'port',
});
const Drop = UDP_DROPS.code;

export interface UdpEndpoints extends TransportEndpoints {
  /** Accept datagrams that carry no checksum (RFC 768 allows it). Default: refuse. */
  acceptZeroChecksum?: boolean;
}

export class UdpLayer extends Layer {
  readonly name = 'udp';
  readonly headerBytes = UDP_HEADER_BYTES;
  override readonly ipProtocol = IP_PROTO_UDP;
  private maxPayload = 0;

  constructor(
    ctx: LayerContext,
    private readonly ends: UdpEndpoints,
  ) {
    super(ctx, UDP_DROPS);
  }

  override open(): void {
    this.maxPayload = Math.min(0xffff, this.below.control(ControlOp.MaxPayload, 0)) - UDP_HEADER_BYTES;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.maxPayload;
    if (op === ControlOp.CanSend) return arg <= this.maxPayload ? 1 : 0;
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    if (msg.length > this.maxPayload) return SendStatus.TooBig;
    const at = msg.prepend(UDP_HEADER_BYTES);
    const length = msg.length;
    writeUdpHeader(msg.view, at, this.ends.localPort, this.ends.remotePort, length);
    const pseudo = pseudoHeaderSum(this.ends.localAddr, this.ends.remoteAddr, IP_PROTO_UDP, length);
    const sum = internetChecksum(msg.bytes, at, length, pseudo, msg.words);
    msg.view.setUint16(at + UdpOffset.checksum, sum === 0 ? 0xffff : sum);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    if (msg.length < UDP_HEADER_BYTES) return this.drops.count(Drop.Length);
    const length = view.getUint16(at + UdpOffset.length);
    if (length < UDP_HEADER_BYTES || length > msg.length) return this.drops.count(Drop.Length);
    msg.trimTo(length);
    if (view.getUint16(at + UdpOffset.checksum) === 0) {
      if (this.ends.acceptZeroChecksum !== true) return this.drops.count(Drop.NoChecksum);
    } else {
      const pseudo = pseudoHeaderSum(msg.srcAddr, msg.dstAddr, IP_PROTO_UDP, length);
      if (fold(onesSum(msg.bytes, at, length, pseudo, msg.words)) !== 0xffff) return this.drops.count(Drop.Checksum);
    }
    if (view.getUint16(at + UdpOffset.dstPort) !== this.ends.localPort || view.getUint16(at + UdpOffset.srcPort) !== this.ends.remotePort) {
      return this.drops.count(Drop.Port);
    }
    msg.strip(UDP_HEADER_BYTES);
    this.above.pop(msg);
  }
}

export const UDP_KIND: LayerKind = {
  name: 'udp',
  below: ['md5', 'sha1', 'sha256', 'ip'],
  top: true,
  gateway: false,
  transport: 'udp',
  build: ({ ctx, ends }) => new UdpLayer(ctx, ends),
  drops: UDP_DROPS,
  checks: () => ({ enforced: ['udp checksum'], computedOnly: [] }),
  fuzzStacks: ['udp/ip/fddi'],
};
