// TCP options (RFC 1122 4.2.2.5, RFC 7323): a SYN laid out as Linux sends it (MSS, SACK permitted,
// timestamps, NOP, window scale) is read for its MSS and window scale, the rest skipped by their
// lengths; our SYN-ACK answers with the MSS and a window scale of 0 (we agree to scaling: the peer's
// windows are scaled from then on, ours are not) and without timestamps (refused: then neither end
// sends them); the handshake and data go through.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { IPV4_HEADER_BYTES, IP_PROTO_TCP, Ipv4Offset, ipv4Dst, ipv4Src, refreshIpv4Checksum } from '../stacks/wire/ipv4.js';
import {
  TCP_HEADER_BYTES,
  TcpFlag,
  TcpOffset,
  type TcpOptions,
  readTcpOptions,
  setTcpChecksum,
  tcpHeaderBytes,
} from '../stacks/wire/tcp.js';
import { makePair } from './helpers.js';

/** Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (20 bytes). */
const LINUX_SYN_OPTIONS = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7];

/** The SYN `syn` (link, IP, a 24-byte TCP header with our MSS) rebuilt with Linux's options instead. */
function withLinuxOptions(syn: Msg, linkBytes: number): Msg {
  const out = new BufferPool(1).get();
  const ip = syn.head + linkBytes;
  const tcp = ip + IPV4_HEADER_BYTES;
  const headerBytes = TCP_HEADER_BYTES + LINUX_SYN_OPTIONS.length;
  const at = out.resetFrame(linkBytes + IPV4_HEADER_BYTES + headerBytes, linkBytes);
  out.bytes.set(syn.bytes.subarray(syn.head, tcp + TCP_HEADER_BYTES), at);
  out.bytes.set(LINUX_SYN_OPTIONS, at + linkBytes + IPV4_HEADER_BYTES + TCP_HEADER_BYTES);
  const view = out.view;
  const outIp = at + linkBytes;
  const outTcp = outIp + IPV4_HEADER_BYTES;
  view.setUint16(outIp + Ipv4Offset.totalLength, IPV4_HEADER_BYTES + headerBytes);
  refreshIpv4Checksum(out.bytes, view, outIp);
  view.setUint8(outTcp + TcpOffset.dataOffsetFlags, (headerBytes / 4) << 4);
  setTcpChecksum(view, outTcp, 0);
  const pseudo = pseudoHeaderSum(ipv4Src(view, outIp), ipv4Dst(view, outIp), IP_PROTO_TCP, headerBytes);
  setTcpChecksum(view, outTcp, internetChecksum(out.bytes, outTcp, headerBytes, pseudo));
  return out;
}

test("the options of Linux's SYN are read: MSS, window scale, timestamps; malformed ones are refused", () => {
  const view = new DataView(new Uint8Array([...new Array<number>(20).fill(0), ...LINUX_SYN_OPTIONS]).buffer);
  const out: TcpOptions = { mss: 0, windowShift: -1, timestamps: false };
  assert.ok(readTcpOptions(view, 0, 20 + LINUX_SYN_OPTIONS.length, out));
  assert.equal(out, { mss: 1460, windowShift: 7, timestamps: true });
  view.setUint8(20 + 19, 15); // a shift above 14 is taken as 14 (RFC 7323 2.3)
  assert.ok(readTcpOptions(view, 0, 40, out));
  assert.is(out.windowShift, 14);
  view.setUint8(20 + 18, 4); // the window scale option's length 4: malformed
  assert.not.ok(readTcpOptions(view, 0, 40, out));
});

test("a SYN with Linux's options opens a correct connection; our SYN-ACK agrees to window scaling, not timestamps", () => {
  for (const spec of ['tcp/ip/eth', 'tcp/ip/fddi']) {
    const p = makePair(spec, { connect: false });
    p.b.listen();
    p.a.connect();
    const syn = p.wire.toB.frames.pop()!;
    p.b.receive(withLinuxOptions(syn, p.b.linkHeaderBytes));
    assert.equal(p.b.drops.toRecord(), {}, `${spec}: the options were read, not refused`);
    assert.is(p.b.state, 'SYN_RECEIVED');
    assert.is(p.b.tcb!.f[Tcb.peerMss], 1460, "the peer's MSS");
    const synAck = p.wire.toA.frames[0]!;
    const at = synAck.head + p.a.headerOffset('tcp');
    assert.is(synAck.view.getUint8(at + TcpOffset.dataOffsetFlags + 1) & 0x3f, TcpFlag.SYN | TcpFlag.ACK);
    assert.is(tcpHeaderBytes(synAck.view, at), TCP_HEADER_BYTES + 8, 'MSS, NOP and window scale; no timestamps');
    assert.equal([...synAck.bytes.subarray(at + 24, at + 28)], [1, 3, 3, 0], 'a window scale of 0: our windows are not scaled');
    p.wire.pump();
    assert.equal([p.a.state, p.b.state], ['ESTABLISHED', 'ESTABLISHED']);
    assert.is(p.b.maxSegment, Math.min(1460, p.b.mtu - 40), 'segments no larger than the peer takes');
    const msg = new BufferPool(1).get();
    msg.resetPayload(1000);
    msg.bytes.fill(0x5a, msg.head, msg.tail);
    assert.is(p.a.send(msg), 0);
    p.wire.pump();
    assert.is(p.received.length, 1);
    assert.ok(p.received[0]!.every((x) => x === 0x5a));
    // b takes the peer's windows as scaled by 7 from now on (its SYN said so; here our own stack,
    // which sends them unscaled, plays that peer, so b believes in a window 128 times its size,
    // and sends no more than its 64 KiB send ring holds).
    assert.is(p.b.tcb!.f[Tcb.sndScale], 7);
    assert.is(p.b.tcb!.f[Tcb.sndWnd], 65535 << 7);
  }
});

test.run();
