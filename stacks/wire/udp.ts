// UDP header (RFC 768).

export const UDP_HEADER_BYTES = 8;

export const UdpOffset = { srcPort: 0, dstPort: 2, length: 4, checksum: 6 } as const;

export function setUdpChecksum(view: DataView, at: number, checksum: number): void {
  view.setUint16(at + UdpOffset.checksum, checksum);
}

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}

/** Writes the header with checksum 0; the layer fills the checksum in. */
export function writeUdpHeader(view: DataView, offset: number, srcPort: number, dstPort: number, length: number): void {
  view.setUint32(offset, (srcPort << 16) | dstPort);
  view.setUint32(offset + UdpOffset.length, length << 16);
}

export function decodeUdpHeader(view: DataView, offset: number): UdpHeader {
  return {
    srcPort: view.getUint16(offset + UdpOffset.srcPort),
    dstPort: view.getUint16(offset + UdpOffset.dstPort),
    length: view.getUint16(offset + UdpOffset.length),
    checksum: view.getUint16(offset + UdpOffset.checksum),
  };
}
