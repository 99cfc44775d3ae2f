// TCP's rings on pages from a shared pool (stacks/layers/tcp/ring-pages.ts, stacks/connection-arena.ts):
// the pool hands pages out last in, first out; bytes survive pages that lie apart and the ring's
// wrap; a connection holds pages only while data is unacknowledged or out of order, and every page
// the pool counts as held is mapped by some ring (none is lost, none is mapped twice).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PAGE_BYTES, PagePool, PagedRing, RING_BYTES, RING_PAGES } from '../stacks/layers/tcp/ring-pages.js';
import { ARENA_CONNECTIONS, ConnectionArena, arenasFor } from '../stacks/connection-arena.js';
import { BufferPool } from '../stacks/message.js';
import { Loopback } from '../drivers/loopback.js';
import { endpoints } from '../drivers/connection-setup.js';
import { createWorkload } from '../drivers/workload.js';
import { Stack } from '../stacks/stack.js';
import { Tcb, type TcpControlBlock } from '../stacks/layers/tcp/control-block.js';

test('the pool hands out fresh pages in order, then the one given back last; it says when it is exhausted', () => {
  const pool = new PagePool(new ArrayBuffer(8 * PAGE_BYTES), 4 * PAGE_BYTES, 4);
  assert.equal([pool.take(), pool.take(), pool.take()], [0, 1, 2]);
  assert.is(pool.at(2), 6 * PAGE_BYTES);
  pool.give(0);
  pool.give(2);
  assert.is(pool.take(), 2, 'the page given back last (still in the cache)');
  assert.is(pool.take(), 0);
  assert.is(pool.take(), 3, 'then a page never taken');
  assert.is(pool.held, 4);
  assert.is(pool.peak, 4);
  assert.throws(() => pool.take(), /page pool of 4 pages exhausted/);
  assert.throws(() => new PagePool(new ArrayBuffer(PAGE_BYTES), 100, 1), /page boundary/);
});

test("a page pool and the messages of its buffer share one view of it, so copies between them take copyBytes' one-view path", () => {
  const buffer = new ArrayBuffer(16 * PAGE_BYTES);
  const pages = new PagePool(buffer, 8 * PAGE_BYTES, 8);
  const messages = new BufferPool(4, 2048, { buffer, byteOffset: 0 });
  assert.ok(pages.bytes === messages.get().bytes);
  assert.ok(new BufferPool(1, 2048).get().bytes !== pages.bytes, 'another buffer, another view');
});

test('bytes written across pages that lie apart, and across the ring’s end, read back as written', () => {
  const pool = new PagePool(new ArrayBuffer(64 * PAGE_BYTES), 0, 64);
  pool.take(); // (so that the ring's pages do not start at the buffer's first byte)
  const f = new Int32Array(RING_PAGES);
  const ring = new PagedRing(f, 0, pool);
  const other = new PagedRing(new Int32Array(RING_PAGES), 0, pool);
  const messages = new BufferPool(1, 16384, { buffer: pool.bytes.buffer, byteOffset: 40 * PAGE_BYTES });
  const msg = messages.get();
  for (const [position, length] of [
    [100, 9000],
    [RING_BYTES - 3000, 7000],
    [5 * PAGE_BYTES, PAGE_BYTES],
  ] as const) {
    msg.resetPayload(length);
    for (let i = 0; i < length; i++) msg.bytes[msg.head + i] = (i * 7 + position) & 0xff;
    ring.map(position, length);
    other.map(0, PAGE_BYTES); // interleaved: the ring's pages are not consecutive in the buffer
    ring.write(position, msg.bytes, msg.head, length);
    const out = new BufferPool(1, 16384).get(); // another buffer: copies word by word
    out.resetPayload(length);
    ring.read(position, out.bytes, out.head, length);
    assert.equal(out.toBytes(), msg.toBytes(), `${length} bytes at ${position}`);
    ring.releaseAll();
    other.releaseAll();
    assert.is(pool.held, 1, 'every page given back');
  }
  assert.ok(pool.peak >= 4, 'the ring held pages of its own');
});

/** Pages the arena's pool holds, and the pages the control blocks' rings map: the same count. */
function pagesAccounted(arena: ConnectionArena, blocks: TcpControlBlock[]): void {
  const mapped = blocks.reduce((n, tcb) => n + tcb.ring.mappedPages + tcb.sndRing.mappedPages, 0);
  assert.is(arena.pages.held, mapped, 'every page held is mapped by one ring');
}

test('a connection holds pages while data is unacknowledged or out of order, and none when all is delivered', () => {
  const arena = new ConnectionArena(1);
  const [oa, ob] = endpoints(0);
  const a = new Stack('tcp/ip/eth', { ...oa, arena });
  const b = new Stack('tcp/ip/eth', { ...ob, arena });
  const wire = new Loopback(a, b, arena.wireFrames());
  wire.handshake();
  const blocks = [a.tcb!, b.tcb!];
  let delivered = 0;
  b.application = { pop: (m) => void (delivered += m.length) };
  const msg = arena.messages(1).get();
  // Four 4 KB writes before the wire delivers anything: 16 KB in flight, on 4 or 5 pages.
  for (let i = 0; i < 4; i++) {
    msg.resetPayload(4096);
    a.send(msg);
  }
  assert.ok(a.tcb!.sndRing.mappedPages >= 4 && a.tcb!.sndRing.mappedPages <= 5, `${a.tcb!.sndRing.mappedPages} send pages`);
  pagesAccounted(arena, blocks);
  wire.pump();
  assert.is(delivered, 4 * 4096);
  if (a.tcb!.f[Tcb.sndUna] !== a.tcb!.f[Tcb.sndNxt]) b.tick(1000); // (an ACK the receiver delays: its timer sends it)
  wire.pump();
  assert.is(a.tcb!.f[Tcb.sndUna], a.tcb!.f[Tcb.sndNxt]);
  assert.is(a.tcb!.sndRing.mappedPages, 0, 'all acknowledged: no send page held');
  // A segment out of order: the receiver keeps it on pages until the hole is filled.
  msg.resetPayload(1000);
  a.send(msg);
  msg.resetPayload(1000);
  a.send(msg);
  const [first, second] = wire.toB.frames.splice(0, 2);
  wire.toB.frames.push(second!);
  wire.pump();
  assert.is(b.tcb!.ring.mappedPages, 1, 'the segment out of order is on a page');
  pagesAccounted(arena, blocks);
  wire.toB.frames.push(first!);
  wire.pump();
  assert.is(b.tcb!.ring.mappedPages, 0, 'delivered: its page given back');
  assert.is(delivered, 4 * 4096 + 2000);
  pagesAccounted(arena, blocks);
});

test('connections beyond one arena keep their data whole, send and receive, and their pages accounted', () => {
  const n = ARENA_CONNECTIONS + 4;
  for (const side of ['send', 'recv'] as const) {
    const arenas = arenasFor(n);
    assert.is(arenas.length, 2);
    const workloads = Array.from({ length: n }, (_, k) =>
      createWorkload({
        spec: 'tcp/ip/fddi',
        side,
        packetSize: 1024,
        crypto: 'cryptojs',
        seed: 9,
        verify: true,
        connection: k,
        arena: arenas[Math.floor(k / ARENA_CONNECTIONS)]!,
      }),
    );
    for (let round = 0; round < 5; round++) for (const w of workloads) w.run(3);
    for (const w of workloads) {
      const counters = w.counters();
      assert.is(counters.dataErrors, 0, `${side}: data intact`);
      assert.is(counters.packets, 15);
      assert.is(w.conservation(), null);
    }
    const held = arenas.reduce((s, a) => s + a.pages.held, 0);
    assert.ok(held <= 2 * n, `${side}: ${held} pages held by ${n} connections at rest (a segment unacknowledged each at most)`);
  }
});

test.run();
