// TCP's send queue on its own (stacks/layers/tcp/send-queue.ts): writes kept with their bounds
// until acknowledged, cut into segments never across two writes, the oldest segment's length for a
// retransmission, bytes across the ring's end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SND_RING_BYTES, SND_SEGS, Tcb, TcpControlBlock } from '../stacks/layers/tcp/control-block.js';
import { SendQueue } from '../stacks/layers/tcp/send-queue.js';
import { BufferPool, type Msg } from '../stacks/message.js';

/** Takes a slot for a write that goes out at once as one segment and copies it in, as the layer does around its lock. */
function sendNow(queue: SendQueue, tcb: TcpControlBlock, msg: Msg, seq: number, length: number): void {
  queue.copyIn(msg, seq, length, queue.reserve(seq, length, true));
  tcb.f[Tcb.sndNxt] = (seq + length) | 0;
}

function queueAt(una: number): { tcb: TcpControlBlock; queue: SendQueue } {
  const tcb = new TcpControlBlock();
  tcb.f[Tcb.sndUna] = una;
  tcb.f[Tcb.sndNxt] = una;
  return { tcb, queue: new SendQueue(tcb) };
}

/** The bytes `length` from ring position `position` (what a segment built from it carries). */
function bytesAt(queue: SendQueue, position: number, length: number): Uint8Array {
  const msg = new BufferPool(1).get();
  queue.copyOut(msg, position, length);
  return msg.toBytes();
}

test('segments keep their bounds: the oldest is sent again whole, and ACKs free whole writes', () => {
  const { tcb, queue } = queueAt(1000);
  const msg = new BufferPool(1).get();
  for (const [seq, length, fill] of [
    [1000, 300, 1],
    [1300, 500, 2],
    [1800, 200, 3],
  ] as const) {
    msg.resetPayload(length);
    msg.bytes.fill(fill, msg.head, msg.tail);
    sendNow(queue, tcb, msg, seq, length);
  }
  assert.ok(queue.allSent);
  assert.is(queue.oldestLength(1460), 300);
  tcb.f[Tcb.sndUna] = 1300;
  queue.acknowledged(1300);
  assert.is(queue.oldestLength(1460), 500);
  assert.is(queue.oldestLength(200), 200, 'no longer than a segment');
  // An ACK inside a write keeps it: what is left of it goes again.
  tcb.f[Tcb.sndUna] = 1400;
  queue.acknowledged(1400);
  assert.is(queue.oldestLength(1460), 400);
  assert.ok(bytesAt(queue, queue.positionOf(1400, false), 400).every((b) => b === 2));
  tcb.f[Tcb.sndUna] = 2000;
  queue.acknowledged(2000);
  assert.is(queue.oldestLength(1460), 0, 'nothing outstanding');
  assert.is(tcb.f[Tcb.sndSegCount], 0);
});

test('a queued write is cut into segments of the MSS, and the next write starts a segment of its own', () => {
  const { tcb, queue } = queueAt(0);
  const msg = new BufferPool(1).get();
  for (const [seq, length, fill] of [
    [0, 4096, 7],
    [4096, 100, 8],
  ] as const) {
    msg.resetPayload(length);
    msg.bytes.fill(fill, msg.head, msg.tail);
    queue.copyIn(msg, seq, length, queue.reserve(seq, length, false));
  }
  assert.is(queue.writtenEnd(0), 4196, 'the next write goes behind both');
  const cuts: number[] = [];
  for (let seq = 0; ;) {
    const length = queue.nextLength(seq, 1460);
    if (length === 0) break;
    const position = queue.positionOf(seq, true);
    queue.sent(seq, length);
    assert.ok(bytesAt(queue, position, length).every((b) => b === (seq < 4096 ? 7 : 8)));
    cuts.push(length);
    seq += length;
    tcb.f[Tcb.sndNxt] = seq;
  }
  assert.equal(cuts, [1460, 1460, 1176, 100]);
  assert.ok(queue.allSent);
  // A retransmission of the first segment after a timeout has the bounds it had.
  assert.is(queue.oldestLength(1460), 1460);
});

test('a write is not sent beyond what snd_nxt has reached when it is sent again', () => {
  const { tcb, queue } = queueAt(0);
  const msg = new BufferPool(1).get();
  msg.resetPayload(3000);
  queue.copyIn(msg, 0, 3000, queue.reserve(0, 3000, false));
  queue.sent(0, 1000);
  tcb.f[Tcb.sndNxt] = 1000;
  assert.not.ok(queue.allSent);
  assert.is(queue.oldestLength(1460), 1000, 'only the part sent');
  assert.is(queue.nextLength(1000, 1460), 1460);
});

test("bytes across the ring's end and sequence numbers across 2^32 come back as they went", () => {
  const start = (0x1_0000_0000 - 100) | 0; // 100 bytes before the wrap, and at the ring's last 100 bytes
  const { tcb, queue } = queueAt(start);
  const msg = new BufferPool(1).get();
  msg.resetPayload(3000);
  for (let i = 0; i < 3000; i++) msg.bytes[msg.head + i] = i & 0xff;
  queue.copyIn(msg, start, 3000, queue.reserve(start, 3000, false));
  assert.is(start & (SND_RING_BYTES - 1), SND_RING_BYTES - 100);
  // The second segment starts past the ring's end: its bytes are in the slack, where the write put them.
  const second = (start + 1460) | 0;
  queue.sent(start, 1460);
  tcb.f[Tcb.sndNxt] = second;
  assert.is(queue.nextLength(second, 1460), 1460);
  assert.ok(bytesAt(queue, queue.positionOf(second, true), 1460).every((b, i) => b === ((i + 1460) & 0xff)));
  queue.sent(second, 1460);
  tcb.f[Tcb.sndNxt] = (second + 1460) | 0;
  tcb.f[Tcb.sndUna] = second;
  queue.acknowledged(second);
  assert.is(queue.oldestLength(1460), 1460);
  assert.ok(bytesAt(queue, queue.positionOf(second, false), 1460).every((b, i) => b === ((i + 1460) & 0xff)));
});

test(`the queue holds ${SND_SEGS} writes, then has no room until an ACK`, () => {
  const { tcb, queue } = queueAt(0);
  assert.is(queue.writtenEnd(0), 0, 'an empty queue ends at snd_nxt');
  const msg = new BufferPool(1).get();
  msg.resetPayload(1);
  for (let i = 0; i < SND_SEGS; i++) sendNow(queue, tcb, msg, i, 1);
  assert.not.ok(queue.hasRoom);
  tcb.f[Tcb.sndUna] = 1;
  queue.acknowledged(1);
  assert.ok(queue.hasRoom);
});

test('a write whose bytes are still being copied in is not sent, first or again', () => {
  const { tcb, queue } = queueAt(500);
  const msg = new BufferPool(1).get();
  msg.resetPayload(100);
  const slot = queue.reserve(500, 100, true);
  tcb.f[Tcb.sndNxt] = 600;
  assert.is(queue.oldestLength(1460), 0, 'reserved, not ready');
  queue.copyIn(msg, 500, 100, slot);
  assert.is(queue.oldestLength(1460), 100);
  const queued = queue.reserve(600, 100, false);
  assert.is(queue.nextLength(600, 1460), 0, 'queued, not ready');
  queue.copyIn(msg, 600, 100, queued);
  assert.is(queue.nextLength(600, 1460), 100);
});

test.run();
