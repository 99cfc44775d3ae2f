// TCP as a byte stream (stacks/layers/tcp/tcp-layer.ts output, send-queue.ts): a write larger than
// a segment is cut at the MSS, never a segment across two writes; what the windows hold back waits
// in the send queue and goes as ACKs come; the FIN waits behind it; a segment sent again has its
// bounds; a layer above may limit segments (as TCP_MAXSEG).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SendStatus } from '../stacks/layer.js';
import { Tcb, TcpConnState } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { tcpHeaderBytes, tcpSeq } from '../stacks/wire/tcp.js';
import { type Pair, concat, makePair, randomBytes } from './helpers.js';

/** The TCP data bytes of each frame queued toward b. */
function segmentLengths(pair: Pair): number[] {
  const at = pair.a.headerOffset('tcp');
  return pair.wire.toB.frames.map((f) => f.tail - (f.head + at) - tcpHeaderBytes(f.view, f.head + at));
}

/** Messages large enough for any write (TCP takes up to 32 KiB at once). */
const writes = new BufferPool(1, 65536);

function write(pair: Pair, data: Uint8Array): SendStatus {
  const msg = writes.get();
  writes.put(msg);
  msg.resetPayload(data.length);
  msg.bytes.set(data, msg.head);
  return pair.a.send(msg);
}

test('a 4096-byte write over Ethernet goes as segments of 1460, 1460 and 1176; the receiver has the stream, in place', () => {
  const pair = makePair('tcp/ip/eth');
  const data = randomBytes(4096, 1);
  const seqs: number[] = [];
  pair.b.application = { pop: (m: Msg) => void (seqs.push(m.streamSeq), pair.received.push(m.toBytes())) };
  const start = pair.a.tcb!.f[Tcb.sndNxt]!;
  assert.is(write(pair, data), SendStatus.Sent);
  assert.equal(segmentLengths(pair), [1460, 1460, 1176]);
  pair.wire.pump();
  assert.equal(
    pair.received.map((r) => r.length),
    [1460, 1460, 1176],
  );
  assert.equal(seqs, [start, start + 1460, start + 2920], 'each piece knows its place in the stream');
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)));
  assert.not.ok(pair.a.tcb!.waitingToSend);
});

test('segments never run across two writes: 1000 + 4096 + 1000 bytes go as 1000, 1460, 1460, 1176, 1000', () => {
  const pair = makePair('tcp/ip/eth');
  pair.a.tcb!.f[Tcb.cwnd] = 1 << 20; // slow start done: the peer's window limits
  const parts = [randomBytes(1000, 2), randomBytes(4096, 3), randomBytes(1000, 4)];
  for (const p of parts) assert.is(write(pair, p), SendStatus.Sent);
  assert.equal(segmentLengths(pair), [1000, 1460, 1460, 1176, 1000]);
  pair.wire.pump();
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(concat(parts))));
});

test('what the congestion window holds back waits in the send queue and goes as ACKs arrive, in order', () => {
  const pair = makePair('tcp/ip/eth');
  const f = pair.a.tcb!.f;
  assert.is(f[Tcb.cwnd], 4380, 'RFC 3390: three segments of 1460');
  const big = randomBytes(7000, 5);
  const small = randomBytes(100, 6);
  assert.is(write(pair, big), SendStatus.Sent, 'taken whole, though only three segments may go now');
  assert.equal(segmentLengths(pair), [1460, 1460, 1460]);
  assert.ok(pair.a.tcb!.waitingToSend);
  assert.is(write(pair, small), SendStatus.Sent, 'a small write behind waiting data waits too');
  assert.is(pair.wire.toB.frames.length, 3, 'and does not jump the queue');
  for (let i = 0; i < 20 && (pair.a.tcb!.waitingToSend || pair.wire.toB.frames.length > 0); i++) {
    pair.wire.pump();
    pair.b.tick();
  }
  pair.wire.pump();
  assert.not.ok(pair.a.tcb!.waitingToSend);
  assert.is(f[Tcb.sndUna], f[Tcb.sndMax], 'all acknowledged');
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(concat([big, small]))));
});

test('a write that fits a segment is refused while the windows are closed; a larger one waits while the buffer has room', () => {
  const pair = makePair('tcp/ip/eth');
  pair.a.tcb!.f[Tcb.sndWnd] = 0;
  assert.is(write(pair, randomBytes(1000, 7)), SendStatus.WouldBlock);
  assert.is(pair.wire.toB.frames.length, 0);
  // A larger write is taken into the send buffer while it has room (64 KiB), and waits for the window.
  let taken = 0;
  while (write(pair, randomBytes(4096, 8)) === SendStatus.Sent) taken++;
  assert.is(taken, Math.floor(65535 / 4096));
  assert.is(pair.wire.toB.frames.length, 0, 'nothing goes into a closed window');
  pair.a.tcb!.f[Tcb.sndWnd] = 65535;
  assert.is(write(pair, randomBytes(40000, 9)), SendStatus.TooBig, 'more than a write may be (32 KiB)');
});

test('close() with data waiting: the FIN follows the last segment; both ends close', () => {
  const pair = makePair('tcp/ip/eth');
  const data = randomBytes(7000, 10);
  assert.is(write(pair, data), SendStatus.Sent);
  assert.ok(pair.a.close());
  assert.is(pair.a.tcb!.state, TcpConnState.FinWait1);
  assert.is(write(pair, randomBytes(10, 11)), SendStatus.NotConnected, 'no writes after close');
  for (let i = 0; i < 20; i++) {
    pair.wire.pump();
    pair.b.tick();
  }
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)), 'every byte before the FIN');
  assert.is(pair.b.tcb!.state, TcpConnState.CloseWait);
  assert.is(pair.a.tcb!.state, TcpConnState.FinWait2);
  assert.ok(pair.b.close());
  pair.wire.pump();
  assert.is(pair.a.tcb!.state, TcpConnState.TimeWait);
  assert.is(pair.b.tcb!.state, TcpConnState.Closed);
});

test('a lost segment of a cut write is sent again with its bounds (the timer)', () => {
  const pair = makePair('tcp/ip/eth');
  pair.a.tick(1000);
  pair.b.tick(1000);
  assert.is(write(pair, randomBytes(4096, 12)), SendStatus.Sent);
  const at = pair.a.headerOffset('tcp');
  const lost = pair.wire.toB.frames.shift()!; // the first segment never arrives
  const lostSeq = tcpSeq(lost.view, lost.head + at);
  pair.wire.toB.release(lost);
  pair.wire.pump();
  assert.is(pair.received.length, 0, 'held back behind the hole');
  pair.a.tick(1000 + 1000); // the RTO (1 s before any sample)
  assert.equal(segmentLengths(pair), [1460], 'the lost segment, whole');
  assert.is(tcpSeq(pair.wire.toB.frames[0]!.view, pair.wire.toB.frames[0]!.head + at), lostSeq);
  pair.wire.pump();
  assert.equal(
    pair.received.map((r) => r.length),
    [1460, 1460, 1176],
  );
});

test('LimitSegment (TCP_MAXSEG): a layer above sets the segment size for every thread (it is in the control block)', () => {
  const pair = makePair('tcp/ip/eth');
  const tcp = pair.a.layers[0]!;
  assert.is(pair.a.maxSegment, 1460);
  assert.is(tcp.control(10 /* LimitSegment */, 1000), 1000);
  assert.is(pair.a.tcb!.f[Tcb.userMss], 1000);
  assert.is(write(pair, randomBytes(2500, 13)), SendStatus.Sent);
  assert.equal(segmentLengths(pair), [1000, 1000, 500]);
});

test.run();
