// What crossed the bridge, seen from the wire: TCP segments by flag, each way. A clean close is a
// FIN each way and no RST in either; a handshake is one SYN each way (more is a retransmission).

import { ETHERTYPE_IPV4 } from '../stacks/wire/fddi.js';
import { IP_PROTO_TCP } from '../stacks/wire/ipv4.js';
import { TcpFlag } from '../stacks/wire/tcp.js';

export interface FlagCounts {
  segments: number;
  syn: number;
  fin: number;
  rst: number;
}

export class TcpCensus {
  /** Segments we sent (out) and the kernel sent (in). */
  readonly out: FlagCounts = { segments: 0, syn: 0, fin: 0, rst: 0 };
  readonly in: FlagCounts = { segments: 0, syn: 0, fin: 0, rst: 0 };

  /** Counts the frame if it is an IPv4 TCP segment (a TapLink's tap). */
  readonly take = (bytes: Uint8Array, offset: number, length: number, inbound: boolean): void => {
    if (length < 14 + 20 + 20) return;
    if (((bytes[offset + 12]! << 8) | bytes[offset + 13]!) !== ETHERTYPE_IPV4) return;
    const ipAt = offset + 14;
    if (bytes[ipAt + 9] !== IP_PROTO_TCP) return;
    const tcpAt = ipAt + ((bytes[ipAt]! & 0x0f) << 2);
    if (tcpAt + 14 > offset + length) return;
    const flags = bytes[tcpAt + 13]!;
    const c = inbound ? this.in : this.out;
    c.segments++;
    if ((flags & TcpFlag.SYN) !== 0) c.syn++;
    if ((flags & TcpFlag.FIN) !== 0) c.fin++;
    if ((flags & TcpFlag.RST) !== 0) c.rst++;
  };
}
