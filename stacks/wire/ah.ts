// IP Authentication Header (RFC 2402 §2): next header, payload length in 32-bit words minus 2,
// reserved, SPI, sequence number, then the integrity check value (16 bytes for MD5).

import { IP_PROTO_AH } from './ipv4.js';

export const AH_FIXED_BYTES = 12;
export const MD5_ICV_BYTES = 16;
export const AH_MD5_BYTES = AH_FIXED_BYTES + MD5_ICV_BYTES;
/** Payload Length for a 128-bit ICV: (12 + 16) / 4 - 2. */
export const AH_MD5_PAYLOAD_LENGTH = AH_MD5_BYTES / 4 - 2;

export const AhOffset = { nextHeader: 0, payloadLength: 1, reserved: 2, spi: 4, seq: 8, icv: 12 } as const;

export interface AhHeader {
  nextHeader: number;
  payloadLength: number;
  reserved: number;
  spi: number;
  seq: number;
  icv: Uint8Array;
}

/** Writes the fixed part and zeroes the ICV (it is computed over the header with a zero ICV). */
export function writeAhHeader(view: DataView, offset: number, nextHeader: number, spi: number, seq: number): void {
  view.setUint32(offset, (nextHeader << 24) | (AH_MD5_PAYLOAD_LENGTH << 16)); // reserved 0
  view.setUint32(offset + AhOffset.spi, spi);
  view.setUint32(offset + AhOffset.seq, seq);
  for (let i = 0; i < MD5_ICV_BYTES; i += 4) view.setUint32(offset + AhOffset.icv + i, 0);
}

export function decodeAhHeader(view: DataView, offset: number): AhHeader {
  const icv = new Uint8Array(MD5_ICV_BYTES);
  for (let i = 0; i < MD5_ICV_BYTES; i++) icv[i] = view.getUint8(offset + AhOffset.icv + i);
  return {
    nextHeader: view.getUint8(offset + AhOffset.nextHeader),
    payloadLength: view.getUint8(offset + AhOffset.payloadLength),
    reserved: view.getUint16(offset + AhOffset.reserved),
    spi: view.getUint32(offset + AhOffset.spi),
    seq: view.getUint32(offset + AhOffset.seq),
    icv,
  };
}

/**
 * AH's length with an ICV of `icvBytes`: the fixed part and the ICV, padded to 8 bytes as Linux
 * sends it and checks it (RFC 4302 3.3.3.2.1 lets the ICV field carry padding; IPv4 asks only 4,
 * which Linux refuses): 24 bytes for a 96-bit ICV, 32 for a 128-bit one.
 */
export function ahLength(icvBytes: number): number {
  return (AH_FIXED_BYTES + icvBytes + 7) & ~7;
}

/**
 * The AH length a received header's Payload Length field gives, when it is one an ICV of
 * `icvBytes` may have (padded to 8 bytes, or only to 4 as other implementations send it); -1 otherwise.
 */
export function receivedAhLength(payloadLength: number, icvBytes: number): number {
  const length = (payloadLength + 2) * 4;
  return length === ahLength(icvBytes) || length === ((AH_FIXED_BYTES + icvBytes + 3) & ~3) ? length : -1;
}

/** AH with HMAC-MD5-96 (RFC 2403): a 96-bit ICV, Payload Length (12 + 12) / 4 - 2 = 4. */
export const AH_HMAC_BYTES = AH_FIXED_BYTES + 12;
export const AH_HMAC_PAYLOAD_LENGTH = AH_HMAC_BYTES / 4 - 2;

/**
 * The outer IPv4 header as AH's ICV covers it (RFC 2402 3.3.3.1.1.1, as Linux's ah4 computes it): a
 * 20-byte header without options, its mutable fields (TOS, flags and fragment offset, TTL, header
 * checksum) zero, its immutable ones (version and length, total length, identification,
 * protocol, source, destination) as sent. 20 bytes at `offset`.
 */
export function writeAhOuterHeader(view: DataView, offset: number, src: number, dst: number, ipTotalLength: number, ident: number): void {
  view.setUint32(offset, (0x45 << 24) | ipTotalLength);
  view.setUint32(offset + 4, (ident & 0xffff) << 16);
  view.setUint32(offset + 8, IP_PROTO_AH << 16);
  view.setUint32(offset + 12, src);
  view.setUint32(offset + 16, dst);
}

/**
 * The part of the outer IPv4 header the paper's keyed-MD5 layer covers that is known above IP (RFC 2402 §3.3.3.1: the
 * immutable fields): version and header length, total length, protocol, source, destination.
 * The identification is assigned below AH and not covered. 12 bytes at `offset`.
 */
export function writeAhPseudoHeader(view: DataView, offset: number, src: number, dst: number, ipTotalLength: number): void {
  view.setUint32(offset, src);
  view.setUint32(offset + 4, dst);
  view.setUint32(offset + 8, (0x45 << 24) | (IP_PROTO_AH << 16) | ipTotalLength);
}
