// Each header: written by the function the layer sends with, read back field by field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../stacks/checksum.js';
import { BufferPool } from '../stacks/message.js';
import { formatIpv4, formatMac, nonCanonicalMac, parseIpv4, parseMac } from '../stacks/wire/address.js';
import { AH_MD5_BYTES, AH_MD5_PAYLOAD_LENGTH, decodeAhHeader, writeAhHeader } from '../stacks/wire/ah.js';
import { decodeEthHeader, writeEthHeader } from '../stacks/wire/ethernet.js';
import { ETHERTYPE_IPV4, FDDI_HEADER_BYTES, decodeFddiHeader, writeFddiHeader } from '../stacks/wire/fddi.js';
import {
  IP_FLAG_DF,
  IP_PROTO_TCP,
  decodeIpv4Header,
  ipv4Checksum,
  ipv4Dst,
  ipv4HeaderBytes,
  ipv4Ident,
  ipv4Protocol,
  ipv4Src,
  ipv4TotalLength,
  refreshIpv4Checksum,
  writeIpv4Header,
} from '../stacks/wire/ipv4.js';
import {
  TcpFlag,
  decodeTcpHeader,
  readTcpMss,
  setTcpChecksum,
  setTcpSeq,
  tcpHeaderBytes,
  tcpSeq,
  writeTcpHeader,
} from '../stacks/wire/tcp.js';
import { decodeUdpHeader, writeUdpHeader } from '../stacks/wire/udp.js';

function buffer(n = 128) {
  const bytes = new Uint8Array(n).fill(0xee);
  return { bytes, view: new DataView(bytes.buffer) };
}

test('addresses parse, format and reject garbage', () => {
  assert.is(formatMac(parseMac('02:00:5e:10:ff:01')), '02:00:5e:10:ff:01');
  assert.is(formatIpv4(parseIpv4('192.168.255.7')), '192.168.255.7');
  assert.is(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.throws(() => parseMac('02:00:5e:10:ff'), /bad MAC/);
  assert.throws(() => parseIpv4('10.0.0.256'), /bad IPv4/);
});

test('FDDI carries addresses bit-reversed per byte (non-canonical), and back', () => {
  const mac = parseMac('02:00:5e:10:ff:01');
  assert.is(formatMac(nonCanonicalMac(mac)), '40:00:7a:08:ff:80');
  assert.equal(nonCanonicalMac(nonCanonicalMac(mac)), mac);
});

test('FDDI + LLC/SNAP header round trip (21 bytes)', () => {
  const { bytes, view } = buffer();
  const dst = parseMac('02:00:00:00:00:02');
  const src = parseMac('02:00:00:00:00:01');
  writeFddiHeader(view, 3, dst, src, ETHERTYPE_IPV4);
  const h = decodeFddiHeader(view, 3);
  assert.equal(h, { fc: 0x50, dst, src, dsap: 0xaa, ssap: 0xaa, control: 0x03, oui: 0, type: 0x0800 });
  assert.is(bytes[3 + FDDI_HEADER_BYTES], 0xee, 'writes nothing past 21 bytes');
  assert.is(bytes[2], 0xee, 'writes nothing before');
});

test('Ethernet II header round trip', () => {
  const { view } = buffer();
  const dst = parseMac('ff:ff:ff:ff:ff:ff');
  const src = parseMac('02:00:00:00:00:01');
  writeEthHeader(view, 2, dst, src, ETHERTYPE_IPV4);
  assert.equal(decodeEthHeader(view, 2), { dst, src, type: 0x0800 });
});

test('IPv4 header round trip with a valid checksum', () => {
  const { bytes, view } = buffer();
  writeIpv4Header(view, 4, 4136, 0xbeef, IP_PROTO_TCP, parseIpv4('10.0.0.1'), parseIpv4('10.0.0.2'), 17);
  const h = decodeIpv4Header(view, 4);
  assert.equal(
    { ...h, checksum: 0 },
    {
      version: 4,
      ihl: 5,
      tos: 0,
      totalLength: 4136,
      id: 0xbeef,
      flagsFragment: IP_FLAG_DF,
      ttl: 17,
      protocol: 6,
      checksum: 0,
      src: parseIpv4('10.0.0.1'),
      dst: parseIpv4('10.0.0.2'),
    },
  );
  assert.is(fold(onesSum(bytes, 4, 20)), 0xffff, 'header sums to all ones');
});

test('IPv4 identification wraps at 16 bits', () => {
  const { view } = buffer();
  writeIpv4Header(view, 0, 20, 0x1_0005, 17, 1, 2);
  assert.is(decodeIpv4Header(view, 0).id, 5);
});

test('TCP header round trip, with and without the MSS option', () => {
  const { view } = buffer();
  const length = writeTcpHeader(view, 0, 5001, 80, 0xfffffff0, 0x12345678, TcpFlag.SYN | TcpFlag.ACK, 65535, 4312);
  assert.is(length, 24);
  assert.equal(decodeTcpHeader(view, 0), {
    srcPort: 5001,
    dstPort: 80,
    seq: 0xfffffff0,
    ack: 0x12345678,
    dataOffset: 6,
    flags: TcpFlag.SYN | TcpFlag.ACK,
    window: 65535,
    checksum: 0,
    urgent: 0,
    mss: 4312,
  });
  assert.is(writeTcpHeader(view, 40, 1, 2, 3, 4, TcpFlag.ACK | TcpFlag.PSH, 100), 20);
  const h = decodeTcpHeader(view, 40);
  assert.is(h.dataOffset, 5);
  assert.is(h.flags, TcpFlag.ACK | TcpFlag.PSH);
  assert.is(h.mss, 0);
});

test('TCP options: NOPs skipped, malformed lengths refused', () => {
  const { bytes, view } = buffer();
  writeTcpHeader(view, 0, 1, 2, 3, 4, TcpFlag.SYN, 100);
  bytes.set([1, 1, 2, 4, 0x05, 0xb4, 0, 0], 20); // NOP NOP MSS=1460 EOL
  assert.is(readTcpMss(view, 0, 28), 1460);
  bytes.set([2, 9, 0x05, 0xb4], 20); // option longer than the header
  assert.is(readTcpMss(view, 0, 24), -1);
  bytes.set([2, 3, 0x05, 0xb4], 20); // MSS with the wrong length
  assert.is(readTcpMss(view, 0, 24), -1);
});

test('UDP header round trip', () => {
  const { view } = buffer();
  writeUdpHeader(view, 0, 53, 33000, 512);
  assert.equal(decodeUdpHeader(view, 0), { srcPort: 53, dstPort: 33000, length: 512, checksum: 0 });
});

test('AH header round trip: 28 bytes, payload length 5, ICV zeroed', () => {
  const { bytes, view } = buffer();
  writeAhHeader(view, 0, IP_PROTO_TCP, 0x100, 0xfffffffe);
  const h = decodeAhHeader(view, 0);
  assert.equal(h, {
    nextHeader: 6,
    payloadLength: AH_MD5_PAYLOAD_LENGTH,
    reserved: 0,
    spi: 0x100,
    seq: 0xfffffffe,
    icv: new Uint8Array(16),
  });
  assert.is(AH_MD5_PAYLOAD_LENGTH, 5);
  assert.is(bytes[AH_MD5_BYTES], 0xee);
});

test('IPv4 getters read what the header holds; a refreshed checksum verifies', () => {
  const { bytes, view } = buffer();
  writeIpv4Header(view, 4, 60, 0xbeef, IP_PROTO_TCP, parseIpv4('10.0.0.1'), parseIpv4('192.168.1.200'));
  const h = decodeIpv4Header(view, 4);
  assert.equal(
    [
      ipv4HeaderBytes(view, 4),
      ipv4TotalLength(view, 4),
      ipv4Ident(view, 4),
      ipv4Protocol(view, 4),
      ipv4Checksum(view, 4),
      ipv4Src(view, 4),
      ipv4Dst(view, 4),
    ],
    [h.ihl * 4, h.totalLength, h.id, h.protocol, h.checksum, h.src, h.dst],
  );
  assert.is(ipv4Dst(view, 4), 0xc0a801c8, 'unsigned');
  bytes[4 + 8] = 3; // the TTL, changed by hand
  refreshIpv4Checksum(bytes, view, 4);
  assert.is(fold(onesSum(bytes, 4, 20)), 0xffff);
});

test('setTcpSeq keeps the checksum valid (RFC 1624), across wrap and carry, as a full recomputation would', () => {
  const { bytes, view } = buffer(128);
  const src = parseIpv4('10.0.0.1');
  const dst = parseIpv4('10.0.0.2');
  const length = 20 + 40;
  for (let i = 20; i < length; i++) bytes[8 + i] = (i * 37) & 0xff;
  for (const [from, to] of [
    [0, 1],
    [0xfffffff0, 0x10],
    [0x12345678, 0xedcba987],
    [0xffff0000, 0x0000ffff],
    [7, 7],
  ] as const) {
    writeTcpHeader(view, 8, 5001, 5002, from, 99, TcpFlag.ACK, 1000);
    setTcpChecksum(view, 8, internetChecksum(bytes, 8, length, pseudoHeaderSum(src, dst, IP_PROTO_TCP, length)));
    setTcpSeq(view, 8, to);
    assert.is(tcpSeq(view, 8), to >>> 0);
    assert.is(fold(onesSum(bytes, 8, length, pseudoHeaderSum(src, dst, IP_PROTO_TCP, length))), 0xffff, `${from} → ${to}`);
    assert.is(tcpHeaderBytes(view, 8), 20);
  }
});

test('messages: prepend, strip, trimTo and append move the data only within the slot', () => {
  const msg = new BufferPool(1, 256).get();
  const at = msg.resetPayload(10, 64);
  assert.is(msg.prepend(20), at - 20);
  assert.is(msg.length, 30);
  assert.is(msg.strip(20), at - 20);
  assert.is(msg.head, at);
  msg.trimTo(4);
  assert.equal([msg.head, msg.tail], [at, at + 4]);
  assert.is(msg.append(6), at + 4);
  assert.is(msg.length, 10);
  assert.throws(() => msg.strip(11), /cannot strip 11 bytes from a 10-byte message/);
  assert.throws(() => msg.trimTo(11), /cannot trim a 10-byte message to 11 bytes/);
  assert.throws(() => msg.prepend(65), /headroom exhausted/);
  assert.throws(() => msg.append(256), /tailroom exhausted/);
  assert.throws(() => msg.setRange(msg.slotStart - 1, msg.tail), /outside the slot/);
  assert.equal([msg.head, msg.tail], [at, at + 10], 'a refused move changes nothing');
});

test.run();
