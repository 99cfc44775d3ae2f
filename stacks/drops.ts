// Why a layer dropped a message. A malformed or unwanted packet is counted here, never thrown:
// conservation (offered = delivered + dropped) is checked against these counters.

export const DropReason = {
  LinkRunt: 0, // shorter than the link header
  LinkGiant: 1, // longer than the link MTU allows
  LinkFrameControl: 2, // FDDI frame control is not an LLC frame
  LinkDestination: 3, // destination address is not ours
  LinkSource: 4, // source address is not the peer of this point-to-point link
  LinkLlc: 5, // 802.2 LLC/SNAP header is not AA-AA-03 / OUI 0
  LinkType: 6, // ethertype is not IPv4
  IpVersion: 7,
  IpHeaderLength: 8,
  IpChecksum: 9,
  IpTotalLength: 10,
  IpFragment: 11, // fragments are not reassembled: every stack sends whole datagrams (DF set)
  IpDestination: 12,
  IpProtocol: 13,
  AhLength: 14, // too short, or a payload length that is not MD5's
  AhSpi: 15, // no security association with this SPI
  AhDigest: 16,
  AhNextHeader: 17,
  TcpLength: 18, // shorter than a TCP header, or a data offset outside the segment
  TcpChecksum: 19,
  TcpPort: 20, // not this connection's ports
  TcpOption: 21, // a malformed option
  TcpState: 22, // a segment the connection's state does not accept (RST, stray SYN, no ACK, ...)
  TcpDuplicate: 23, // old or duplicate data: already received
  TcpOutOfWindow: 24, // beyond the receive window
  TcpAckUnsent: 25, // acknowledges data never sent
  TcpReassemblyFull: 26, // out-of-order queue has no free entry
  UdpLength: 27,
  UdpChecksum: 28,
  UdpNoChecksum: 29, // checksum 0 ("none") where our peer always sends one
  UdpPort: 30,
  DesLength: 31, // not a whole number of 8-byte blocks behind an IV
  DesPadding: 32, // padding check failed: wrong key or corrupted ciphertext
  ScreenShort: 33, // a TCP or UDP packet too short for the ports and flags the rules read
  EspLength: 34, // too short, or ciphertext that is not whole 8-byte blocks
  EspSpi: 35, // no security association with this SPI
  EspReplay: 36, // sequence number 0, already received, or older than the 64-packet window
  EspIcv: 37, // HMAC-MD5-96 does not match
  EspPadding: 38, // padding, pad length or next header wrong after decryption
  AhReplay: 39, // as EspReplay, for AH
} as const;

export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Names as they appear in reports, indexed by reason. */
export const DROP_REASON_NAMES: readonly string[] = [
  'link-runt',
  'link-giant',
  'link-frame-control',
  'link-destination',
  'link-source',
  'link-llc',
  'link-type',
  'ip-version',
  'ip-header-length',
  'ip-checksum',
  'ip-total-length',
  'ip-fragment',
  'ip-destination',
  'ip-protocol',
  'ah-length',
  'ah-spi',
  'ah-digest',
  'ah-next-header',
  'tcp-length',
  'tcp-checksum',
  'tcp-port',
  'tcp-option',
  'tcp-state',
  'tcp-duplicate',
  'tcp-out-of-window',
  'tcp-ack-unsent',
  'tcp-reassembly-full',
  'udp-length',
  'udp-checksum',
  'udp-no-checksum',
  'udp-port',
  'des-length',
  'des-padding',
  'screen-short',
  'esp-length',
  'esp-spi',
  'esp-replay',
  'esp-icv',
  'esp-padding',
  'ah-replay',
];

/** The layer each reason belongs to (the first word of its name). */
export function dropLayer(reason: DropReason): string {
  return DROP_REASON_NAMES[reason]!.split('-')[0]!;
}

/** Per-reason drop counters of one stack instance (a Float64Array: exact far past 2^32). */
export class DropCounters {
  readonly counts = new Float64Array(DROP_REASON_NAMES.length);

  count(reason: DropReason): void {
    this.counts[reason]!++;
  }

  get total(): number {
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) sum += this.counts[i]!;
    return sum;
  }

  /** Non-zero counters by name (for reports and tests). */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) out[DROP_REASON_NAMES[i]!] = this.counts[i]!;
    return out;
  }

  reset(): void {
    this.counts.fill(0);
  }
}
