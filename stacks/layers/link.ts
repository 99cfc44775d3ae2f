// Link layers: FDDI (LLC/SNAP, MTU 4352) and Ethernet II (MTU 1500). Each instance is one end of a
// point-to-point in-memory link: it sends to its peer's address and accepts frames only from it.
// There is no FCS: the adapter computes and checks it, and captures (pcap) carry frames without it.

import { DropReason } from '../drops.js';
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
  driver: FrameSink = NO_DRIVER;

  constructor(ctx: LayerContext, protected readonly ends: LinkEndpoints) {
    super(ctx);
  }

  /** Shortest payload the link carries unpadded. */
  readonly minPayload: number = 0;

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.mtu;
    if (op === ControlOp.MinPayload) return this.minPayload;
    return -1;
  }
}

export class FddiLayer extends LinkLayer {
  readonly name = 'fddi';
  readonly headerBytes = FDDI_HEADER_BYTES;
  readonly linkType = 10; // LINKTYPE_FDDI
  readonly mtu = FDDI_MTU;
  /** The addresses as FDDI carries them (bit-reversed bytes), converted once at set-up. */
  private readonly wire: LinkEndpoints;

  constructor(ctx: LayerContext, ends: LinkEndpoints) {
    super(ctx, ends);
    this.wire = { localMac: nonCanonicalMac(ends.localMac), remoteMac: nonCanonicalMac(ends.remoteMac) };
  }

  push(msg: Msg): SendStatus {
    const at = msg.push(FDDI_HEADER_BYTES);
    writeFddiHeader(msg.view, at, this.wire.remoteMac, this.wire.localMac, ETHERTYPE_IPV4);
    this.driver.transmit(msg);
    return SendStatus.Sent;
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    const drops = this.ctx.drops;
    if (msg.length < FDDI_HEADER_BYTES) return drops.count(DropReason.LinkRunt);
    if (msg.length > FDDI_HEADER_BYTES + FDDI_MTU) return drops.count(DropReason.LinkGiant);
    if (view.getUint8(at + FddiOffset.fc) !== FDDI_FC_LLC_ASYNC) return drops.count(DropReason.LinkFrameControl);
    if (!macEquals(view, at + FddiOffset.dst, this.wire.localMac)) return drops.count(DropReason.LinkDestination);
    if (!macEquals(view, at + FddiOffset.src, this.wire.remoteMac)) return drops.count(DropReason.LinkSource);
    if (
      view.getUint32(at + FddiOffset.dsap) !== ((LLC_SNAP_SAP << 24) | (LLC_SNAP_SAP << 16) | (LLC_UI << 8)) >>> 0 ||
      view.getUint16(at + FddiOffset.oui + 1) !== 0
    ) {
      return drops.count(DropReason.LinkLlc);
    }
    if (view.getUint16(at + FddiOffset.type) !== ETHERTYPE_IPV4) return drops.count(DropReason.LinkType);
    msg.head = at + FDDI_HEADER_BYTES;
    this.above.pop(msg);
  }
}

export class EthernetLayer extends LinkLayer {
  readonly name = 'eth';
  readonly headerBytes = ETH_HEADER_BYTES;
  override readonly trailerBytes = ETH_MIN_FRAME;
  readonly linkType = 1; // LINKTYPE_ETHERNET
  readonly mtu = ETH_MTU;
  override readonly minPayload = ETH_MIN_FRAME - ETH_HEADER_BYTES;

  push(msg: Msg): SendStatus {
    const at = msg.push(ETH_HEADER_BYTES);
    writeEthHeader(msg.view, at, this.ends.remoteMac, this.ends.localMac, ETHERTYPE_IPV4);
    const short = ETH_MIN_FRAME - msg.length;
    if (short > 0) msg.bytes.fill(0, msg.append(short), msg.tail);
    this.driver.transmit(msg);
    return SendStatus.Sent;
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    const drops = this.ctx.drops;
    if (msg.length < ETH_HEADER_BYTES) return drops.count(DropReason.LinkRunt);
    if (msg.length > ETH_HEADER_BYTES + ETH_MTU) return drops.count(DropReason.LinkGiant);
    if (!macEquals(view, at + EthOffset.dst, this.ends.localMac)) return drops.count(DropReason.LinkDestination);
    if (!macEquals(view, at + EthOffset.src, this.ends.remoteMac)) return drops.count(DropReason.LinkSource);
    if (view.getUint16(at + EthOffset.type) !== ETHERTYPE_IPV4) return drops.count(DropReason.LinkType);
    msg.head = at + ETH_HEADER_BYTES;
    this.above.pop(msg);
  }
}
