// The backlog lock design (stacks/layers/tcp/backlog.ts): the queue keeps each segment's bytes,
// bounds and addresses, refuses when full and goes on lap after lap; and on a shared connection,
// segments whose input finds the lock held are queued, not lost, and run in order by the next
// entry to the layer once the lock is free, one or a batch to an acquisition (one thread plays the
// other holder).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKLOG_SLOTS, SegmentBacklog } from '../stacks/layers/tcp/backlog.js';
import { BufferPool } from '../stacks/message.js';
import { AtomicsMutex } from '../parallel/mutex.js';
import { sharedConnection, sharedConnectionBytes } from '../drivers/shared-connection.js';
import { createWorkload } from '../drivers/workload.js';
import { BATCH } from '../parallel/lock-designs.js';

function backlogOn(): { backlog: SegmentBacklog; lock: AtomicsMutex } {
  const buffer = new SharedArrayBuffer(64 + SegmentBacklog.BYTES);
  const lock = new AtomicsMutex(buffer, 0);
  const backlog = new SegmentBacklog(buffer, 64, lock);
  backlog.reset();
  return { backlog, lock };
}

test('the backlog gives back each segment as it was queued, in order, refuses when full, and goes on lap after lap', () => {
  const { backlog, lock } = backlogOn();
  const source = new BufferPool(1).get();
  let queued = 0;
  let taken = 0;
  for (let lap = 0; lap < 3; lap++) {
    assert.not.ok(backlog.ready);
    for (let i = 0; i < BACKLOG_SLOTS; i++, queued++) {
      const length = 40 + (queued % 7) * 100;
      const at = source.resetPayload(length, 128 + (queued % 4) * 4);
      for (let k = 0; k < length; k++) source.bytes[at + k] = (queued * 31 + k) & 0xff;
      source.srcAddr = 0xc0a80001 + queued; // (above 2^31: addresses come back unsigned)
      source.dstAddr = 0x0a000100 + queued;
      assert.ok(backlog.offer(source), `segment ${queued} queued`);
    }
    assert.not.ok(backlog.offer(source), 'a full backlog refuses');
    lock.acquire();
    for (let i = 0; i < BACKLOG_SLOTS; i++, taken++) {
      assert.ok(backlog.ready);
      const msg = backlog.take();
      const length = 40 + (taken % 7) * 100;
      assert.is(msg.length, length);
      assert.is(msg.head - msg.slotStart, 128 + (taken % 4) * 4, 'at the offset it had in its own slot');
      assert.is(msg.srcAddr, 0xc0a80001 + taken);
      assert.is(msg.dstAddr, 0x0a000100 + taken);
      let same = true;
      for (let k = 0; k < length; k++) same &&= msg.bytes[msg.head + k] === ((taken * 31 + k) & 0xff);
      assert.ok(same, `segment ${taken}'s bytes`);
      if (i === 0) assert.not.ok(backlog.offer(source), 'a slot taken but not yet freed is still full');
      backlog.free(msg);
    }
    lock.release();
  }
  assert.is(taken, 3 * BACKLOG_SLOTS);
});

/**
 * One thread on a shared connection under a backlog design: 4 segments uncontended, then `held`
 * while the lock is held elsewhere (played here), then one more once it is free. Answers the bytes
 * each step delivered, the accounting, and the acquisitions the last step took.
 */
function heldThenFreed(perAcquisition: number, held: number) {
  const packetSize = 1024;
  const buffer = new SharedArrayBuffer(sharedConnectionBytes(1));
  const shared = sharedConnection(buffer, 0, 0, (b, at) => new AtomicsMutex(b, at), perAcquisition);
  const lock = shared.lock as AtomicsMutex;
  const options = { spec: 'tcp/ip/fddi', side: 'recv' as const, packetSize, crypto: 'cryptojs' as const, seed: 5, verify: false };
  const workload = createWorkload(options, shared);
  const uncontended = workload.run(4) / packetSize;
  lock.acquire();
  const whileHeld = workload.run(held) / packetSize;
  const queued = shared.backlog!.ready;
  const refusals = lock.stats.contended;
  lock.release();
  const before = lock.stats.acquisitions;
  const afterFree = workload.run(1) / packetSize;
  return {
    uncontended,
    whileHeld,
    queued,
    refusals,
    afterFree,
    emptied: !shared.backlog!.ready,
    account: workload.sharedAccount(),
    lastStepAcquisitions: lock.stats.acquisitions - before,
  };
}

const HELD = BACKLOG_SLOTS - 4;

for (const [design, perAcquisition] of [
  ['backlog', 1],
  ['batch', BATCH],
] as const)
  test(`${design}: segments that find the lock held are queued, none lost, and delivered in order by the next entry`, () => {
    const r = heldThenFreed(perAcquisition, HELD);
    assert.is(r.uncontended, 4, 'uncontended: delivered at once');
    assert.is(r.whileHeld, 0, 'nothing delivered while the lock is held');
    assert.ok(r.queued && r.refusals >= HELD, `${r.refusals} refusals for ${HELD} segments queued`);
    // The next segment's input takes the lock; the layer then runs the backlog before it returns.
    assert.is(r.afterFree, HELD + 1);
    assert.ok(r.emptied);
    assert.equal(r.account, { offered: 4 + HELD + 1, delivered: 4 + HELD + 1, dropped: 0, queued: 0 });
  });

test('the batch design runs the queued segments BATCH to an acquisition: the backlog design takes one each', () => {
  const one = heldThenFreed(1, HELD);
  const batched = heldThenFreed(BATCH, HELD);
  assert.is(one.lastStepAcquisitions - batched.lastStepAcquisitions, HELD - Math.ceil(HELD / BATCH));
});

test('the batch design sends a 4 KB write in three Ethernet segments under one acquisition: two fewer a message than one at a time', () => {
  const acquisitions = (perAcquisition: number) => {
    const buffer = new SharedArrayBuffer(sharedConnectionBytes(1));
    const shared = sharedConnection(buffer, 0, 0, (b, at) => new AtomicsMutex(b, at), perAcquisition);
    const options = { spec: 'tcp/ip/eth', side: 'send' as const, packetSize: 4096, crypto: 'cryptojs' as const, seed: 5, verify: false };
    const workload = createWorkload(options, shared);
    workload.run(100);
    const lock = shared.lock as AtomicsMutex;
    const before = lock.stats.acquisitions;
    assert.is(workload.run(1000), 1000 * 4096, 'every message went out whole');
    return lock.stats.acquisitions - before;
  };
  assert.is(acquisitions(1) - acquisitions(BATCH), 2 * 1000);
});

test.run();
