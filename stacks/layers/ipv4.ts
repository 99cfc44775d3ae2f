// IPv4 (RFC 791): one header per datagram, the identification counter in a shared-able block,
// protocol demultiplexing to the one layer above. Datagrams are sent whole with DF set; fragments
// that arrive are dropped and counted, not reassembled. Below a forwarding layer (a packet
// screen, whose IP protocol is 0) every destination and every protocol goes up: a gateway sees
// traffic that is not addressed to it.

import { fold, onesSum } from '../checksum.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import { CounterBlock } from '../counter-block.js';
import type { Msg } from '../message.js';
import { IP_FLAG_MF, IP_FRAGMENT_OFFSET_MASK, IPV4_HEADER_BYTES, Ipv4Offset, writeIpv4Header } from '../wire/ipv4.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as ip-<reason>). */
export const IP_DROPS = dropGroup('ip', {
  Version: 'version',
  HeaderLength: 'header-length',
  Checksum: 'checksum',
  TotalLength: 'total-length',
  Fragment: 'fragment', // fragments are not reassembled: every stack sends whole datagrams (DF set)
  Destination: 'destination',
  Protocol: 'protocol',
});
const Drop = IP_DROPS.code;

export interface IpEndpoints {
  localAddr: number;
  remoteAddr: number;
}

export class IpLayer extends Layer {
  readonly name = 'ip';
  readonly headerBytes = IPV4_HEADER_BYTES;
  /** The protocol number of the layer above, fixed when the stack is wired. */
  private protocol = 0;
  private mtu = 0;
  /** Bytes past the datagram are link padding only in a frame the link padded to its minimum. */
  private minPayload = 0;
  /** The identification a layer above reserved for the next datagram (ReserveIdent); -1 for none. */
  private reserved = -1;
  constructor(
    ctx: LayerContext,
    private readonly ends: IpEndpoints,
    /** The identification counter: shared between threads under packet-level parallelism. */
    readonly ident = new CounterBlock(),
  ) {
    super(ctx, IP_DROPS);
  }

  override open(): void {
    this.mtu = this.below.control(ControlOp.MaxPayload, 0);
    this.minPayload = this.below.control(ControlOp.MinPayload, 0);
  }

  /** Called by the stack builder: demultiplexing is to one upper protocol per stack; 0 forwards all. */
  override setUpperProtocol(protocol: number): void {
    this.protocol = protocol;
  }

  get forwarding(): boolean {
    return this.protocol === 0;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.mtu - IPV4_HEADER_BYTES;
    if (op === ControlOp.ReserveIdent) return (this.reserved = this.ident.next() & 0xffff);
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    let id = this.reserved;
    if (id >= 0) this.reserved = -1;
    else id = this.ident.next();
    const at = msg.prepend(IPV4_HEADER_BYTES);
    writeIpv4Header(msg.view, at, msg.length, id, this.protocol, this.ends.localAddr, this.ends.remoteAddr);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    const available = msg.length;
    if (available < IPV4_HEADER_BYTES) return this.drops.count(Drop.HeaderLength);
    const versionIhl = view.getUint8(at);
    if (versionIhl >>> 4 !== 4) return this.drops.count(Drop.Version);
    const headerBytes = (versionIhl & 0x0f) << 2;
    if (headerBytes < IPV4_HEADER_BYTES || headerBytes > available) return this.drops.count(Drop.HeaderLength);
    if (fold(onesSum(msg.bytes, at, headerBytes, 0, msg.words)) !== 0xffff) return this.drops.count(Drop.Checksum);
    const totalLength = view.getUint16(at + Ipv4Offset.totalLength);
    if (totalLength < headerBytes || totalLength > available || (totalLength < available && available > this.minPayload)) {
      return this.drops.count(Drop.TotalLength);
    }
    if ((view.getUint16(at + Ipv4Offset.flagsFragment) & (IP_FLAG_MF | IP_FRAGMENT_OFFSET_MASK)) !== 0) {
      return this.drops.count(Drop.Fragment);
    }
    const dst = view.getUint32(at + Ipv4Offset.dst);
    const protocol = view.getUint8(at + Ipv4Offset.protocol);
    if (this.protocol !== 0) {
      if (dst !== this.ends.localAddr) return this.drops.count(Drop.Destination);
      if (protocol !== this.protocol) return this.drops.count(Drop.Protocol);
    }
    msg.srcAddr = view.getUint32(at + Ipv4Offset.src);
    msg.dstAddr = dst;
    msg.protocol = protocol;
    msg.ipIdent = view.getUint16(at + Ipv4Offset.id);
    msg.trimTo(totalLength); // strips link padding
    msg.strip(headerBytes);
    this.above.pop(msg);
  }
}

export const IP_KIND: LayerKind = {
  name: 'ip',
  below: ['fddi', 'eth'],
  top: false,
  gateway: false,
  build: ({ ctx, ends, options }) => new IpLayer(ctx, ends, options.state?.ipIdent ?? new CounterBlock()),
  drops: IP_DROPS,
  checks: () => ({ enforced: ['ip header checksum'], computedOnly: [] }),
  fuzzStacks: [],
};
