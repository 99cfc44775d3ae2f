// TCP recovering from loss on a clock of the test's own: the retransmission timer, fast retransmit,
// the persist timer, SYN and FIN sent again, the connection given up; and whole transfers over a
// lossy, duplicating, reordering, corrupting wire on the four paper stacks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SendStatus } from '../stacks/layer.js';
import { Tcb, TcpConnState } from '../stacks/layers/tcp/control-block.js';
import { MAX_BACKOFFS, MIN_RTO_MS } from '../stacks/layers/tcp/timers.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { PAPER_STACKS } from '../stacks/spec.js';
import { tcpSeq } from '../stacks/wire/tcp.js';
import { type Pair, concat, makePair, randomBytes } from './helpers.js';

/** Sends `size` bytes from a; answers the status. */
function send(pair: Pair, msg: Msg, size: number, fill = 0): SendStatus {
  msg.resetPayload(size);
  msg.bytes.fill(fill, msg.head, msg.tail);
  return pair.a.send(msg);
}

/** The sequence number of a frame queued toward b (its TCP header after the link, IP and any MD5 header). */
function seqOf(pair: Pair, frame: Msg): number {
  return tcpSeq(frame.view, frame.head + pair.a.headerOffset('tcp'));
}

/** Both ends' timers at `now`, then the wire. */
function tickBoth(pair: Pair, now: number): void {
  pair.a.tick(now);
  pair.b.tick(now);
  pair.wire.pump();
}

test('RFC 6298 5.4-5.6: the timer sends the oldest segment again after one RTO, then backs off', () => {
  const pair = makePair('tcp/ip/fddi');
  const msg = new BufferPool(1).get();
  tickBoth(pair, 1000); // the clock is known from here on
  assert.is(send(pair, msg, 1000, 1), SendStatus.Sent);
  assert.is(send(pair, msg, 1000, 2), SendStatus.Sent);
  const lost = pair.wire.toB.frames.splice(0); // both lost
  assert.is(lost.length, 2);
  const f = pair.a.tcb!.f;
  const una = f[Tcb.sndUna]!;
  pair.a.tick(1000 + 999);
  assert.is(pair.wire.toB.frames.length, 0, 'nothing before the RTO (1 s before any sample)');
  pair.a.tick(2000);
  assert.is(pair.wire.toB.frames.length, 1, 'one segment, the oldest');
  assert.is(seqOf(pair, pair.wire.toB.frames[0]!), una >>> 0);
  assert.is(pair.wire.toB.frames[0]!.length, lost[0]!.length, 'with the bounds it had');
  assert.is(f[Tcb.rto], 2000, 'backed off');
  assert.is(f[Tcb.cwnd], f[Tcb.smss], 'RFC 5681: one segment after a timeout');
  // b's delayed ACK of the first leaves a hole below recover: the second goes at once (no second
  // timeout), and b's delayed ACK of it ends the recovery.
  for (let i = 0; i < 2; i++) {
    pair.wire.pump();
    pair.b.tick(2000);
    pair.wire.pump();
  }
  assert.is(f[Tcb.sndUna], f[Tcb.sndMax], 'all acknowledged');
  assert.is(pair.a.tcb!.stats().timeouts, 1);
  assert.is(pair.a.tcb!.stats().retransmits, 2);
  assert.equal(
    pair.received.map((m) => m[0]),
    [1, 2],
  );
});

test('RFC 5681 3.2: three duplicate ACKs send the lost segment at once; the full ACK ends recovery', () => {
  const pair = makePair('tcp/ip/eth');
  const msg = new BufferPool(1).get();
  // Open cwnd a little: 10 segments of 500 bytes, each ACKed.
  for (let i = 0; i < 10; i++) {
    send(pair, msg, 500);
    pair.wire.pump();
    pair.b.tick();
    pair.wire.pump();
  }
  for (let i = 0; i < 6; i++) assert.is(send(pair, msg, 500, i + 1), SendStatus.Sent);
  const frames = pair.wire.toB.frames;
  pair.wire.toB.release(frames.shift()!); // the first of six lost
  pair.wire.pump(); // five arrive out of order: five duplicate ACKs
  const stats = pair.a.tcb!.stats();
  assert.is(stats.fastRetransmits, 1);
  assert.is(stats.timeouts, 0);
  pair.wire.pump();
  const f = pair.a.tcb!.f;
  assert.is(f[Tcb.sndUna], f[Tcb.sndMax], 'recovered without a timer');
  assert.is(f[Tcb.flags]! & 16, 0, 'fast recovery over');
  assert.equal(
    pair.received.slice(-6).map((m) => m[0]),
    [1, 2, 3, 4, 5, 6],
  );
});

test('RFC 1122 4.2.2.17: a lost window update is recovered by the persist timer', () => {
  const pair = makePair('tcp/ip/fddi');
  const msg = new BufferPool(1).get();
  tickBoth(pair, 1);
  const f = pair.a.tcb!.f;
  f[Tcb.sndWnd] = 0; // as if the peer had closed its window and its update was lost
  f[Tcb.cwnd] = 65535;
  assert.is(send(pair, msg, 1000), SendStatus.WouldBlock);
  pair.a.tick(2); // starts the persist timer
  pair.a.tick(2 + 1000);
  assert.is(pair.a.tcb!.stats().probes, 1);
  pair.wire.pump(); // b answers the probe with its window
  assert.is(f[Tcb.sndWnd], 65535);
  assert.is(send(pair, msg, 1000), SendStatus.Sent);
});

test('a lost SYN and a lost FIN are sent again', () => {
  const pair = makePair('tcp/ip/fddi', { connect: false });
  pair.b.listen();
  pair.a.tick(5);
  pair.a.connect();
  pair.wire.toB.release(pair.wire.toB.frames.shift()!); // the SYN lost
  pair.a.tick(5 + 1000);
  pair.wire.pump();
  assert.ok(pair.a.connected && pair.b.connected, 'connected after the SYN was sent again');
  pair.a.close();
  pair.wire.toB.release(pair.wire.toB.frames.shift()!); // the FIN lost
  pair.a.tick(5 + 1000 + 2000);
  pair.wire.pump();
  assert.is(pair.b.tcb!.stateName, 'CLOSE_WAIT');
  assert.is(pair.a.tcb!.stateName, 'FIN_WAIT_2');
});

test(`RFC 1122 4.2.3.5: after ${MAX_BACKOFFS} timeouts in a row the connection is given up`, () => {
  const pair = makePair('tcp/ip/fddi', { a: { tcpMinRtoMs: 10 } });
  const msg = new BufferPool(1).get();
  let now = 100;
  pair.a.tick(now);
  send(pair, msg, 100);
  for (let i = 0; i <= MAX_BACKOFFS + 1; i++) {
    pair.wire.toB.frames.splice(0);
    now += 61_000;
    pair.a.tick(now);
  }
  assert.is(pair.a.tcb!.state, TcpConnState.Closed);
  assert.is(pair.a.tcb!.stats().timeouts, MAX_BACKOFFS);
});

const FAULTS = { duplicate: 0.01, reorder: 0.02, corrupt: 0.01 };
for (const spec of PAPER_STACKS) {
  for (const loss of [0.001, 0.01, 0.05]) {
    test(`${spec}: 256 KiB arrive whole, once and in order at ${loss * 100}% loss, with duplicates, reordering and corruption`, () => {
      const pair = makePair(spec, { a: { tcpMinRtoMs: MIN_RTO_MS }, b: { tcpMinRtoMs: MIN_RTO_MS } });
      pair.wire.injectFaults({ loss, ...FAULTS, seed: 7 });
      const data = randomBytes(256 * 1024, 11);
      const msg = new BufferPool(1).get();
      const chunk = 2048;
      let now = 1;
      let offset = 0;
      for (let steps = 0; offset < data.length || pair.a.tcb!.f[Tcb.sndUna] !== pair.a.tcb!.f[Tcb.sndMax]; steps++) {
        if (steps > 200_000) throw new Error('stalled');
        if (offset < data.length) {
          msg.resetPayload(chunk);
          msg.bytes.set(data.subarray(offset, offset + chunk), msg.head);
          if (pair.a.send(msg) === SendStatus.Sent) {
            offset += chunk;
            pair.wire.pump();
            continue;
          }
        }
        now += 50; // the window is closed: time passes, the timers run
        tickBoth(pair, now);
      }
      assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)), 'the stream arrived whole, once, in order');
      const faults = pair.wire.faultCounts();
      const stats = pair.a.tcb!.stats();
      if (loss >= 0.01) assert.ok(faults.dropped > 0 && stats.retransmits > 0, 'frames were lost and sent again');
      assert.is(pair.b.tcb!.stats().reassQueued, 0);
    });
  }
}

test.run();
