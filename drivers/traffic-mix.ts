// The traffic a gateway sees (Benecke §2, Shieh & Lai §4): many flows between an internal and an
// external net, TCP and UDP, user data from 16 to 1472 bytes (or datagrams all of one size, as in
// Shieh & Lai's Table 4-1). Flows are lopsided as real traffic
// is (Zipf: the k-th busiest flow carries about 1/k of the busiest one's packets), so dispatching
// whole sessions balances worse than dispatching packets. Built once at set-up, from a seed, as a
// ring of complete frames (valid IP, TCP and UDP checksums); the stream's packet i is frame
// i mod the ring's size.

import { stackShape } from '../stacks/spec.js';
import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import { BufferPool } from '../stacks/message.js';
import { Stack, type StackOptions } from '../stacks/stack.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, IPV4_HEADER_BYTES, writeIpv4Header } from '../stacks/wire/ipv4.js';
import { TCP_HEADER_BYTES, TcpFlag, setTcpChecksum, writeTcpHeader } from '../stacks/wire/tcp.js';
import { UDP_HEADER_BYTES, setUdpChecksum, writeUdpHeader } from '../stacks/wire/udp.js';
import { Prng } from './prng.js';

/** User-data sizes of Benecke's Fig. 2 and 4, bytes. */
export const MIX_SIZES = [16, 32, 64, 128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1472] as const;
/**
 * Frames in the ring: a power of two, so the stream index maps to a frame with a mask. 512 frames
 * (about 400 KB) stay within a core's L2 cache. Under replicated dispatch every worker receives
 * every packet; Benecke's workstations each had their own memory, and a ring larger than the cache
 * would turn the threads' replicated receive into a test of the one machine's shared memory
 * bandwidth (measured: a 4096-frame ring took G(2) from 1.9 to 1.6 on the 100-rule screen).
 */
export const MIX_FRAMES = 512;
export const MIX_FLOWS = 256;
/** Share of flows that are TCP (the rest UDP). */
const TCP_SHARE = 0.6;
const TCP_SERVICES = [80, 443, 22, 25, 8080];
/** Of UDP flows: DNS, NTP, or a media port 5000-5099 (5000-5009 are what the last screen rule blocks). */
const UDP_SERVICES = [53, 123];

export interface Flow {
  src: number;
  dst: number;
  protocol: number;
  srcPort: number;
  dstPort: number;
}

/** The ring of frames, and for each the flow it belongs to and its IP datagram's length. */
export interface TrafficMix {
  /** One view per frame over `storage`, made at set-up (for TypedArray.set into a receive slot). */
  frames: Uint8Array[];
  flowOf: Uint16Array;
  ipBytes: Uint16Array;
  flows: Flow[];
  linkHeaderBytes: number;
}

function ip(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The flows: internal hosts 10.1.x.y to external servers 172.16.k.h (k < 64). */
function makeFlows(prng: Prng): Flow[] {
  const flows: Flow[] = [];
  for (let f = 0; f < MIX_FLOWS; f++) {
    const tcp = prng.next() / 0x1_0000_0000 < TCP_SHARE;
    const dstPort = tcp
      ? TCP_SERVICES[prng.below(TCP_SERVICES.length)]!
      : prng.below(3) === 0
        ? UDP_SERVICES[prng.below(2)]!
        : 5000 + prng.below(100);
    flows.push({
      src: ip(10, 1, prng.below(256), 1 + prng.below(254)),
      dst: ip(172, 16, prng.below(64), 1 + prng.below(254)),
      protocol: tcp ? IP_PROTO_TCP : IP_PROTO_UDP,
      srcPort: 1024 + prng.below(64512),
      dstPort,
    });
  }
  return flows;
}

/** Zipf(1) over the flows: cumulative weights for drawing a flow. */
function zipfCumulative(count: number): Float64Array {
  const cumulative = new Float64Array(count);
  let sum = 0;
  for (let k = 0; k < count; k++) cumulative[k] = sum += 1 / (k + 1);
  for (let k = 0; k < count; k++) cumulative[k]! /= sum;
  return cumulative;
}

function drawFlow(prng: Prng, cumulative: Float64Array): number {
  const u = prng.next() / 0x1_0000_0000;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Frames as the gateway's upstream neighbour (`peer`: its link end) sends them: addressed to the
 * gateway's link address, carrying traffic between other hosts.
 */
export function buildTrafficMix(spec: string, peer: StackOptions, seed: number, datagramBytes: number | null = null): TrafficMix {
  const prng = new Prng(seed ^ 0x7a11_1c);
  const flows = makeFlows(prng);
  const cumulative = zipfCumulative(flows.length);
  const linkName = stackShape(spec).link;
  const sender = new Stack(`udp/ip/${linkName}`, peer);
  const pool = new BufferPool(1);
  const msg = pool.get()!;
  const storageBytes = MIX_FRAMES * (sender.linkHeaderBytes + sender.mtu + 64);
  const storage = new Uint8Array(storageBytes);
  const frames: Uint8Array[] = [];
  const flowOf = new Uint16Array(MIX_FRAMES);
  const ipBytes = new Uint16Array(MIX_FRAMES);
  const idents = new Uint16Array(flows.length).map(() => prng.below(0x10000));
  let at = 0;
  sender.attach({
    transmit(frame) {
      storage.set(frame.bytes.subarray(frame.head, frame.tail), at);
      frames.push(storage.subarray(at, at + frame.length));
      at += (frame.length + 63) & ~63;
    },
  });
  for (let i = 0; i < MIX_FRAMES; i++) {
    const f = drawFlow(prng, cumulative);
    const flow = flows[f]!;
    const tcp = flow.protocol === IP_PROTO_TCP;
    const transport = tcp ? TCP_HEADER_BYTES : UDP_HEADER_BYTES;
    // Sizes from Benecke's list, or all alike (Shieh & Lai's frames: the datagram's whole size).
    const drawn = MIX_SIZES[prng.below(MIX_SIZES.length)]!;
    const userBytes =
      datagramBytes !== null ? datagramBytes - IPV4_HEADER_BYTES - transport : Math.min(drawn, sender.mtu - IPV4_HEADER_BYTES - transport);
    const head = msg.resetPayload(userBytes);
    prng.fill(msg.bytes, head, userBytes);
    const th = msg.prepend(transport);
    const length = transport + userBytes;
    if (tcp) {
      // Mostly data segments; about one in fifty opens a connection (SYN), which the screen's ssh rules look at.
      const flags = prng.below(50) === 0 ? TcpFlag.SYN : TcpFlag.ACK | TcpFlag.PSH;
      writeTcpHeader(msg.view, th, flow.srcPort, flow.dstPort, prng.next(), prng.next(), flags, 65535);
      setTcpChecksum(msg.view, th, internetChecksum(msg.bytes, th, length, pseudoHeaderSum(flow.src, flow.dst, IP_PROTO_TCP, length)));
    } else {
      writeUdpHeader(msg.view, th, flow.srcPort, flow.dstPort, length);
      const sum = internetChecksum(msg.bytes, th, length, pseudoHeaderSum(flow.src, flow.dst, IP_PROTO_UDP, length));
      setUdpChecksum(msg.view, th, sum === 0 ? 0xffff : sum);
    }
    const iph = msg.prepend(IPV4_HEADER_BYTES);
    writeIpv4Header(msg.view, iph, IPV4_HEADER_BYTES + length, idents[f]!++, flow.protocol, flow.src, flow.dst);
    flowOf[i] = f;
    ipBytes[i] = IPV4_HEADER_BYTES + length;
    sender.sendDatagram(msg);
  }
  return { frames, flowOf, ipBytes, flows, linkHeaderBytes: sender.linkHeaderBytes };
}
