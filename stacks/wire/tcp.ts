// TCP header (RFC 793 §3.1) and the MSS option (kind 2). The checksum covers the pseudo-header
// and the whole segment; the layer fills it in after the header is written. The getters and
// setters read and write one field of the header at `at` in place, allocating nothing.

import { updateChecksum32 } from '../checksum.js';

export const TCP_HEADER_BYTES = 20;
export const TCP_MAX_HEADER_BYTES = 60;
export const TCP_MSS_OPTION_BYTES = 4;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export const TcpOption = { End: 0, Nop: 1, Mss: 2 } as const;

export const TcpOffset = {
  srcPort: 0,
  dstPort: 2,
  seq: 4,
  ack: 8,
  dataOffsetFlags: 12,
  window: 14,
  checksum: 16,
  urgent: 18,
  options: 20,
} as const;

/** The header's length in bytes, from its data offset (in 32-bit words). */
export function tcpHeaderBytes(view: DataView, at: number): number {
  return (view.getUint8(at + TcpOffset.dataOffsetFlags) >>> 4) << 2;
}

/** The sequence number (unsigned). */
export function tcpSeq(view: DataView, at: number): number {
  return view.getUint32(at + TcpOffset.seq);
}

export function tcpAck(view: DataView, at: number): number {
  return view.getUint32(at + TcpOffset.ack);
}

export function tcpWindow(view: DataView, at: number): number {
  return view.getUint16(at + TcpOffset.window);
}

/** Sets the sequence number and updates the checksum to match (RFC 1624), as a sender rewriting a segment would. */
export function setTcpSeq(view: DataView, at: number, seq: number): void {
  const next = seq >>> 0;
  updateChecksum32(view, at + TcpOffset.checksum, view.getUint32(at + TcpOffset.seq), next);
  view.setUint32(at + TcpOffset.seq, next);
}

export function setTcpChecksum(view: DataView, at: number, checksum: number): void {
  view.setUint16(at + TcpOffset.checksum, checksum);
}

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  dataOffset: number;
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  /** The MSS option's value, or 0 when absent. */
  mss: number;
}

/**
 * Writes the fixed header (checksum 0) and, when `mss` is non-zero, the MSS option.
 * Returns the header length.
 */
export function writeTcpHeader(
  view: DataView,
  offset: number,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  mss = 0,
): number {
  const headerBytes = mss === 0 ? TCP_HEADER_BYTES : TCP_HEADER_BYTES + TCP_MSS_OPTION_BYTES;
  view.setUint32(offset, (srcPort << 16) | dstPort);
  view.setUint32(offset + TcpOffset.seq, seq);
  view.setUint32(offset + TcpOffset.ack, ack);
  view.setUint32(offset + TcpOffset.dataOffsetFlags, (((headerBytes << 10) | flags) << 16) | window);
  view.setUint32(offset + TcpOffset.checksum, 0); // checksum and urgent pointer
  if (mss !== 0) view.setUint32(offset + TcpOffset.options, (TcpOption.Mss << 24) | (TCP_MSS_OPTION_BYTES << 16) | mss);
  return headerBytes;
}

/**
 * Finds the MSS option in [offset + 20, offset + headerBytes). Returns its value, 0 when absent,
 * or -1 when the options are malformed (an option running past the header, a bad MSS length).
 */
export function readTcpMss(view: DataView, offset: number, headerBytes: number): number {
  let i = offset + TCP_HEADER_BYTES;
  const end = offset + headerBytes;
  while (i < end) {
    const kind = view.getUint8(i);
    if (kind === TcpOption.End) return 0;
    if (kind === TcpOption.Nop) {
      i++;
      continue;
    }
    if (i + 1 >= end) return -1;
    const length = view.getUint8(i + 1);
    if (length < 2 || i + length > end) return -1;
    if (kind === TcpOption.Mss) {
      if (length !== TCP_MSS_OPTION_BYTES) return -1;
      return view.getUint16(i + 2);
    }
    i += length;
  }
  return 0;
}

export function decodeTcpHeader(view: DataView, offset: number): TcpHeader {
  const dataOffsetFlags = view.getUint16(offset + TcpOffset.dataOffsetFlags);
  const dataOffset = tcpHeaderBytes(view, offset) >>> 2;
  return {
    srcPort: view.getUint16(offset + TcpOffset.srcPort),
    dstPort: view.getUint16(offset + TcpOffset.dstPort),
    seq: tcpSeq(view, offset),
    ack: view.getUint32(offset + TcpOffset.ack),
    dataOffset,
    flags: dataOffsetFlags & 0x3f,
    window: view.getUint16(offset + TcpOffset.window),
    checksum: view.getUint16(offset + TcpOffset.checksum),
    urgent: view.getUint16(offset + TcpOffset.urgent),
    mss: Math.max(0, readTcpMss(view, offset, dataOffset * 4)),
  };
}
