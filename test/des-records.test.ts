// DES/3DES records (stacks/layers/des.ts) over a byte stream: a record length in front, as TLS
// carries; above TCP, a message larger than a segment goes as records that each fill a segment, and
// a receiver puts records together again however a peer cut or joined them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SendStatus } from '../stacks/layer.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool } from '../stacks/message.js';
import { tcpHeaderBytes } from '../stacks/wire/tcp.js';
import { Prng } from '../drivers/prng.js';
import { type Pair, concat, makePair, randomBytes } from './helpers.js';

function send(pair: Pair, data: Uint8Array): void {
  const msg = new BufferPool(1).get();
  msg.resetPayload(data.length);
  msg.bytes.set(data, msg.head);
  assert.is(pair.a.send(msg), SendStatus.Sent);
}

/** The TCP payloads of the frames queued toward b, taken off the wire: the record stream. */
function takeStream(pair: Pair): Uint8Array {
  const at = pair.a.headerOffset('tcp');
  const parts = pair.wire.toB.frames.map((f) => f.bytes.slice(f.head + at + tcpHeaderBytes(f.view, f.head + at), f.tail));
  for (const f of pair.wire.toB.frames) pair.wire.toB.release(f);
  pair.wire.toB.frames.length = 0;
  return concat(parts);
}

for (const spec of ['des/tcp/md5/ip/eth', '3des/tcp/ip/eth']) {
  test(`${spec}: a 4096-byte message goes as records that each fill one segment, decrypted as they come`, () => {
    const pair = makePair(spec);
    const data = randomBytes(4096, 1);
    send(pair, data);
    const at = pair.a.headerOffset('tcp');
    const frames = pair.wire.toB.frames;
    assert.is(frames.length, 3);
    for (const f of frames) {
      const payload = f.head + at + tcpHeaderBytes(f.view, f.head + at);
      assert.is(f.view.getUint16(payload), f.tail - payload, 'each segment is one whole record, its length in front');
    }
    const limit = pair.a.tcb!.f[Tcb.userMss]!;
    assert.ok(
      limit === 0 || limit === frames[0]!.tail - frames[0]!.head - at - 20,
      'TCP cuts where records end (told so when they are shorter than its MSS)',
    );
    pair.wire.pump();
    assert.is(pair.received.length, 3);
    assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)));
    assert.equal(pair.b.drops.toRecord(), {});
  });
}

test("FDDI: a 4096-byte message stays one record in one segment (the paper's frames)", () => {
  const pair = makePair('des/tcp/md5/ip/fddi');
  send(pair, randomBytes(4096, 2));
  assert.is(pair.wire.toB.frames.length, 1);
  pair.wire.pump();
  assert.equal(
    pair.received.map((r) => r.length),
    [4096],
  );
});

test('records a peer cut and joined anywhere are put together from the stream, whole and in order', () => {
  const pair = makePair('des/tcp/ip/eth');
  pair.a.tcb!.f[Tcb.cwnd] = 1 << 20; // all of it goes at once
  const messages = [randomBytes(4096, 3), randomBytes(100, 4), randomBytes(2000, 5), randomBytes(7, 6)];
  for (const m of messages) send(pair, m);
  const stream = takeStream(pair);
  const des = pair.b.layers[0]!;
  const prng = new Prng(9);
  const piece = new BufferPool(1).get();
  for (let at = 0; at < stream.length;) {
    const n = Math.min(stream.length - at, 1 + prng.below(3000)); // from 1 byte to two records and more
    piece.resetPayload(n);
    piece.bytes.set(stream.subarray(at, at + n), piece.head);
    piece.streamSeq = 5000 + at;
    piece.streamNext = 5000 + at + n;
    des.pop(piece);
    at += n;
  }
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(concat(messages))));
  assert.equal(pair.b.drops.toRecord(), {});
});

test('a piece that does not follow the record held ends it (des-stream); a bad record length is des-length', () => {
  const pair = makePair('des/tcp/ip/eth');
  send(pair, randomBytes(1000, 7));
  const stream = takeStream(pair);
  const des = pair.b.layers[0]!;
  const piece = new BufferPool(1).get();
  const give = (from: number, to: number, seq: number): void => {
    piece.resetPayload(to - from);
    piece.bytes.set(stream.subarray(from, to), piece.head);
    piece.streamSeq = seq;
    des.pop(piece);
  };
  give(0, 500, 0);
  give(600, stream.length, 600); // 100 bytes never came
  assert.is(pair.b.drops.toRecord()['des-stream'], 1);
  give(0, stream.length, 10_000); // the whole record again, elsewhere in the stream: taken
  assert.equal(
    pair.received.map((r) => r.length),
    [1000],
  );
  assert.is(pair.b.drops.toRecord()['des-length'], undefined, 'one piece, one drop: its own bytes, from inside a record, go with it');
  const bad = stream.slice();
  bad[2] = 1; // the reserved bytes of the header are not zero
  piece.resetPayload(bad.length);
  piece.bytes.set(bad, piece.head);
  des.pop(piece);
  assert.is(pair.b.drops.toRecord()['des-length'], 1);
});

test('a message of several records waits whole when the send buffer has no room (nothing half sent)', () => {
  const pair = makePair('des/tcp/ip/eth');
  pair.a.tcb!.f[Tcb.sndWnd] = 0;
  const msg = new BufferPool(1).get();
  let taken = 0;
  for (;;) {
    msg.resetPayload(4096);
    msg.bytes.fill(0x5a, msg.head, msg.tail);
    const status = pair.a.send(msg);
    if (status === SendStatus.WouldBlock) break;
    assert.is(status, SendStatus.Sent);
    taken++;
  }
  assert.ok(taken > 0);
  assert.ok(
    msg.toBytes().every((b) => b === 0x5a),
    'not encrypted when refused',
  );
  assert.is(pair.wire.toB.frames.length, 0, 'a closed window: nothing goes yet');
});

test.run();
