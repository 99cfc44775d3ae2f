// A TCP connection's life beyond the handshake (RFC 793 pp. 60-76, RFC 5961): close from either
// end and from both at once, FIN through every closing state, TIME_WAIT's end on the stack's
// clock, resets honoured only at rcv_nxt (a challenge ACK elsewhere in the window), resets sent to
// segments for a closed or unsynchronized connection, and the segment-acceptance table (p. 69).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import { segmentAcceptable } from '../stacks/layers/tcp/input.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { IP_PROTO_TCP, ipv4Dst, ipv4Src, ipv4TotalLength } from '../stacks/wire/ipv4.js';
import { TcpFlag, TcpOffset, setTcpChecksum, tcpSeq } from '../stacks/wire/tcp.js';
import { makePair, type Pair } from './helpers.js';

const SPEC = 'tcp/ip/eth';
const MSL = 1000;

function pair(): Pair {
  return makePair(SPEC, { a: { tcpMslMs: MSL }, b: { tcpMslMs: MSL } });
}

function send(p: Pair, bytes: number): void {
  const msg = new BufferPool(1).get();
  msg.resetPayload(bytes);
  p.a.send(msg);
}

/** The TCP header's offset in a frame of the pair's stacks. */
function tcpAt(p: Pair, frame: Msg): number {
  return frame.head + p.a.headerOffset('tcp');
}

/** The flags of the TCP segment in a queued frame. */
function flagsOf(p: Pair, frame: Msg): number {
  return frame.view.getUint8(tcpAt(p, frame) + TcpOffset.dataOffsetFlags + 1) & 0x3f;
}

/** A copy of a frame toward b with its TCP flags, seq and ack set, checksum fixed. */
function crafted(p: Pair, frame: Msg, flags: number, seq?: number, ack?: number): Msg {
  const copy = p.wire.toB.clone(frame);
  const view = copy.view;
  const at = tcpAt(p, copy);
  view.setUint8(at + TcpOffset.dataOffsetFlags + 1, flags);
  if (seq !== undefined) view.setUint32(at + TcpOffset.seq, seq >>> 0);
  if (ack !== undefined) view.setUint32(at + TcpOffset.ack, ack >>> 0);
  const ip = copy.head + p.a.linkHeaderBytes;
  const length = ipv4TotalLength(view, ip) - (at - ip); // not the Ethernet padding behind it
  setTcpChecksum(view, at, 0);
  setTcpChecksum(
    view,
    at,
    internetChecksum(copy.bytes, at, length, pseudoHeaderSum(ipv4Src(view, ip), ipv4Dst(view, ip), IP_PROTO_TCP, length)),
  );
  return copy;
}

/** A genuine data frame a sent toward b, taken off the wire (b has not seen it). */
function dataFrame(p: Pair): Msg {
  send(p, 100);
  return p.wire.toB.frames.pop()!;
}

/** A copy of a genuine data frame a sent toward b, which b has received: a template to craft segments from. */
function template(p: Pair): Msg {
  send(p, 100);
  const copy = p.wire.toB.clone(p.wire.toB.frames[p.wire.toB.frames.length - 1]!);
  p.wire.pump();
  return copy;
}

test("RFC 793's acceptance table (p. 69)", () => {
  const rcvNxt = 1000;
  // length 0: window 0 takes only seq = rcv_nxt; a window takes rcv_nxt ≤ seq < rcv_nxt + wnd.
  assert.ok(segmentAcceptable(1000, 0, rcvNxt, 0));
  assert.not.ok(segmentAcceptable(1001, 0, rcvNxt, 0));
  assert.ok(segmentAcceptable(1000, 0, rcvNxt, 100));
  assert.ok(segmentAcceptable(1099, 0, rcvNxt, 100));
  assert.not.ok(segmentAcceptable(1100, 0, rcvNxt, 100));
  assert.not.ok(segmentAcceptable(999, 0, rcvNxt, 100));
  // data and window 0: never.
  assert.not.ok(segmentAcceptable(1000, 10, rcvNxt, 0));
  // data and a window: its first or its last byte in the window.
  assert.ok(segmentAcceptable(990, 20, rcvNxt, 100), 'last byte in');
  assert.ok(segmentAcceptable(1095, 20, rcvNxt, 100), 'first byte in');
  assert.not.ok(segmentAcceptable(980, 20, rcvNxt, 100), 'all before');
  assert.not.ok(segmentAcceptable(1100, 20, rcvNxt, 100), 'all after');
  // mod 2^32
  assert.ok(segmentAcceptable(-5, 10, -1, 100));
});

test('close from one end, then the other: FIN each way, TIME_WAIT at the closer, no reset', () => {
  const p = pair();
  send(p, 500);
  assert.ok(p.a.close());
  assert.is(p.a.state, 'FIN_WAIT_1');
  p.wire.pump();
  assert.is(p.received.length, 1, 'data before the FIN arrives');
  assert.is(p.b.state, 'CLOSE_WAIT');
  assert.is(p.a.state, 'FIN_WAIT_2');
  send(p, 0); // a closed its side: nothing more goes out
  const msg = new BufferPool(1).get();
  msg.resetPayload(50);
  assert.is(p.b.send(msg), 0, 'b may still send in CLOSE_WAIT');
  assert.ok(p.b.close());
  assert.is(p.b.state, 'LAST_ACK');
  p.wire.pump();
  assert.is(p.a.state, 'TIME_WAIT');
  assert.is(p.b.state, 'CLOSED');
  p.a.tick(10_000);
  assert.is(p.a.state, 'TIME_WAIT', 'the first tick starts 2·MSL');
  p.a.tick(10_000 + 2 * MSL - 1);
  assert.is(p.a.state, 'TIME_WAIT');
  p.a.tick(10_000 + 2 * MSL);
  assert.is(p.a.state, 'CLOSED');
  assert.is(p.a.tcb!.stats().resetsOut + p.b.tcb!.stats().resetsOut, 0);
  assert.equal(p.a.drops.toRecord(), {});
  assert.equal(p.b.drops.toRecord(), {});
});

test('simultaneous close: both FIN_WAIT_1, both CLOSING, both TIME_WAIT', () => {
  const p = pair();
  p.a.close();
  p.b.close();
  assert.equal([p.a.state, p.b.state], ['FIN_WAIT_1', 'FIN_WAIT_1']);
  // Each FIN reaches the other before its own is acknowledged.
  const toB = p.wire.toB.frames.splice(0);
  const toA = p.wire.toA.frames.splice(0);
  for (const f of toB) p.b.receive(f);
  for (const f of toA) p.a.receive(f);
  assert.equal([p.a.state, p.b.state], ['CLOSING', 'CLOSING']);
  p.wire.pump();
  assert.equal([p.a.state, p.b.state], ['TIME_WAIT', 'TIME_WAIT']);
});

test('a FIN sent again in TIME_WAIT is acknowledged again and restarts 2·MSL', () => {
  const p = pair();
  p.a.close();
  p.wire.pump();
  p.b.close();
  const fin = p.wire.toA.clone(p.wire.toA.frames[0]!);
  p.wire.pump();
  assert.is(p.a.state, 'TIME_WAIT');
  p.a.tick(0);
  p.a.tick(2 * MSL - 10);
  p.a.receive(fin);
  assert.is(p.wire.toB.frames.length, 1, 'an ACK');
  assert.is(flagsOf(p, p.wire.toB.frames[0]!), TcpFlag.ACK);
  p.a.tick(2 * MSL);
  assert.is(p.a.state, 'TIME_WAIT', 'restarted');
  p.a.tick(4 * MSL);
  assert.is(p.a.state, 'CLOSED');
});

test('data after the peer FIN is not taken', () => {
  const p = pair();
  const late = dataFrame(p);
  p.a.close();
  const fin = p.wire.toB.frames.pop()!;
  p.b.receive(p.wire.toB.clone(late));
  p.b.receive(fin);
  assert.is(p.b.state, 'CLOSE_WAIT');
  const after = crafted(p, late, TcpFlag.ACK | TcpFlag.PSH, tcpSeq(late.view, tcpAt(p, late)) + 101);
  const delivered = p.received.length;
  p.b.receive(after);
  assert.is(p.received.length, delivered);
  assert.ok(p.b.drops.toRecord()['tcp-state']! >= 1 || p.b.drops.toRecord()['tcp-out-of-window']! >= 1);
});

test('a reset at exactly rcv_nxt closes, in every synchronized state; elsewhere in the window it gets a challenge ACK', () => {
  const states: [string, (p: Pair) => void][] = [
    ['ESTABLISHED', () => {}],
    ['CLOSE_WAIT', (p) => (p.a.close(), p.wire.pump())],
    ['FIN_WAIT_1', (p) => (p.b.close(), p.wire.toA.frames.splice(0))],
    ['LAST_ACK', (p) => (p.a.close(), p.wire.pump(), p.b.close(), p.wire.toA.frames.splice(0))],
  ];
  for (const [state, reach] of states) {
    const p = pair();
    const frame = template(p);
    reach(p);
    assert.is(p.b.state, state);
    const rcvNxt = p.b.tcb!.f[Tcb.rcvNxt]!;
    p.wire.toA.frames.splice(0);
    p.b.receive(crafted(p, frame, TcpFlag.RST, rcvNxt + 10));
    assert.is(p.b.state, state, `${state}: a reset inside the window but not at rcv_nxt changes nothing`);
    assert.is(p.wire.toA.frames.length, 1, `${state}: a challenge ACK`);
    assert.is(flagsOf(p, p.wire.toA.frames[0]!), TcpFlag.ACK);
    p.b.receive(crafted(p, frame, TcpFlag.RST, rcvNxt + 1_000_000));
    assert.is(p.wire.toA.frames.length, 1, `${state}: one outside the window is ignored`);
    p.b.receive(crafted(p, frame, TcpFlag.RST, rcvNxt));
    assert.is(p.b.state, 'CLOSED', `${state}: a reset at rcv_nxt closes`);
  }
});

test('a SYN on an established connection gets a challenge ACK and changes nothing (RFC 5961 4.2)', () => {
  const p = pair();
  const frame = template(p);
  p.wire.toA.frames.splice(0);
  p.b.receive(crafted(p, frame, TcpFlag.SYN, 12345));
  assert.is(p.b.state, 'ESTABLISHED');
  assert.is(flagsOf(p, p.wire.toA.frames[0]!), TcpFlag.ACK);
});

test('resets go out for a segment to a closed connection and for an ACK a listener never sent for', () => {
  const p = pair();
  const frame = dataFrame(p);
  const ack = p.a.tcb!.f[Tcb.rcvNxt]!;
  p.b.receive(crafted(p, frame, TcpFlag.RST, p.b.tcb!.f[Tcb.rcvNxt]!));
  assert.is(p.b.state, 'CLOSED');
  p.wire.toA.frames.splice(0);
  // CLOSED: a segment with an ACK gets <SEQ=SEG.ACK><CTL=RST>.
  p.b.receive(p.wire.toB.clone(frame));
  const rst = p.wire.toA.frames[0]!;
  assert.is(flagsOf(p, rst), TcpFlag.RST);
  assert.is(tcpSeq(rst.view, tcpAt(p, rst)), ack >>> 0);
  // A reset is never answered with one.
  p.wire.toA.frames.splice(0);
  p.b.receive(crafted(p, frame, TcpFlag.RST));
  assert.is(p.wire.toA.frames.length, 0);
  // LISTEN: an ACK gets a reset too.
  assert.is(p.b.tcb!.stats().resetsOut, 1);
  p.b.listen();
  p.b.receive(p.wire.toB.clone(frame));
  assert.is(flagsOf(p, p.wire.toA.frames[0]!), TcpFlag.RST);
  assert.is(p.b.state, 'LISTEN');
  assert.is(p.b.tcb!.stats().resetsOut, 1, 'counted anew since listen()');
});

test('an ACK storm cannot start: unacceptable pure ACKs are answered a few times, then not until one is acceptable', () => {
  const p = pair();
  const msg = new BufferPool(1).get();
  msg.resetPayload(100);
  p.b.send(msg);
  for (const frame of p.wire.toA.frames.splice(0)) p.a.receive(frame);
  p.a.tick(0); // the delayed ACK
  const ack = p.wire.toB.frames.pop()!;
  assert.is(flagsOf(p, ack), TcpFlag.ACK);
  p.b.receive(p.wire.toB.clone(ack)); // b's data is acknowledged: the crafted copies are duplicates at best
  const rcvNxt = p.b.tcb!.f[Tcb.rcvNxt]!;
  p.wire.toA.frames.splice(0);
  for (let i = 0; i < 20; i++) p.b.receive(crafted(p, ack, TcpFlag.ACK, rcvNxt + 200_000));
  assert.is(p.wire.toA.frames.length, 4);
  p.b.receive(crafted(p, ack, TcpFlag.ACK, rcvNxt));
  p.b.receive(crafted(p, ack, TcpFlag.ACK, rcvNxt + 200_000));
  assert.is(p.wire.toA.frames.length, 5, 'an acceptable segment lets the next one be answered');
});

test.run();
