// TCP's send queue on its own (stacks/layers/tcp/send-queue.ts): segments kept with their bounds
// until acknowledged, the oldest one's length for a retransmission, bytes across the ring's end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SND_RING_BYTES, SND_SEGS, Tcb, TcpControlBlock } from '../stacks/layers/tcp/control-block.js';
import { SendQueue } from '../stacks/layers/tcp/send-queue.js';
import { BufferPool, type Msg } from '../stacks/message.js';

/** Takes a slot for the segment and copies it in, as the layer does around its lock. */
function append(queue: SendQueue, msg: Msg, seq: number, length: number): void {
  queue.copyIn(msg, seq, length, queue.reserve(seq, length));
}

function queueAt(una: number): { tcb: TcpControlBlock; queue: SendQueue } {
  const tcb = new TcpControlBlock();
  tcb.f[Tcb.sndUna] = una;
  return { tcb, queue: new SendQueue(tcb) };
}

test('segments keep their bounds: the oldest is sent again whole, and ACKs free whole segments', () => {
  const { tcb, queue } = queueAt(1000);
  const msg = new BufferPool(1).get();
  for (const [seq, length, fill] of [
    [1000, 300, 1],
    [1300, 500, 2],
    [1800, 200, 3],
  ] as const) {
    msg.resetPayload(length);
    msg.bytes.fill(fill, msg.head, msg.tail);
    append(queue, msg, seq, length);
  }
  assert.is(queue.oldestLength(), 300);
  tcb.f[Tcb.sndUna] = 1300;
  queue.acknowledged(1300);
  assert.is(queue.oldestLength(), 500);
  // An ACK inside a segment keeps it: what is left of it goes again.
  tcb.f[Tcb.sndUna] = 1400;
  queue.acknowledged(1400);
  assert.is(queue.oldestLength(), 400);
  queue.copyOut(msg, 1400, 400);
  assert.ok(msg.toBytes().every((b) => b === 2));
  tcb.f[Tcb.sndUna] = 2000;
  queue.acknowledged(2000);
  assert.is(queue.oldestLength(), 0, 'nothing outstanding');
  assert.is(tcb.f[Tcb.sndSegCount], 0);
});

test("bytes across the ring's end and sequence numbers across 2^32 come back as they went", () => {
  const start = (0x1_0000_0000 - 100) | 0; // 100 bytes before the wrap, and at the ring's last 100 bytes
  const { queue } = queueAt(start);
  const msg = new BufferPool(1).get();
  msg.resetPayload(1000);
  for (let i = 0; i < 1000; i++) msg.bytes[msg.head + i] = i & 0xff;
  append(queue, msg, start, 1000);
  assert.is(start & (SND_RING_BYTES - 1), SND_RING_BYTES - 100);
  assert.is(queue.oldestLength(), 1000);
  queue.copyOut(msg, start, 1000);
  assert.ok(msg.toBytes().every((b, i) => b === (i & 0xff)));
});

test(`the queue holds ${SND_SEGS} segments, then has no room until an ACK`, () => {
  const { tcb, queue } = queueAt(0);
  const msg = new BufferPool(1).get();
  msg.resetPayload(1);
  for (let i = 0; i < SND_SEGS; i++) append(queue, msg, i, 1);
  assert.not.ok(queue.hasRoom);
  tcb.f[Tcb.sndUna] = 1;
  queue.acknowledged(1);
  assert.ok(queue.hasRoom);
});

test('a segment whose bytes are still being copied in is not sent again (nor has it been sent)', () => {
  const { queue } = queueAt(500);
  const msg = new BufferPool(1).get();
  msg.resetPayload(100);
  const slot = queue.reserve(500, 100);
  assert.is(queue.oldestLength(), 0, 'reserved, not ready');
  queue.copyIn(msg, 500, 100, slot);
  assert.is(queue.oldestLength(), 100);
});

test.run();
