// TCP header (RFC 793 §3.1) and its options: MSS (kind 2), window scale (3, RFC 7323), SACK
// permitted (4) and timestamps (8) read; MSS and window scale written. The checksum covers the
// pseudo-header and the whole segment; the layer fills it in after the header is written. The
// getters and setters read and write one field of the header at `at` in place, allocating nothing.

import { updateChecksum32 } from '../checksum.js';

export const TCP_HEADER_BYTES = 20;
export const TCP_MAX_HEADER_BYTES = 60;
export const TCP_MSS_OPTION_BYTES = 4;
/** A NOP and the window scale option (kind 3, length 3), which keeps the header a multiple of 4. */
export const TCP_WS_OPTION_BYTES = 4;
/** RFC 7323 2.3: the largest shift a window scale option may ask for. */
export const TCP_MAX_WINDOW_SHIFT = 14;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export const TcpOption = { End: 0, Nop: 1, Mss: 2, WindowScale: 3, SackPermitted: 4, Timestamps: 8 } as const;

/** What a SYN's options offered (read by readTcpOptions into an object the caller keeps). */
export interface TcpOptions {
  /** The MSS, or 0 when absent. */
  mss: number;
  /** The window scale's shift (at most 14, RFC 7323 2.3), or -1 when absent. */
  windowShift: number;
  /** The timestamps option was present. */
  timestamps: boolean;
}

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

/** The header's length with the options writeTcpHeader writes for `mss` (0: none) and `windowShift` (-1: none). */
export function tcpHeaderBytesFor(mss: number, windowShift = -1): number {
  return TCP_HEADER_BYTES + (mss === 0 ? 0 : TCP_MSS_OPTION_BYTES) + (windowShift < 0 ? 0 : TCP_WS_OPTION_BYTES);
}

/**
 * Writes the fixed header (checksum 0) and, when `mss` is non-zero, the MSS option; when
 * `windowShift` is 0 or more, a NOP and the window scale option after it. Returns the header length.
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
  windowShift = -1,
): number {
  const headerBytes = tcpHeaderBytesFor(mss, windowShift);
  view.setUint32(offset, (srcPort << 16) | dstPort);
  view.setUint32(offset + TcpOffset.seq, seq);
  view.setUint32(offset + TcpOffset.ack, ack);
  view.setUint32(offset + TcpOffset.dataOffsetFlags, (((headerBytes << 10) | flags) << 16) | window);
  view.setUint32(offset + TcpOffset.checksum, 0); // checksum and urgent pointer
  let at = offset + TcpOffset.options;
  if (mss !== 0) {
    view.setUint32(at, (TcpOption.Mss << 24) | (TCP_MSS_OPTION_BYTES << 16) | mss);
    at += TCP_MSS_OPTION_BYTES;
  }
  if (windowShift >= 0) view.setUint32(at, (TcpOption.Nop << 24) | (TcpOption.WindowScale << 16) | (3 << 8) | windowShift);
  return headerBytes;
}

/** The lengths RFC 793 and RFC 7323 give the options we read (other kinds are skipped by their own length). */
const OPTION_LENGTH: Record<number, number> = {
  [TcpOption.Mss]: TCP_MSS_OPTION_BYTES,
  [TcpOption.WindowScale]: 3,
  [TcpOption.SackPermitted]: 2,
  [TcpOption.Timestamps]: 10,
};

/**
 * Reads the options in [offset + 20, offset + headerBytes) into `out` (RFC 1122 4.2.2.5: an unknown
 * kind is skipped by its length). Answers false when they are malformed: an option running past
 * the header, or one we read with the wrong length.
 */
export function readTcpOptions(view: DataView, offset: number, headerBytes: number, out: TcpOptions): boolean {
  out.mss = 0;
  out.windowShift = -1;
  out.timestamps = false;
  let i = offset + TCP_HEADER_BYTES;
  const end = offset + headerBytes;
  while (i < end) {
    const kind = view.getUint8(i);
    if (kind === TcpOption.End) return true;
    if (kind === TcpOption.Nop) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const length = view.getUint8(i + 1);
    if (length < 2 || i + length > end) return false;
    const expected = OPTION_LENGTH[kind];
    if (expected !== undefined && length !== expected) return false;
    if (kind === TcpOption.Mss) out.mss = view.getUint16(i + 2);
    // RFC 7323 2.3: a shift above 14 is taken as 14.
    else if (kind === TcpOption.WindowScale) out.windowShift = Math.min(view.getUint8(i + 2), TCP_MAX_WINDOW_SHIFT);
    else if (kind === TcpOption.Timestamps) out.timestamps = true;
    i += length;
  }
  return true;
}

/** The MSS option's value, 0 when absent, or -1 when the options are malformed (readTcpOptions). */
export function readTcpMss(view: DataView, offset: number, headerBytes: number): number {
  const out: TcpOptions = { mss: 0, windowShift: -1, timestamps: false };
  return readTcpOptions(view, offset, headerBytes, out) ? out.mss : -1;
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
