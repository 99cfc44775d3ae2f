// Dispatch policies: replicated selection takes every packet exactly once, whatever the number of
// workers; round-robin, shortest-queue-first and session placement follow Shieh & Lai's pseudo-code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Dispatch, ReplicatedSelector, SharedCursor, dispatchLabel } from '../parallel/dispatch.js';
import { MIX_FRAMES, buildTrafficMix } from '../drivers/traffic-mix.js';
import { BufferPool } from '../stacks/message.js';
import { endpointPair } from '../stacks/stack.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, writeIpv4Header } from '../stacks/wire/ipv4.js';

const mix = buildTrafficMix('screen(0)/ip/eth', endpointPair()[0], 7);

/** For each frame of the mix (twice round the ring), how many of n replicas keep it. */
function keptCounts(dispatch: Dispatch, n: number): { counts: Uint8Array; perWorker: number[] } {
  const replicas = Array.from({ length: n }, (_, me) => new ReplicatedSelector(dispatch, n, me));
  const msg = new BufferPool(1).get();
  const counts = new Uint8Array(2 * MIX_FRAMES);
  const perWorker = new Array<number>(n).fill(0);
  for (let i = 0; i < counts.length; i++) {
    const frame = mix.frames[i % MIX_FRAMES]!;
    msg.loadFrameView(frame, mix.linkHeaderBytes);
    replicas.forEach((r, me) => {
      if (r.keep(msg, msg.head + mix.linkHeaderBytes, frame.length - mix.linkHeaderBytes, i)) {
        counts[i]!++;
        perWorker[me]!++;
      }
    });
  }
  return { counts, perWorker };
}

const replicated: Dispatch[] = [
  { policy: 'flat-hash', unit: 'packet', hashField: 'checksum' },
  { policy: 'flat-hash', unit: 'packet', hashField: 'ident' },
  { policy: 'flat-hash', unit: 'packet', hashField: '5-tuple' },
  { policy: 'flat-hash', unit: 'session', hashField: 'checksum' },
  { policy: 'rr', unit: 'packet', hashField: 'checksum' },
  { policy: 'sqf', unit: 'packet', hashField: 'checksum' },
  { policy: 'rr', unit: 'session', hashField: 'checksum' },
  { policy: 'sqf', unit: 'session', hashField: 'checksum' },
];

for (const dispatch of replicated) {
  test(`${dispatchLabel(dispatch)}: every packet taken exactly once for n = 1..8`, () => {
    for (let n = 1; n <= 8; n++) {
      const { counts, perWorker } = keptCounts(dispatch, n);
      const wrong = counts.findIndex((c) => c !== 1);
      assert.is(wrong, -1, `n = ${n}: packet ${wrong} taken ${counts[wrong]} times`);
      if (dispatch.unit === 'packet' && n > 1) assert.ok(Math.min(...perWorker) > 0, `n = ${n}: a worker got nothing: ${perWorker}`);
    }
  });
}

/** An IP packet of `size` bytes from `src` with ports, in a buffer of its own. */
function packet(size: number, src = 0x0a010101, protocol = IP_PROTO_UDP, ports = 0x1f401388): { view: DataView; size: number } {
  const bytes = new Uint8Array(Math.max(size, 28));
  const view = new DataView(bytes.buffer);
  writeIpv4Header(view, 0, size, 1, protocol, src, 0xac100001);
  view.setUint32(20, ports);
  return { view, size };
}

test('rr hands packets out in turn; sqf by the bytes each queue was given (hand-worked)', () => {
  const rr = new ReplicatedSelector({ policy: 'rr', unit: 'packet', hashField: 'checksum' }, 3, 0);
  assert.equal(
    [1, 2, 3, 4, 5, 6, 7].map(() => {
      const p = packet(100);
      return rr.owner(p.view, 0, p.size);
    }),
    [0, 1, 2, 0, 1, 2, 0],
  );
  // sqf, 3 workers: sizes 100, 50, 50, 200, 10
  //   p1: turn 0, queues [100, 0, 0] → next 1;  p2: turn 1, [100, 50, 0] → next 2
  //   p3: turn 2, [100, 50, 50] → next 1 (first of the shortest);  p4: turn 1, [100, 250, 50] → next 2
  //   p5: turn 2, [100, 250, 60] → next 2
  const sqf = new ReplicatedSelector({ policy: 'sqf', unit: 'packet', hashField: 'checksum' }, 3, 0);
  assert.equal(
    [100, 50, 50, 200, 10].map((s) => {
      const p = packet(s);
      return sqf.owner(p.view, 0, p.size);
    }),
    [0, 1, 2, 1, 2],
  );
});

test('session-based rr: a session stays where its first packet went; new sessions take the turn', () => {
  const s = new ReplicatedSelector({ policy: 'rr', unit: 'session', hashField: 'checksum' }, 2, 0);
  const A = 0x0a010101;
  const B = 0x0a010102;
  const C = 0x0a010103;
  const owners = [A, B, A, C, B, A, C].map((src) => {
    const p = packet(100, src, IP_PROTO_TCP);
    return s.owner(p.view, 0, p.size);
  });
  assert.equal(owners, [0, 1, 0, 0, 1, 0, 0]);
  // Same hosts, other ports: another session.
  const other = packet(100, A, IP_PROTO_TCP, 0x1f401389);
  assert.is(s.owner(other.view, 0, other.size), 1);
});

test("flat-hash on the IP checksum is the checksum mod n, as in Benecke's prototype", () => {
  const s = new ReplicatedSelector({ policy: 'flat-hash', unit: 'packet', hashField: 'checksum' }, 3, 0);
  const p = packet(300);
  assert.is(s.owner(p.view, 0, p.size), p.view.getUint16(10) % 3);
  const ident = new ReplicatedSelector({ policy: 'flat-hash', unit: 'packet', hashField: 'ident' }, 4, 0);
  assert.is(ident.owner(p.view, 0, p.size), 1 % 4);
});

test(
  'reconfiguration: replicas told the same members and position switch at the same packet; every packet ' +
    'still taken once, none by the dead',
  () => {
    for (const dispatch of replicated) {
      const n = 3;
      const dead = 1;
      const switchAt = 700;
      const replicas = Array.from({ length: n }, (_, me) => new ReplicatedSelector(dispatch, n, me));
      const msg = new BufferPool(1).get();
      for (let i = 0; i < 3 * MIX_FRAMES; i++) {
        // Told at different moments is fine: the position decides.
        if (i === 300) for (const r of replicas) if (r.me !== dead) r.reconfigure([0, 2], switchAt);
        const frame = mix.frames[i % MIX_FRAMES]!;
        msg.loadFrameView(frame, mix.linkHeaderBytes);
        const owners = replicas
          .filter((r) => r.me !== dead)
          .map((r) => r.owner(msg.view, msg.head + mix.linkHeaderBytes, frame.length - mix.linkHeaderBytes, i));
        assert.ok(
          owners.every((o) => o === owners[0]),
          `${dispatchLabel(dispatch)}: replicas disagree at packet ${i}: ${owners}`,
        );
        if (i >= switchAt) assert.is.not(owners[0], dead, `${dispatchLabel(dispatch)}: packet ${i} went to the dead worker`);
      }
    }
  },
);

test('the shared cursor hands each packet to one claimant', () => {
  const words = new Int32Array(new SharedArrayBuffer(64));
  const a = new SharedCursor(words, 3);
  const b = new SharedCursor(words, 3);
  const claimed = [a.next(), b.next(), a.next(), a.next(), b.next()];
  assert.equal(claimed, [0, 1, 2, 3, 4]);
});

test('shared dispatch has no replicated selector', () => {
  assert.throws(() => new ReplicatedSelector({ policy: 'shared', unit: 'packet', hashField: 'checksum' }, 2, 0), /not replicated/);
});

test.run();
