// Link layers: FDDI (LLC/SNAP, MTU 4352) and Ethernet II (MTU 1500). Each instance is one end of a
// point-to-point in-memory link: it sends to its peer's address and accepts frames only from it.
// There is no FCS: the adapter computes and checks it, and captures (pcap) carry frames without it.

import { dropGroup } from '../drops.js';
import { ControlOp, type FrameSink, Layer, type LayerContext, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { type MacAddress, macEquals, nonCanonicalMac } from '../wire/address.js';
import { ETH_HEADER_BYTES, ETH_MIN_FRAME, ETH_MTU, EthOffset, writeEthHeader } from '../wire/ethernet.js';
import {
  ETHERTYPE_IPV4,
  FDDI_FC_LLC_ASYNC,
  FDDI_HEADER_BYTES,
  FDDI_MTU,
  FddiOffset,
  LLC_SNAP_SAP,
  LLC_UI,
  writeFddiHeader,
} from '../wire/fddi.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as link-<reason>). */
export const LINK_DROPS = dropGroup('link', {
  Runt: 'runt', // shorter than the link header
  Giant: 'giant', // longer than the link MTU allows
  FrameControl: 'frame-control', // FDDI frame control is not an LLC frame
  Destination: 'destination', // destination address is not ours
  Source: 'source', // source address is not the peer of this point-to-point link
  Llc: 'llc', // 802.2 LLC/SNAP header is not AA-AA-03 / OUI 0
  Type: 'type', // ethertype is not IPv4
});
const Drop = LINK_DROPS.code;

export interface LinkEndpoints {
  localMac: MacAddress;
  remoteMac: MacAddress;
}

const NO_DRIVER: FrameSink = {
  transmit() {
    throw new Error('link layer has no driver attached');
  },
};

export abstract class LinkLayer extends Layer {
  /** pcap LINKTYPE_* of the frames this layer emits. */
  abstract readonly linkType: number;
  abstract readonly mtu: number;
  /** Shortest payload the link carries unpadded. */
  readonly minPayload: number = 0;
  driver: FrameSink = NO_DRIVER;
  /** Where the addresses sit in this link's header. */
  protected abstract readonly dstOffset: number;
  protected abstract readonly srcOffset: number;
  /** The addresses as this link carries them. */
  protected readonly wire: LinkEndpoints;

  constructor(ctx: LayerContext, ends: LinkEndpoints, toWire: (mac: MacAddress) => MacAddress = (mac) => mac) {
    super(ctx, LINK_DROPS);
    this.wire = { localMac: toWire(ends.localMac), remoteMac: toWire(ends.remoteMac) };
  }

  override control(op: ControlOp, _arg: number): number {
    if (op === ControlOp.MaxPayload) return this.mtu;
    if (op === ControlOp.MinPayload) return this.minPayload;
    return -1;
  }

  /** Writes this link's header in front of the message (addresses in wire form). */
  protected abstract writeHeader(msg: Msg): void;

  /** Checks the header fields other than length and addresses; answers a drop reason or -1. */
  protected abstract checkHeader(view: DataView, at: number): number;

  push(msg: Msg): SendStatus {
    this.writeHeader(msg);
    this.driver.transmit(msg);
    return SendStatus.Sent;
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    const drops = this.drops;
    if (msg.length < this.headerBytes) return drops.count(Drop.Runt);
    if (msg.length > this.headerBytes + this.mtu) return drops.count(Drop.Giant);
    const bad = this.checkHeader(view, at);
    if (bad >= 0) return drops.count(bad);
    if (!macEquals(view, at + this.dstOffset, this.wire.localMac)) return drops.count(Drop.Destination);
    if (!macEquals(view, at + this.srcOffset, this.wire.remoteMac)) return drops.count(Drop.Source);
    msg.strip(this.headerBytes);
    this.above.pop(msg);
  }
}

const LLC_SNAP_UI = ((LLC_SNAP_SAP << 24) | (LLC_SNAP_SAP << 16) | (LLC_UI << 8)) >>> 0;

export class FddiLayer extends LinkLayer {
  readonly name = 'fddi';
  readonly headerBytes = FDDI_HEADER_BYTES;
  readonly linkType = 10; // LINKTYPE_FDDI
  readonly mtu = FDDI_MTU;
  protected readonly dstOffset = FddiOffset.dst;
  protected readonly srcOffset = FddiOffset.src;

  constructor(ctx: LayerContext, ends: LinkEndpoints) {
    // FDDI sends addresses most significant bit first: its headers hold them bit-reversed.
    super(ctx, ends, nonCanonicalMac);
  }

  protected writeHeader(msg: Msg): void {
    writeFddiHeader(msg.view, msg.prepend(FDDI_HEADER_BYTES), this.wire.remoteMac, this.wire.localMac, ETHERTYPE_IPV4);
  }

  protected checkHeader(view: DataView, at: number): number {
    if (view.getUint8(at + FddiOffset.fc) !== FDDI_FC_LLC_ASYNC) return Drop.FrameControl;
    if (view.getUint32(at + FddiOffset.dsap) !== LLC_SNAP_UI || view.getUint16(at + FddiOffset.oui + 1) !== 0) return Drop.Llc;
    if (view.getUint16(at + FddiOffset.type) !== ETHERTYPE_IPV4) return Drop.Type;
    return -1;
  }
}

export class EthernetLayer extends LinkLayer {
  readonly name = 'eth';
  readonly headerBytes = ETH_HEADER_BYTES;
  override readonly trailerBytes = ETH_MIN_FRAME;
  readonly linkType = 1; // LINKTYPE_ETHERNET
  readonly mtu = ETH_MTU;
  override readonly minPayload = ETH_MIN_FRAME - ETH_HEADER_BYTES;
  protected readonly dstOffset = EthOffset.dst;
  protected readonly srcOffset = EthOffset.src;

  protected writeHeader(msg: Msg): void {
    writeEthHeader(msg.view, msg.prepend(ETH_HEADER_BYTES), this.wire.remoteMac, this.wire.localMac, ETHERTYPE_IPV4);
    const short = ETH_MIN_FRAME - msg.length;
    if (short > 0) msg.bytes.fill(0, msg.append(short), msg.tail);
  }

  protected checkHeader(view: DataView, at: number): number {
    return view.getUint16(at + EthOffset.type) !== ETHERTYPE_IPV4 ? Drop.Type : -1;
  }
}

/** A link layer: the bottom of every stack. */
function linkKind(name: 'fddi' | 'eth', make: (ctx: LayerContext, ends: LinkEndpoints) => LinkLayer): LayerKind {
  return {
    name,
    below: [],
    top: false,
    gateway: false,
    build: ({ ctx, macs }) => make(ctx, macs),
    drops: LINK_DROPS,
    checks: () => ({ enforced: ['link header and addresses'], computedOnly: [] }),
    fuzzStacks: [],
  };
}

export const FDDI_KIND = linkKind('fddi', (ctx, ends) => new FddiLayer(ctx, ends));
export const ETH_KIND = linkKind('eth', (ctx, ends) => new EthernetLayer(ctx, ends));
