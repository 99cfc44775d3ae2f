// IPv4 header (RFC 791). Only the 20-byte header without options is emitted; options are
// accepted on receive (IHL 5..15).

import { internetChecksum } from '../checksum.js';

export const IPV4_HEADER_BYTES = 20;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const IP_PROTO_AH = 51;
export const IP_FLAG_DF = 0x4000;
export const IP_FLAG_MF = 0x2000;
export const IP_FRAGMENT_OFFSET_MASK = 0x1fff;
export const DEFAULT_TTL = 64;

export const Ipv4Offset = {
  versionIhl: 0,
  tos: 1,
  totalLength: 2,
  id: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  src: 12,
  dst: 16,
} as const;

// One field of the header at `at`, read or written in place.

/** The header's length in bytes, from its IHL (in 32-bit words). */
export function ipv4HeaderBytes(view: DataView, at: number): number {
  return (view.getUint8(at + Ipv4Offset.versionIhl) & 0x0f) << 2;
}

export function ipv4TotalLength(view: DataView, at: number): number {
  return view.getUint16(at + Ipv4Offset.totalLength);
}

export function ipv4Ident(view: DataView, at: number): number {
  return view.getUint16(at + Ipv4Offset.id);
}

export function ipv4Protocol(view: DataView, at: number): number {
  return view.getUint8(at + Ipv4Offset.protocol);
}

export function ipv4Checksum(view: DataView, at: number): number {
  return view.getUint16(at + Ipv4Offset.checksum);
}

/** Source address (unsigned). */
export function ipv4Src(view: DataView, at: number): number {
  return view.getUint32(at + Ipv4Offset.src);
}

/** Destination address (unsigned). */
export function ipv4Dst(view: DataView, at: number): number {
  return view.getUint32(at + Ipv4Offset.dst);
}

/** Recomputes the header checksum of a 20-byte header (after a field was changed by hand). */
export function refreshIpv4Checksum(bytes: Uint8Array, view: DataView, at: number): void {
  view.setUint16(at + Ipv4Offset.checksum, 0);
  view.setUint16(at + Ipv4Offset.checksum, internetChecksum(bytes, at, IPV4_HEADER_BYTES));
}

export interface Ipv4Header {
  version: number;
  ihl: number;
  tos: number;
  totalLength: number;
  id: number;
  flagsFragment: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: number;
  dst: number;
}

/**
 * Writes a 20-byte header with DF set and fills in its checksum, summed from the field values
 * rather than read back from memory (the same RFC 1071 sum of the header's ten 16-bit words).
 */
export function writeIpv4Header(
  view: DataView,
  offset: number,
  totalLength: number,
  id: number,
  protocol: number,
  src: number,
  dst: number,
  ttl = DEFAULT_TTL,
): void {
  view.setUint32(offset, (0x45 << 24) | totalLength); // version 4, IHL 5, TOS 0
  view.setUint32(offset + Ipv4Offset.id, ((id & 0xffff) << 16) | IP_FLAG_DF);
  view.setUint32(offset + Ipv4Offset.ttl, (ttl << 24) | (protocol << 16)); // checksum 0 while summing
  view.setUint32(offset + Ipv4Offset.src, src);
  view.setUint32(offset + Ipv4Offset.dst, dst);
  let sum =
    0x4500 +
    totalLength +
    (id & 0xffff) +
    IP_FLAG_DF +
    ((ttl << 8) | protocol) +
    (src >>> 16) +
    (src & 0xffff) +
    (dst >>> 16) +
    (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint16(offset + Ipv4Offset.checksum, ~sum & 0xffff);
}

export function decodeIpv4Header(view: DataView, offset: number): Ipv4Header {
  const versionIhl = view.getUint8(offset);
  return {
    version: versionIhl >>> 4,
    ihl: versionIhl & 0x0f,
    tos: view.getUint8(offset + Ipv4Offset.tos),
    totalLength: view.getUint16(offset + Ipv4Offset.totalLength),
    id: view.getUint16(offset + Ipv4Offset.id),
    flagsFragment: view.getUint16(offset + Ipv4Offset.flagsFragment),
    ttl: view.getUint8(offset + Ipv4Offset.ttl),
    protocol: view.getUint8(offset + Ipv4Offset.protocol),
    checksum: view.getUint16(offset + Ipv4Offset.checksum),
    src: view.getUint32(offset + Ipv4Offset.src),
    dst: view.getUint32(offset + Ipv4Offset.dst),
  };
}
