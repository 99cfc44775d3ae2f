// Ethernet II header (DIX): destination, source, ethertype. 14 bytes; frames shorter than the
// 60-byte minimum (without FCS) are padded on transmit.

import { type MacAddress, readMac, writeMac } from './address.js';

export const ETH_HEADER_BYTES = 14;
export const ETH_MTU = 1500;
/** Minimum frame length without the 4-byte FCS. */
export const ETH_MIN_FRAME = 60;

export const EthOffset = { dst: 0, src: 6, type: 12 } as const;

export interface EthHeader {
  dst: MacAddress;
  src: MacAddress;
  type: number;
}

export function writeEthHeader(view: DataView, offset: number, dst: MacAddress, src: MacAddress, type: number): void {
  writeMac(view, offset + EthOffset.dst, dst);
  writeMac(view, offset + EthOffset.src, src);
  view.setUint16(offset + EthOffset.type, type);
}

export function decodeEthHeader(view: DataView, offset: number): EthHeader {
  return {
    dst: readMac(view, offset + EthOffset.dst),
    src: readMac(view, offset + EthOffset.src),
    type: view.getUint16(offset + EthOffset.type),
  };
}
