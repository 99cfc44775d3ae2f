// An IPsec tunnel against the kernel's xfrm (run by interop-case.ts, inside its namespace): our
// gateway (ah(md5), ah(sha256), esp(aes128,sha256) or esp(aes128gcm) over ip/eth) and the kernel
// are the two ends of a tunnel with one SA each way, the same algorithms and keys. Behind us sits
// the inner host 10.88.2.1, behind the kernel 10.88.1.1 (on its loopback), where a UDP socket of
// this process receives what the kernel decapsulates and sends what the kernel encapsulates. Each
// way: datagrams that must arrive whole, then one whose packet has a bit flipped after its ICV
// was computed, which the receiving end must refuse.

import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import type { TapLink } from '../drivers/tap.js';
import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { DEFAULT_SPI, EXAMPLE_KEYS, Stack } from '../stacks/stack.js';
import { parseIpv4 } from '../stacks/wire/address.js';
import { IPV4_HEADER_BYTES, writeIpv4Header } from '../stacks/wire/ipv4.js';
import { UDP_HEADER_BYTES, setUdpChecksum, writeUdpHeader } from '../stacks/wire/udp.js';
import { FAR, KERNEL } from './addresses.js';
import { runCommand } from './netns.js';

/** The transforms the kernel is tried with, as our specs write them. */
export const KERNEL_TRANSFORMS = ['ah(md5)', 'ah(sha256)', 'esp(aes128,sha256)', 'esp(aes128gcm)'] as const;
export type KernelTransform = (typeof KERNEL_TRANSFORMS)[number];

export interface IpsecCase {
  kind: 'ipsec';
  transform: KernelTransform;
  /** Datagrams each way that must arrive (then one more, corrupted, that must not). */
  datagrams: number;
  capture: string | null;
  seed: number;
  limitMs: number;
  loss?: number;
}

export interface IpsecResult {
  kind: 'ipsec';
  transform: KernelTransform;
  /** Our datagrams the kernel's socket received, and how many were byte for byte what we sent. */
  kernelReceived: number;
  kernelIntact: number;
  /** The kernel's datagrams our gateway delivered, and how many were what its socket sent. */
  oursReceived: number;
  oursIntact: number;
  /** Whether the corrupted packet reached the other end's application (it must not). */
  kernelTookCorrupted: boolean;
  oursTookCorrupted: boolean;
  /** `ip -s xfrm state` after the exchange, and /proc/net/xfrm_stat's non-zero counters before and after. */
  xfrmState: string;
  xfrmStatBefore: Record<string, number>;
  xfrmStatAfter: Record<string, number>;
  /** Our gateway's drops by reason (ah-digest or esp-icv for the corrupted packet). */
  ourDrops: Record<string, number>;
}

/** The inner hosts behind each end of the tunnel. */
export const OUR_INNER = '10.88.2.1';
export const KERNEL_INNER = '10.88.1.1';
const OUR_UDP_PORT = 6001;
const KERNEL_UDP_PORT = 6002;
const IP_PROTO_UDP = 17;
/** How long a refused packet is given to arrive anyway before the case moves on. */
const SETTLE_MS = 300;

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** The transform's algorithms and keys as `ip xfrm state` takes them (the same as our stack's EXAMPLE_KEYS). */
export function xfrmAlgorithms(transform: KernelTransform): string[] {
  const k = EXAMPLE_KEYS;
  switch (transform) {
    case 'ah(md5)':
      return ['auth-trunc', 'hmac(md5)', hex(k.hmac), '96'];
    case 'ah(sha256)':
      return ['auth-trunc', 'hmac(sha256)', hex(k.sha256), '128'];
    case 'esp(aes128,sha256)':
      return ['enc', 'cbc(aes)', hex(k.aes128), 'auth-trunc', 'hmac(sha256)', hex(k.sha256), '128'];
    case 'esp(aes128gcm)':
      return ['aead', 'rfc4106(gcm(aes))', hex(new Uint8Array([...k.aes128gcm, ...k.gcmSalt])), '128'];
  }
}

/** ah or esp. */
export function xfrmProto(transform: KernelTransform): 'ah' | 'esp' {
  return transform.startsWith('ah') ? 'ah' : 'esp';
}

/** The kernel's end of the tunnel: its inner address, the route to ours, one SA and one policy each way. */
function configureKernel(transform: KernelTransform): void {
  const proto = xfrmProto(transform);
  const spi = `0x${DEFAULT_SPI.toString(16)}`;
  runCommand('sysctl', ['-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
  runCommand('ip', ['addr', 'add', `${KERNEL_INNER}/32`, 'dev', 'lo']);
  runCommand('ip', ['route', 'add', '10.88.2.0/24', 'dev', 'xk0', 'src', KERNEL_INNER]);
  const tunnels: [src: string, dst: string][] = [
    [FAR.ip, KERNEL.ip],
    [KERNEL.ip, FAR.ip],
  ];
  for (const [src, dst] of tunnels) {
    const state = ['xfrm', 'state', 'add', 'src', src, 'dst', dst, 'proto', proto, 'spi', spi, 'mode', 'tunnel'];
    runCommand('ip', [...state, ...xfrmAlgorithms(transform), 'replay-window', '32']);
  }
  const policies: [from: string, to: string, dir: string, src: string, dst: string][] = [
    ['10.88.2.0/24', '10.88.1.0/24', 'in', FAR.ip, KERNEL.ip],
    ['10.88.1.0/24', '10.88.2.0/24', 'out', KERNEL.ip, FAR.ip],
  ];
  for (const [from, to, dir, src, dst] of policies) {
    const template = ['tmpl', 'src', src, 'dst', dst, 'proto', proto, 'mode', 'tunnel'];
    runCommand('ip', ['xfrm', 'policy', 'add', 'src', from, 'dst', to, 'dir', dir, ...template]);
  }
}

/** /proc/net/xfrm_stat's counters that are not zero. */
function xfrmStat(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of fs.readFileSync('/proc/net/xfrm_stat', 'utf8').split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name !== undefined && name.length > 0 && Number(value) !== 0) counts[name] = Number(value);
  }
  return counts;
}

/** Datagram number `n`'s payload, recognisable and different for each. */
export function payload(direction: string, n: number): Buffer {
  return Buffer.from(`xkbench ah ${direction} datagram ${n} `.padEnd(64 + (n % 32), '.'));
}

/** Builds the inner datagram (IPv4, UDP, payload) from our inner host to the kernel's in `msg`. */
export function innerDatagram(msg: Msg, data: Buffer, ident: number): void {
  const length = IPV4_HEADER_BYTES + UDP_HEADER_BYTES + data.length;
  const at = msg.resetPayload(length);
  const src = parseIpv4(OUR_INNER);
  const dst = parseIpv4(KERNEL_INNER);
  writeIpv4Header(msg.view, at, length, ident, IP_PROTO_UDP, src, dst);
  const udpAt = at + IPV4_HEADER_BYTES;
  const udpLength = UDP_HEADER_BYTES + data.length;
  writeUdpHeader(msg.view, udpAt, OUR_UDP_PORT, KERNEL_UDP_PORT, udpLength);
  msg.bytes.set(data, udpAt + UDP_HEADER_BYTES);
  const sum = internetChecksum(msg.bytes, udpAt, udpLength, pseudoHeaderSum(src, dst, IP_PROTO_UDP, udpLength));
  setUdpChecksum(msg.view, udpAt, sum === 0 ? 0xffff : sum);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, done: () => boolean, limitMs: number, state: () => string): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms (${state()})`);
    await sleep(10);
  }
}

export async function runIpsecCase(c: IpsecCase, link: TapLink): Promise<IpsecResult> {
  configureKernel(c.transform);
  const xfrmStatBefore = xfrmStat();
  const stack = new Stack(`${c.transform}/ip/eth`, { local: FAR, remote: KERNEL, spi: DEFAULT_SPI, instance: 1, crypto: 'node' });
  const result: IpsecResult = {
    kind: 'ipsec',
    transform: c.transform,
    kernelReceived: 0,
    kernelIntact: 0,
    oursReceived: 0,
    oursIntact: 0,
    kernelTookCorrupted: false,
    oursTookCorrupted: false,
    xfrmState: '',
    xfrmStatBefore,
    xfrmStatAfter: {},
    ourDrops: {},
  };
  // What the gateway delivers: the kernel's inner datagrams, whole (IPv4, UDP, payload).
  stack.application = {
    pop(m: Msg) {
      const n = result.oursReceived;
      const data = payload('kernel-to-ours', n);
      const got = Buffer.from(m.bytes.subarray(m.head + IPV4_HEADER_BYTES + UDP_HEADER_BYTES, m.tail));
      if (n === c.datagrams) result.oursTookCorrupted = true;
      if (got.equals(data) && m.bytes[m.head + 9] === IP_PROTO_UDP) result.oursIntact++;
      result.oursReceived++;
    },
  };
  link.attach(stack, () => undefined);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(KERNEL_UDP_PORT, KERNEL_INNER, resolve));
  socket.on('message', (data) => {
    const n = result.kernelReceived;
    if (n === c.datagrams) result.kernelTookCorrupted = true;
    if (data.equals(payload('ours-to-kernel', n))) result.kernelIntact++;
    result.kernelReceived++;
  });
  try {
    await oursToKernel(c, stack, link, result);
    await kernelToOurs(c, socket, link, result);
  } finally {
    socket.close();
  }
  result.xfrmState = runCommand('ip', ['-s', 'xfrm', 'state']);
  result.xfrmStatAfter = xfrmStat();
  result.ourDrops = stack.drops.toRecord();
  return result;
}

/** Our datagrams through the tunnel, then one whose last byte is flipped on the wire. */
async function oursToKernel(c: IpsecCase, stack: Stack, link: TapLink, result: IpsecResult): Promise<void> {
  const msg = new BufferPool(1).get();
  for (let n = 0; n < c.datagrams; n++) {
    innerDatagram(msg, payload('ours-to-kernel', n), n + 1);
    stack.send(msg);
    if (n % 16 === 15) await sleep(1); // let the socket drain
  }
  await waitFor(
    'the kernel receiving our datagrams',
    () => result.kernelReceived >= c.datagrams,
    c.limitMs,
    () => `${result.kernelReceived} of ${c.datagrams} came; xfrm_stat ${JSON.stringify(xfrmStat())}`,
  );
  link.alter = (bytes, offset, length, inbound) => {
    if (!inbound) bytes[offset + length - 1]! ^= 0x01;
  };
  innerDatagram(msg, payload('ours-to-kernel', c.datagrams), c.datagrams + 1);
  stack.send(msg);
  link.alter = null;
  await sleep(SETTLE_MS);
}

/** The kernel's datagrams through the tunnel, then one whose last byte we flip as it arrives. */
async function kernelToOurs(c: IpsecCase, socket: dgram.Socket, link: TapLink, result: IpsecResult): Promise<void> {
  for (let n = 0; n < c.datagrams; n++) {
    await new Promise<void>((resolve) => socket.send(payload('kernel-to-ours', n), OUR_UDP_PORT, OUR_INNER, () => resolve()));
  }
  await waitFor(
    'our gateway receiving the kernel datagrams',
    () => result.oursReceived >= c.datagrams,
    c.limitMs,
    () => `${result.oursReceived} of ${c.datagrams} came`,
  );
  link.alter = (bytes, offset, length, inbound) => {
    if (inbound) bytes[offset + length - 1]! ^= 0x01;
  };
  await new Promise<void>((resolve) => socket.send(payload('kernel-to-ours', c.datagrams), OUR_UDP_PORT, OUR_INNER, () => resolve()));
  await sleep(SETTLE_MS);
  link.alter = null;
}
