// What a driver playing a TCP end checks of a frame before it believes it, as a real end would: the
// IPv4 length fits the frame and the TCP checksum holds (on a wire that corrupts frames, a driver
// that read sequence numbers from a damaged header would believe what was never sent).

import { fold, onesSum, pseudoHeaderSum } from '../stacks/checksum.js';
import type { Msg } from '../stacks/message.js';
import { IP_PROTO_TCP, ipv4Dst, ipv4Src, ipv4TotalLength } from '../stacks/wire/ipv4.js';
import { TCP_HEADER_BYTES } from '../stacks/wire/tcp.js';

/**
 * The TCP segment in `frame` (its IP header `linkBytes` in, its TCP header `tcpAt` in) is whole:
 * answers its length, or -1 when the frame is damaged.
 */
export function intactSegmentLength(frame: Msg, linkBytes: number, tcpAt: number): number {
  const view = frame.view;
  const ip = frame.head + linkBytes;
  const at = frame.head + tcpAt;
  const length = ipv4TotalLength(view, ip) - (tcpAt - linkBytes);
  if (length < TCP_HEADER_BYTES || at + length > frame.tail) return -1;
  const pseudo = pseudoHeaderSum(ipv4Src(view, ip), ipv4Dst(view, ip), IP_PROTO_TCP, length);
  return fold(onesSum(frame.bytes, at, length, pseudo)) === 0xffff ? length : -1;
}
