// FDDI MAC header (ANSI X3.139) with 802.2 LLC and SNAP, as LINKTYPE_FDDI captures carry it
// (no FCS: the adapter checks it). 21 bytes, so the IPv4 header behind it is placed at 3 mod 4.

import { type MacAddress, readMac, writeMac } from './address.js';

export const FDDI_HEADER_BYTES = 21;
/** FDDI's maximum transmission unit for IP (RFC 1390). */
export const FDDI_MTU = 4352;
/** Frame control: asynchronous LLC frame, 48-bit addresses, priority 0. */
export const FDDI_FC_LLC_ASYNC = 0x50;
export const LLC_SNAP_SAP = 0xaa;
export const LLC_UI = 0x03;
export const ETHERTYPE_IPV4 = 0x0800;

export const FddiOffset = { fc: 0, dst: 1, src: 7, dsap: 13, ssap: 14, control: 15, oui: 16, type: 19 } as const;

export interface FddiHeader {
  fc: number;
  dst: MacAddress;
  src: MacAddress;
  dsap: number;
  ssap: number;
  control: number;
  oui: number;
  type: number;
}

export function writeFddiHeader(
  view: DataView,
  offset: number,
  dst: MacAddress,
  src: MacAddress,
  type: number,
  fc = FDDI_FC_LLC_ASYNC,
): void {
  view.setUint8(offset + FddiOffset.fc, fc);
  writeMac(view, offset + FddiOffset.dst, dst);
  writeMac(view, offset + FddiOffset.src, src);
  // DSAP, SSAP, UI control and the first OUI byte in one store; then the rest of the OUI and the type.
  view.setUint32(offset + FddiOffset.dsap, (LLC_SNAP_SAP << 24) | (LLC_SNAP_SAP << 16) | (LLC_UI << 8));
  view.setUint16(offset + FddiOffset.oui + 1, 0);
  view.setUint16(offset + FddiOffset.type, type);
}

export function decodeFddiHeader(view: DataView, offset: number): FddiHeader {
  return {
    fc: view.getUint8(offset + FddiOffset.fc),
    dst: readMac(view, offset + FddiOffset.dst),
    src: readMac(view, offset + FddiOffset.src),
    dsap: view.getUint8(offset + FddiOffset.dsap),
    ssap: view.getUint8(offset + FddiOffset.ssap),
    control: view.getUint8(offset + FddiOffset.control),
    oui: (view.getUint8(offset + FddiOffset.oui) << 16) | view.getUint16(offset + FddiOffset.oui + 1),
    type: view.getUint16(offset + FddiOffset.type),
  };
}
