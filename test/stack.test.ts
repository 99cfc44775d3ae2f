// Whole stacks, sender to receiver over the loopback wire: 1 MB arrives byte-identical whatever
// the order of delivery; messages keep their headroom and are not copied between layers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CRYPTO_PROVIDERS } from '../stacks/crypto/index.js';
import { DEFAULT_HEADROOM, BufferPool, type Msg, copyBytes } from '../stacks/message.js';
import { Loopback } from '../drivers/loopback.js';
import { type Lock, SendStatus } from '../stacks/layer.js';
import { initialWindow } from '../stacks/layers/tcp/congestion.js';
import { Tcb, TcpConnState } from '../stacks/layers/tcp/control-block.js';
import { PAPER_STACKS } from '../stacks/spec.js';
import { CounterBlock } from '../stacks/counter-block.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { type Delivery, concat, makePair, randomBytes, transfer } from './helpers.js';

const MB = 1 << 20;
const DATA = randomBytes(MB, 2024);
const DELIVERIES: Delivery[] = ['in-order', 'out-of-order', 'duplicates'];

for (const crypto of CRYPTO_PROVIDERS) {
  for (const link of ['fddi', 'eth']) {
    for (const paper of PAPER_STACKS) {
      const spec = paper.replace('fddi', link);
      for (const delivery of DELIVERIES) {
        test(`${spec} (${crypto}): 1 MB arrives byte-identical, ${delivery}`, () => {
          const pair = makePair(spec, { crypto });
          transfer(pair, DATA, Math.min(4096, pair.a.maxPayload), delivery, 7);
          const got = concat(pair.received);
          assert.is(got.length, DATA.length);
          assert.ok(Buffer.from(got).equals(Buffer.from(DATA)), 'data differs');
          const drops = pair.b.drops.toRecord();
          const stats = pair.b.tcb!.stats();
          if (delivery === 'duplicates') {
            assert.ok(drops['tcp-duplicate']! > 0, 'duplicates were sent');
            assert.equal(Object.keys(drops), ['tcp-duplicate']);
          } else if (delivery === 'out-of-order') {
            // Reordering by three segments or more looks like loss to the sender (RFC 5681 3.2): its
            // fast retransmits arrive as duplicates, and nothing else is dropped.
            const retransmits = pair.a.tcb!.stats().retransmits;
            assert.ok((drops['tcp-duplicate'] ?? 0) <= retransmits, `${drops['tcp-duplicate']} duplicates, ${retransmits} sent again`);
            assert.ok(Object.keys(drops).every((name) => name === 'tcp-duplicate'));
          } else {
            assert.equal(drops, {});
          }
          if (delivery === 'in-order') {
            assert.is(stats.outOfOrder, 0);
            assert.ok(stats.predictedData >= 0.95 * stats.segsIn, 'in-order data takes the header-prediction path');
          } else assert.ok(stats.outOfOrder > 0 && stats.reassDelivered > 0, 'out-of-order segments were reassembled');
          assert.is(stats.reassQueued, 0, 'nothing left in the reassembly queue');
          assert.equal(pair.a.drops.toRecord(), {});
        });
      }
    }
  }
}

test('sequence numbers wrap past 2^32 mid-transfer, out of order', () => {
  const pair = makePair('tcp/md5/ip/fddi', { a: { iss: 0xffff_8000 } });
  transfer(pair, DATA.subarray(0, 256 * 1024), 4096, 'out-of-order', 3);
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(DATA.subarray(0, 256 * 1024))));
  // Reordering makes duplicate ACKs, and three of them a fast retransmission of data the receiver
  // already queued: a duplicate, dropped. Nothing else is.
  const { 'tcp-duplicate': _duplicates, ...others } = pair.b.drops.toRecord();
  assert.equal(others, {});
});

for (const spec of ['udp/ip/eth', 'udp/md5/ip/fddi', 'des/udp/md5/ip/fddi', '3des/udp/ip/eth']) {
  test(`${spec}: every datagram arrives once and intact, in any order`, () => {
    const pair = makePair(spec);
    const size = Math.min(1024, pair.a.maxPayload);
    const msg = new BufferPool(1).get();
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      msg.resetPayload(size - (i % 8));
      msg.bytes.set(DATA.subarray(i * size, i * size + msg.length), msg.head);
      sent.push(Buffer.from(msg.toBytes()).toString('base64'));
      assert.is(pair.a.send(msg), SendStatus.Sent);
      if (pair.wire.toB.frames.length > 100) pair.wire.pump();
    }
    pair.wire.pump();
    assert.equal(pair.received.map((r) => Buffer.from(r).toString('base64')).sort(), sent.sort());
    assert.equal(pair.b.drops.toRecord(), {});
  });
}

test('handshake: SYN and SYN-ACK carry the MSS; both ends ESTABLISHED; MSS accounts for AH', () => {
  const pair = makePair('tcp/md5/ip/fddi');
  assert.is(pair.a.tcb!.state, TcpConnState.Established);
  assert.is(pair.b.tcb!.state, TcpConnState.Established);
  assert.is(pair.a.maxSegment, 4352 - 20 - 28 - 20);
  assert.is(makePair('tcp/ip/eth').a.maxSegment, 1460);
});

test('an ACK goes back for every second segment; a lone segment is ACKed by the fast timer', () => {
  const pair = makePair('tcp/ip/fddi');
  const msg = new BufferPool(1).get();
  const acksBefore = pair.b.tcb!.stats().acksOut;
  for (let i = 0; i < 5; i++) {
    msg.resetPayload(1000);
    assert.is(pair.a.send(msg), SendStatus.Sent);
  }
  pair.wire.pump();
  assert.is(pair.b.tcb!.stats().acksOut - acksBefore, 2);
  assert.ok(pair.b.tick(), 'the fifth segment is owed an ACK');
  assert.not.ok(pair.b.tick(), 'and only one');
  pair.wire.pump();
  assert.is(pair.a.tcb!.f[Tcb.sndUna], pair.a.tcb!.f[Tcb.sndNxt], 'snd_una caught up with snd_nxt');
});

test('a new connection sends its initial window (RFC 5681 3.1) and no more until ACKs come', () => {
  const pair = makePair('tcp/ip/fddi');
  const msg = new BufferPool(1).get();
  const mss = pair.a.tcb!.f[Tcb.smss]!;
  assert.is(mss, 4352 - 40, 'FDDI MTU less the IP and TCP headers');
  assert.is(pair.a.tcb!.f[Tcb.cwnd], initialWindow(mss));
  let sent = 0;
  while (pair.a.send((msg.resetPayload(1000), msg)) === SendStatus.Sent) sent++;
  assert.is(sent, Math.floor(initialWindow(mss) / 1000));
  pair.wire.pump();
  pair.b.tick();
  pair.wire.pump();
  assert.is(pair.a.send((msg.resetPayload(1000), msg)), SendStatus.Sent, 'the ACKs opened the window');
});

test('a closed window answers WouldBlock and leaves the message untouched', () => {
  const pair = makePair('des/tcp/ip/fddi');
  const msg = new BufferPool(1).get();
  pair.a.tcb!.f[Tcb.cwnd] = 1 << 20; // as if slow start had opened it past the peer's 64 KiB: the peer's window limits
  let sent = 0;
  for (;;) {
    msg.resetPayload(4000);
    msg.bytes.fill(0x5a, msg.head, msg.tail);
    const status = pair.a.send(msg);
    if (status === SendStatus.WouldBlock) break;
    assert.is(status, SendStatus.Sent);
    sent++;
  }
  assert.is(sent, Math.floor(65535 / 4020)); // each segment is 4000 + 20 bytes of record header, IV and padding
  assert.ok(
    msg.toBytes().every((b) => b === 0x5a),
    'not encrypted when refused',
  );
  assert.is(msg.length, 4000);
  assert.ok(pair.a.maxPayload < 7990);
  assert.is(pair.a.send((msg.resetPayload(7990), msg)), SendStatus.TooBig);
});

test('headers go into the headroom: the payload is not copied and the IPv4 header is 4-byte aligned', () => {
  for (const link of ['fddi', 'eth']) {
    const pair = makePair(`tcp/md5/ip/${link}`);
    const msg = new BufferPool(1).get();
    const payloadAt = msg.resetPayload(1000);
    msg.bytes.fill(0x33, payloadAt, payloadAt + 1000);
    let seen = 0;
    pair.wire.toB.tap = (frame) => {
      assert.is(frame, msg, 'the same message reaches the driver');
      assert.is(frame.head, payloadAt - 20 - 28 - 20 - pair.a.linkHeaderBytes);
      assert.is((frame.head + pair.a.linkHeaderBytes) % 4, 0, 'IPv4 header aligned');
      assert.ok(
        frame.bytes.subarray(payloadAt, payloadAt + 1000).every((b) => b === 0x33),
        'payload in place',
      );
      seen++;
    };
    assert.is(pair.a.send(msg), SendStatus.Sent);
    assert.is(seen, 1);
    assert.is(payloadAt - msg.slotStart, DEFAULT_HEADROOM);
  }
});

test('received frames are placed with the IPv4 header 4-byte aligned', () => {
  const msg = new BufferPool(1).get();
  assert.is((msg.resetFrame(100, 21) + 21) % 4, 0);
  assert.is((msg.resetFrame(100, 14) + 14) % 4, 0);
});

test('the buffer pool hands out its buffers and takes them back, no more', () => {
  const pool = new BufferPool(2);
  const a = pool.get();
  const b = pool.get();
  assert.is.not(a, b);
  assert.throws(() => pool.get(), /exhausted/);
  pool.put(a);
  pool.put(b);
  assert.throws(() => pool.put(a), /more messages returned/);
  assert.throws(() => new BufferPool(1).put(a), /does not belong/);
});

test('counter blocks (IP identification, AH sequence) advance once per take, shared or not', () => {
  for (const buffer of [new ArrayBuffer(CounterBlock.BYTES), new SharedArrayBuffer(CounterBlock.BYTES)]) {
    const counter = new CounterBlock(buffer);
    const again = new CounterBlock(buffer); // a second view, as another thread would hold
    assert.equal([counter.next(), again.next(), counter.next()], [0, 1, 2]);
    counter.f[0] = -1;
    assert.equal([counter.next(), counter.next()], [0xffffffff, 0]);
  }
});

test('two stacks given the same state blocks share one TCP connection (the packet-level parallelism hook)', () => {
  const shared = makePair('tcp/ip/fddi');
  const [, ob] = endpointPair();
  const twin = new Stack('tcp/ip/fddi', { ...ob, state: { tcb: shared.b.tcb! } }).attach(shared.wire.toA);
  const got: number[] = [];
  twin.application = { pop: (m) => void got.push(m.length) };
  const msg = new BufferPool(1).get();
  for (let i = 0; i < 4; i++) {
    msg.resetPayload(100 + i);
    shared.a.send(msg);
  }
  // Alternate frames between the two receivers: sequence state moves on in the one block.
  shared.wire.toB.frames.forEach((frame, i) => (i % 2 === 0 ? shared.b : twin).receive(frame));
  assert.equal(
    shared.received.map((r) => r.length),
    [100, 102],
  );
  assert.equal(got, [101, 103]);
});

test(
  'out-of-order data is copied into the ring outside the lock: nobody delivers it, trims it or takes ' + 'its place until the copy is done',
  () => {
    // Thread A queues segment 2 out of order; while its copy is pending (A about to take the lock
    // to mark it ready), thread B, on the same control block, receives segments 0 and 1 and a
    // duplicate of 2. B must stop at the pending entry; A, once ready, delivers it.
    const [oa, ob] = endpointPair();
    const a = new Stack('tcp/ip/fddi', oa);
    const order: string[] = [];
    let frames: Msg[] = [];
    let duplicate: Msg | null = null;
    let twin: Stack | null = null;
    let hookFired = false;
    const lock: Lock = {
      acquire: () => {
        const f = b.tcb!.f;
        if (!hookFired && f[Tcb.reassCount]! > 0 && f[Tcb.reass + 2] === 1) {
          hookFired = true;
          for (const frame of [frames[0]!, frames[1]!, duplicate!]) twin!.receive(frame);
        }
      },
      release: () => {},
    };
    const b: Stack = new Stack('tcp/ip/fddi', { ...ob, lock });
    const wire = new Loopback(a, b, 64);
    wire.handshake();
    b.application = { pop: (m) => void order.push(`a:${m.length}`) };
    twin = new Stack('tcp/ip/fddi', { ...ob, state: { tcb: b.tcb! } }).attach(wire.toA);
    twin.application = { pop: (m) => void order.push(`b:${m.length}`) };
    const msg = new BufferPool(1).get();
    for (const length of [100, 101, 102]) {
      msg.resetPayload(length);
      assert.is(a.send(msg), SendStatus.Sent);
    }
    frames = wire.toB.frames.splice(0);
    duplicate = wire.toB.clone(frames[2]!);
    b.receive(frames[2]!);
    assert.ok(hookFired, 'the other thread ran while the copy was pending');
    assert.equal(order, ['b:100', 'b:101', 'a:102']);
    assert.equal(twin.drops.toRecord(), { 'tcp-duplicate': 1 });
    assert.is(b.tcb!.f[Tcb.reassCount], 0);
  },
);

test('copyBytes: between buffers at any alignment, and within one buffer (overlapping either way) through a view of part of it', () => {
  const reference = randomBytes(4096, 11);
  for (const [dstAt, srcAt, length] of [
    [0, 0, 4000],
    [3, 1, 999],
    [5, 9, 31],
    [64, 64, 7],
    // every skew of source against destination, word-assembled (4 KB, as a segment's payload)
    [0, 1, 4096 - 8],
    [1, 3, 4096 - 8],
    [2, 7, 4000],
    [6, 3, 3001],
  ] as const) {
    const src = Uint8Array.from(reference);
    const dst = new Uint8Array(4096);
    copyBytes(dst, dstAt, src, srcAt, length);
    assert.ok(Buffer.from(dst.subarray(dstAt, dstAt + length)).equals(Buffer.from(reference.subarray(srcAt, srcAt + length))));
    assert.is(dst[dstAt + length], 0, 'nothing written past the end');
  }
  // A source that ends a buffer whose length is not a multiple of 4 (a socket's chunk): its last
  // bytes lie beyond every whole word, and the copy still takes them.
  for (let skew = 1; skew < 4; skew++) {
    const tail = new Uint8Array(new ArrayBuffer(4 * 100 + 3));
    tail.set(reference.subarray(0, tail.length));
    const dst = new Uint8Array(512);
    copyBytes(dst, 0, tail, skew, tail.length - skew);
    assert.ok(Buffer.from(dst.subarray(0, tail.length - skew)).equals(Buffer.from(tail.subarray(skew))), `tail skew ${skew}`);
  }
  // Two ranges of one SharedArrayBuffer at every offset mod 8 (a message slot and a ring of the PLP block).
  for (let skew = 0; skew < 8; skew++) {
    const shared = new Uint8Array(new SharedArrayBuffer(16384));
    shared.set(reference, 8 + skew);
    copyBytes(shared, 8192 + 4, shared, 8 + skew, 4000);
    assert.ok(Buffer.from(shared.subarray(8196, 8196 + 4000)).equals(Buffer.from(reference.subarray(0, 4000))), `skew ${skew}`);
    assert.is(shared[8196 + 4000], 0, 'nothing written past the end');
  }
  for (const [dstAt, srcAt] of [
    [100, 40],
    [40, 100],
    // congruent mod 8: the one-view path
    [104, 40],
    [40, 104],
  ] as const) {
    const whole = new Uint8Array(new SharedArrayBuffer(8192));
    whole.set(reference, 4096);
    const part = whole.subarray(4096); // a view that does not start at the buffer's first byte
    copyBytes(part, dstAt, part, srcAt, 2000);
    assert.ok(
      Buffer.from(part.subarray(dstAt, dstAt + 2000)).equals(Buffer.from(reference.subarray(srcAt, srcAt + 2000))),
      `overlap ${dstAt} ← ${srcAt}`,
    );
  }
});

test.run();
