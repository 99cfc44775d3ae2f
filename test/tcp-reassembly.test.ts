// TCP's out-of-order queue and receive ring on their own (stacks/layers/tcp/reassembly.ts): entries
// stay sorted and never overlap (a new segment's back trims the front of the entry after it, as
// Net/2's tcp_reass does), duplicates and a full queue are refused with their reason, data
// comes back out of the ring as it went in (across the ring's wrap), and the window never reaches
// ring bytes still being copied out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Drop } from '../stacks/layers/tcp/actions.js';
import { RCV_RING_BYTES, RCV_WINDOW, REASS_ENTRY, REASS_SLOTS, Tcb, TcpControlBlock } from '../stacks/layers/tcp/control-block.js';
import { ReassemblyQueue } from '../stacks/layers/tcp/reassembly.js';
import { BufferPool, type Msg } from '../stacks/message.js';

/** A control block expecting `rcvNxt`, its queue, and a segment buffer whose byte k is (seq + k) & 0xff. */
function setUp(rcvNxt: number): { tcb: TcpControlBlock; queue: ReassemblyQueue; segment: Msg } {
  const tcb = new TcpControlBlock();
  tcb.f[Tcb.rcvNxt] = rcvNxt | 0;
  return { tcb, queue: new ReassemblyQueue(tcb), segment: new BufferPool(1).get() };
}

/** Queues [seq, seq + length) with its data copied in, as input and copyIn do; answers enqueue's answer. */
function queueData(queue: ReassemblyQueue, segment: Msg, seq: number, length: number): number {
  const at = segment.resetPayload(length);
  for (let k = 0; k < length; k++) segment.bytes[at + k] = (seq + k) & 0xff;
  const answer = queue.enqueue(at, seq | 0, length);
  if (answer < 0) {
    queue.copyPendingIn(segment);
    queue.pendingReady();
  }
  return answer;
}

/** The queue's entries as [seq, length] pairs. */
function entries(tcb: TcpControlBlock): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < tcb.f[Tcb.reassCount]!; i++) {
    const at = Tcb.reass + REASS_ENTRY * i;
    out.push([tcb.f[at]! >>> 0, tcb.f[at + 1]!]);
  }
  return out;
}

test('entries stay sorted; overlaps are trimmed against what is queued; a covered segment is a duplicate', () => {
  const { tcb, queue, segment } = setUp(1000);
  assert.is(queueData(queue, segment, 3000, 100), -1);
  assert.is(queueData(queue, segment, 2000, 100), -1);
  assert.is(queueData(queue, segment, 2050, 100), -1, 'its front overlaps the entry before');
  assert.is(queueData(queue, segment, 2990, 50), -1, 'its back overlaps the entry after, whose front is trimmed (tcp_reass)');
  assert.equal(entries(tcb), [
    [2000, 100],
    [2100, 50],
    [2990, 50],
    [3040, 60],
  ]);
  assert.is(queueData(queue, segment, 3010, 20), Drop.Duplicate);
  assert.is(tcb.f[Tcb.duplicates], 1);
  assert.is(queueData(queue, segment, 1990, 300), -1, 'a segment covering entries replaces them');
  assert.equal(entries(tcb), [
    [1990, 300],
    [2990, 50],
    [3040, 60],
  ]);
});

test('a full queue refuses a new entry with its own reason', () => {
  const { tcb, queue, segment } = setUp(0);
  for (let i = 0; i < REASS_SLOTS; i++) assert.is(queueData(queue, segment, 100 + 20 * i, 10), -1);
  assert.is(queueData(queue, segment, 100 + 20 * REASS_SLOTS, 10), Drop.ReassemblyFull);
  assert.is(tcb.f[Tcb.reassCount], REASS_SLOTS);
});

test('in-order data delivers queued segments oldest first, with their bytes, across the ring wrap', () => {
  const start = RCV_RING_BYTES - 700; // the second segment straddles the ring's end
  const { tcb, queue, segment } = setUp(start);
  assert.is(queueData(queue, segment, start + 1000, 500), -1);
  assert.is(queueData(queue, segment, start + 500, 500), -1);
  assert.not.ok(queue.headReady(), 'a gap at rcv_nxt');
  tcb.f[Tcb.rcvNxt] = (start + 500) | 0; // in-order data filled the gap
  const out = new BufferPool(1).get();
  for (const [seq, length] of [
    [start + 500, 500],
    [start + 1000, 500],
  ] as const) {
    assert.ok(queue.headReady());
    assert.is(queue.takeHead(out, false), seq);
    assert.is(out.length, length);
    assert.equal([out.streamSeq, out.streamNext], [seq, seq + length]);
    for (let k = 0; k < length; k++) assert.is(out.bytes[out.head + k], (seq + k) & 0xff, `byte ${k} of ${seq}`);
  }
  assert.is(tcb.f[Tcb.rcvNxt], start + 1500);
  assert.is(tcb.f[Tcb.reassCount], 0);
  assert.not.ok(queue.headReady());
});

test('trimCovered drops what in-order data covered and trims what it half covered', () => {
  const { tcb, queue, segment } = setUp(0);
  queueData(queue, segment, 100, 100);
  queueData(queue, segment, 300, 100);
  tcb.f[Tcb.rcvNxt] = 350;
  queue.trimCovered();
  assert.equal(entries(tcb), [[350, 50]]);
});

test('the window stops short of ring bytes still being copied out, and reopens once they are', () => {
  const { tcb, queue, segment } = setUp(0);
  assert.is(queue.windowEnd(0), RCV_WINDOW);
  queueData(queue, segment, 0, 1000);
  const out = new BufferPool(1).get();
  assert.is(queue.takeHead(out, true), 0, 'copied out after the lock is released');
  assert.is(queue.windowEnd(1000), RCV_RING_BYTES, "up to the copying entry's bytes, one ring on");
  assert.is(queue.advertisedWindow(1000), RCV_RING_BYTES - 1000);
  tcb.f[Tcb.rcvAdv] = RCV_RING_BYTES; // what the last ACK said
  queue.copyOut(out);
  queue.removeCopiedOut(0);
  assert.is(queue.windowEnd(1000), 1000 + RCV_WINDOW);
  assert.ok(queue.windowReopened(), 'the peer must hear of the wider window');
  for (let k = 0; k < 1000; k++) assert.is(out.bytes[out.head + k], k & 0xff);
});

test('clipToPending stops in-order data in front of an entry another thread is still copying in', () => {
  const { queue, segment } = setUp(0);
  const at = segment.resetPayload(100);
  assert.is(queue.enqueue(at, 500, 100), -1); // not copied in yet
  assert.is(queue.clipToPending(0, 1000), 500);
  assert.is(queue.clipToPending(0, 400), 400);
  assert.is(queueData(queue, segment, 450, 100), -1, 'new data stops in front of the pending entry');
});

test.run();
