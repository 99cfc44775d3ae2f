// `xkbench --layers`: per-layer microbenchmarks with tinybench. Each layer of a real, connected
// stack is timed alone: its push with a stub below that takes the message, its pop with a stub
// above, fed the exact message that reached it in a genuine exchange (restored before each call;
// the restore is timed on its own and subtracted). Plus the RFC 1071 checksum and each crypto
// primitive over 4 KB, so the stack figures can be explained layer by layer.

import { stackShape } from '../stacks/spec.js';
import * as path from 'node:path';
import { Bench } from 'tinybench';
import { Loopback } from '../drivers/loopback.js';
import { Prng } from '../drivers/prng.js';
import { type CryptoProviderName, cryptoProvider } from '../stacks/crypto/index.js';
import type { CryptoPrimitive } from '../stacks/layer-kind.js';
import { type ControlOp, type FrameSink, type Layer, type Lower, NOTHING_BELOW, SendStatus } from '../stacks/layer.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, type Msg, copyBytes } from '../stacks/message.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { prepareOutputFolder, timestampFolder, writeAtomic } from '../results/output.js';
import { table } from '../results/markdown.js';
import type { BenchConfig } from './config.js';
import { type Primitive, checksumPrimitive, cryptoPrimitive } from './primitives.js';

const BATCH = 8; // calls per timed iteration, so the timer's own cost is spread thin

/** Each crypto primitive timed alone, as the table names it. */
const PRIMITIVE_LABELS: [CryptoPrimitive, string][] = [
  ['md5', 'md5 digest'],
  ['des', 'des-cbc encrypt'],
  ['3des', '3des-cbc encrypt'],
  ['sha1', 'hmac-sha1 mac'],
  ['sha256', 'hmac-sha256 mac'],
  ['aes128', 'aes128-cbc encrypt'],
  ['aes256', 'aes256-cbc encrypt'],
  ['aes128gcm', 'aes128-gcm seal'],
  ['chacha20poly1305', 'chacha20-poly1305 seal'],
];

/** Everything measured code computes lands here, so the JIT cannot drop the work. */
let sink = 0;

/** Stands below a layer being timed: takes the message, answers control questions as the real one. */
class StubBelow implements Lower {
  constructor(readonly real: Lower) {}
  push(msg: Msg): SendStatus {
    sink = (sink + msg.length) | 0;
    return SendStatus.Sent;
  }
  control(op: ControlOp, arg: number): number {
    return this.real.control(op, arg);
  }
}

interface Snapshot {
  bytes: Uint8Array;
  /** Offsets within the message's slot. */
  head: number;
  tail: number;
  srcAddr: number;
  /** The IP identification (AH's ICV covers it). */
  ipIdent: number;
  dstAddr: number;
}

export interface LayerRow {
  layer: string;
  direction: 'push' | 'pop';
  crypto: CryptoProviderName;
  usPerPacket: number;
  rme: number;
}

const discard: FrameSink = { transmit: (f) => void (sink = (sink + f.length) | 0) };

/** A connected pair after one genuine exchange, with what reached each layer on the way down and up. */
interface SampleExchange {
  a: Stack;
  b: Stack;
  /** Bytes each sending layer was given. */
  down: Map<Layer, number>;
  /** The message each receiving layer was given. */
  up: Map<Layer, Snapshot>;
  /** The message the sender sent (reused by the push benchmarks). */
  msg: Msg;
  /** The receiver's TCP state before the exchange (each pop starts from it). */
  savedTcb: Int32Array | undefined;
}

/** Sends one packet of `packetSize` bytes through `spec`, recording what reaches each layer. */
function sampleExchange(spec: string, crypto: CryptoProviderName, packetSize: number): SampleExchange {
  const [oa, ob] = endpointPair();
  const a = new Stack(spec, { ...oa, crypto });
  const b = new Stack(spec, { ...ob, crypto });
  const wire = new Loopback(a, b);
  if (a.transport === 'tcp') wire.handshake();
  b.application = { pop: (m) => void (sink = (sink + m.length) | 0) };
  const down = new Map<Layer, number>();
  const up = new Map<Layer, Snapshot>();
  for (const layer of a.layers) {
    const push = layer.push.bind(layer);
    layer.push = (msg: Msg) => {
      down.set(layer, msg.length);
      return push(msg);
    };
  }
  for (const layer of b.layers) {
    const pop = layer.pop.bind(layer);
    layer.pop = (msg: Msg) => {
      up.set(layer, {
        bytes: msg.bytes.slice(msg.head, msg.tail),
        head: msg.head - msg.slotStart,
        tail: msg.tail - msg.slotStart,
        srcAddr: msg.srcAddr,
        ipIdent: msg.ipIdent,
        dstAddr: msg.dstAddr,
      });
      pop(msg);
    };
  }
  const msg = new BufferPool(1).get();
  msg.resetPayload(packetSize);
  new Prng(7).fill(msg.bytes, msg.head, packetSize);
  if (a.send(msg) !== SendStatus.Sent) throw new Error(`${spec}: could not send the sample packet`);
  const savedTcb = b.tcb?.f.slice();
  wire.pump();
  for (const layer of [...a.layers, ...b.layers]) {
    // Back to the prototype's methods.
    delete (layer as { push?: unknown }).push;
    delete (layer as { pop?: unknown }).pop;
  }
  if (b.drops.total !== 0) throw new Error(`${spec}: the sample packet was dropped: ${JSON.stringify(b.drops.toRecord())}`);
  a.attach(discard);
  b.attach(discard);
  return { a, b, down, up, msg, savedTcb };
}

/** Each sending layer's push alone, on a stub below it that answers as the real layer would. */
function addPushBenches(
  bench: Bench,
  x: SampleExchange,
  crypto: CryptoProviderName,
  only: Set<string>,
  names: Map<string, [string, 'push' | 'pop']>,
): void {
  const { a, down, msg } = x;
  for (const layer of a.layers) {
    if (!only.has(layer.name)) continue;
    const length = down.get(layer)!;
    const stub = layer.below !== NOTHING_BELOW ? new StubBelow(layer.below) : null;
    const f = a.tcb?.f;
    const name = `push ${layer.name} [${crypto}]`;
    names.set(name, [layer.name, 'push']);
    bench.add(
      name,
      () => {
        for (let k = 0; k < BATCH; k++) {
          msg.resetPayload(length);
          const status = layer.push(msg);
          // A refused push does no work: timing it would report a layer as free.
          if (status !== SendStatus.Sent) throw new Error(`${layer.name} refused the push (status ${status})`);
          sink = (sink + status + msg.length) | 0;
          if (f) acknowledgeAll(f); // an instant ACK keeps the window and the send queue open
        }
      },
      {
        beforeAll: () => {
          if (stub) layer.below = stub;
          else a.attach(discard);
        },
        afterAll: () => {
          if (stub) layer.below = stub.real;
        },
      },
    );
  }
}

/**
 * What an ACK of everything sent does to the sender's control block: snd_una reaches snd_nxt and
 * the send queue is empty (or after 1024 pushes it would refuse every write, and the push
 * benchmarks would time refusals).
 */
function acknowledgeAll(f: Int32Array): void {
  f[Tcb.sndUna] = f[Tcb.sndNxt]!;
  f[Tcb.sndSegCount] = 0;
  f[Tcb.sndSegsSent] = 0;
}

/** Each receiving layer's pop alone on the message it was given, and the restore alone, to subtract. */
function addPopBenches(
  bench: Bench,
  x: SampleExchange,
  crypto: CryptoProviderName,
  only: Set<string>,
  names: Map<string, [string, 'push' | 'pop']>,
): void {
  const { b, up, savedTcb } = x;
  const frame = new BufferPool(1).get();
  const restore = (s: Snapshot): void => {
    copyBytes(frame.bytes, frame.slotStart + s.head, s.bytes, 0, s.bytes.length);
    frame.setRange(frame.slotStart + s.head, frame.slotStart + s.tail);
    frame.srcAddr = s.srcAddr;
    frame.ipIdent = s.ipIdent;
    frame.dstAddr = s.dstAddr;
  };
  const tcb = b.tcb?.f;
  for (const layer of b.layers) {
    if (!only.has(layer.name)) continue;
    const snapshot = up.get(layer)!;
    const above = layer.above;
    const name = `pop ${layer.name} [${crypto}]`;
    names.set(name, [layer.name, 'pop']);
    bench.add(
      name,
      () => {
        for (let k = 0; k < BATCH; k++) {
          restore(snapshot);
          if (tcb && savedTcb) tcb.set(savedTcb);
          layer.pop(frame);
        }
      },
      {
        beforeAll: () => void (layer.above = { pop: (m) => void (sink = (sink + m.length) | 0) }),
        afterAll: () => void (layer.above = above),
      },
    );
    const baseline = `restore ${layer.name} [${crypto}]`;
    bench.add(baseline, () => {
      for (let k = 0; k < BATCH; k++) {
        restore(snapshot);
        if (tcb && savedTcb) tcb.set(savedTcb);
        sink = (sink + frame.length) | 0;
      }
    });
  }
}

/** Builds a connected pair for `spec` and the benches for each of its layers. */
function addLayerBenches(
  bench: Bench,
  spec: string,
  crypto: CryptoProviderName,
  packetSize: number,
  only: Set<string>,
  names: Map<string, [string, 'push' | 'pop']>,
): void {
  const exchange = sampleExchange(spec, crypto, packetSize);
  addPushBenches(bench, exchange, crypto, only, names);
  addPopBenches(bench, exchange, crypto, only, names);
  if (exchange.b.drops.total !== 0) throw new Error(`${spec}: unexpected drops ${JSON.stringify(exchange.b.drops.toRecord())}`);
}

function addPrimitiveBenches(
  bench: Bench,
  crypto: CryptoProviderName,
  packetSize: number,
  names: Map<string, [string, 'push' | 'pop']>,
): void {
  const tasks: [string, Primitive][] = [['checksum (RFC 1071)', checksumPrimitive(packetSize)]];
  for (const [name, label] of PRIMITIVE_LABELS)
    if (cryptoProvider(crypto).supports(name)) tasks.push([`${label} [${crypto}]`, cryptoPrimitive(name, crypto, packetSize)]);
  for (const [name, primitive] of tasks) {
    if (names.has(name)) continue; // the checksum is the same whatever the provider
    names.set(name, [name.replace(/ \[\w+\]$/, ''), 'push']);
    bench.add(name, () => {
      for (let i = 0; i < BATCH; i++) sink = (sink + primitive.run()) | 0;
    });
  }
}

export async function runLayerBenchmarks(config: BenchConfig): Promise<LayerRow[]> {
  const link = config.stacks.every((s) => stackShape(s).link === 'eth') ? 'eth' : 'fddi';
  const bench = new Bench({
    time: Math.min(1000, config.durationSeconds * 250),
    warmupTime: Math.min(300, config.warmupSeconds * 100),
    iterations: 5,
    warmupIterations: 2,
  });
  const names = new Map<string, [string, 'push' | 'pop']>();
  for (const crypto of config.cryptos) {
    addPrimitiveBenches(bench, crypto, config.packetSize, names);
    addLayerBenches(bench, `des/tcp/md5/ip/${link}`, crypto, config.packetSize, new Set(['des', 'tcp', 'md5', 'ip', link]), names);
    addLayerBenches(bench, `3des/tcp/md5/ip/${link}`, crypto, config.packetSize, new Set(['3des']), names);
    // Today's layers in the same places: AES-CBC above TCP with HMAC-SHA AH below, and the AEADs where the provider has them.
    addLayerBenches(bench, `aes128/tcp/sha256/ip/${link}`, crypto, config.packetSize, new Set(['aes128', 'sha256']), names);
    addLayerBenches(bench, `aes256/tcp/sha1/ip/${link}`, crypto, config.packetSize, new Set(['aes256', 'sha1']), names);
    for (const aead of ['aes128gcm', 'chacha20poly1305'] as const)
      if (cryptoProvider(crypto).supports(aead))
        addLayerBenches(bench, `${aead}/tcp/ip/${link}`, crypto, config.packetSize, new Set([aead]), names);
  }
  if (!config.quiet) process.stderr.write(`timing ${bench.tasks.length} tasks...\n`);
  await bench.run();
  const us = new Map<string, { mean: number; rme: number }>();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}${r.state === 'errored' ? `: ${r.error.message}` : ''}`);
    us.set(task.name, { mean: (r.latency.mean * 1000) / BATCH, rme: r.latency.rme });
  }
  const rows: LayerRow[] = [];
  for (const [taskName, [layer, direction]] of names) {
    const crypto = (/\[(\w+)\]$/.exec(taskName)?.[1] ?? config.cryptos[0]!) as CryptoProviderName;
    const m = us.get(taskName)!;
    const base = direction === 'pop' ? us.get(taskName.replace(/^pop /, 'restore ')) : undefined;
    rows.push({ layer, direction, crypto, usPerPacket: m.mean - (base?.mean ?? 0), rme: m.rme });
  }
  const lines = [
    `# Per-layer cost, ${config.packetSize}-byte packets, one thread (Node ${process.version})`,
    '',
    'µs per packet; pop rows net of restoring the message they are fed; tcp pop includes the ACK it sends every second segment.',
    '',
    table(
      ['layer or primitive', 'direction', 'crypto', 'µs per packet', '± %'],
      rows.map((r) => [r.layer, r.layer.includes(' ') ? '' : r.direction, r.crypto, r.usPerPacket.toFixed(2), r.rme.toFixed(1)]),
      ['l', 'l', 'l', 'r', 'r'],
    ),
  ];
  const out = config.out ?? path.join('results', timestampFolder(new Date()));
  prepareOutputFolder(out);
  writeAtomic(
    path.join(out, 'layers.json'),
    `${JSON.stringify({ rows, packetSize: config.packetSize, node: process.version }, null, 2)}\n`,
  );
  writeAtomic(path.join(out, 'layers.md'), `${lines.join('\n')}\n`);
  if (config.json) console.log(JSON.stringify({ layers: rows, out }, null, 2));
  else if (!config.quiet) console.log(`${lines.join('\n')}\n\nwritten: ${path.join(out, 'layers.md')}, layers.json`);
  if (sink === 0x7fffffff) process.stderr.write('\n'); // reads the sink: the work stays observable
  return rows;
}
