// Per-packet costs on one thread, with tinybench: the checksum and each crypto primitive over
// 4 KB, and a 4 KB application message pushed down (send) and popped up (receive) each paper stack
// with each crypto provider. `npm run microbench`; the benchmark runner builds on this.
//
// Send: frames go to a driver that drops them; the sender's window is kept open by moving
// snd_una up to snd_nxt after each push (an instant ACK whose own processing is not counted).
// Receive: a window of genuine frames from a real sender is replayed into the receiver, with its
// TCP state restored before each replay; each frame is first copied into a receive buffer, as a
// driver would, and that copy is counted.

import { Bench } from 'tinybench';
import { Loopback } from '../drivers/loopback.js';
import { Prng } from '../drivers/prng.js';
import { internetChecksum } from '../stacks/checksum.js';
import { CRYPTO_PROVIDERS, type CryptoProviderName, cryptoProvider } from '../stacks/crypto/index.js';
import type { FrameSink } from '../stacks/layer.js';
import { Tcb } from '../stacks/layers/tcp-control-block.js';
import { BufferPool, type Msg, copyBytes } from '../stacks/message.js';
import { PAPER_STACKS } from '../stacks/spec.js';
import { Stack, endpointPair } from '../stacks/stack.js';

const PACKET = 4096;
const BATCH = 15; // packets per timed call, so the timer's own cost is spread thin

/** Everything the measured code computes ends up here, so the JIT cannot drop the work. */
let sink = 0;

interface Row {
  name: string;
  usPerPacket: number;
  rme: number;
}

/** A driver that takes frames and keeps only a trace of them. */
const discard: FrameSink = {
  transmit: (frame) => {
    sink = (sink + frame.bytes[frame.tail - 1]! + frame.length) | 0;
  },
};

function sendBench(spec: string, crypto: CryptoProviderName): () => void {
  const [options] = endpointPair();
  const sender = new Stack(spec, { ...options, crypto });
  // Establish the connection against a real peer, then point the sender at the dropping driver.
  const [, peerOptions] = endpointPair();
  const peer = new Stack(spec, { ...peerOptions, crypto });
  new Loopback(sender, peer).handshake();
  sender.attach(discard);
  const f = sender.tcp!.tcb.f;
  const msg = new BufferPool(1).get();
  const payload = new Prng(1).fill(new Uint8Array(PACKET));
  return () => {
    for (let i = 0; i < BATCH; i++) {
      msg.resetPayload(PACKET);
      copyBytes(msg.bytes, msg.head, payload, 0, PACKET);
      sink = (sink + sender.send(msg)) | 0;
      f[Tcb.sndUna] = f[Tcb.sndNxt]!;
    }
  };
}

function receiveBench(spec: string, crypto: CryptoProviderName): () => void {
  const [oa, ob] = endpointPair();
  const sender = new Stack(spec, { ...oa, crypto });
  const receiver = new Stack(spec, { ...ob, crypto });
  const wire = new Loopback(sender, receiver);
  wire.handshake();
  receiver.application = { pop: (m: Msg) => void (sink = (sink + m.bytes[m.head]! + m.length) | 0) };
  // One window of genuine segments, kept as templates.
  const templates: Msg[] = [];
  const payload = new Prng(2).fill(new Uint8Array(PACKET));
  const msg = new BufferPool(1).get();
  for (let i = 0; i < BATCH; i++) {
    msg.resetPayload(PACKET);
    copyBytes(msg.bytes, msg.head, payload, 0, PACKET);
    if (sender.send(msg) !== 0) throw new Error(`${spec}: the sender refused a template segment`);
    sender.tcp!.tcb.f[Tcb.sndUna] = sender.tcp!.tcb.f[Tcb.sndNxt]!; // the receiver will ACK; no need to wait
    templates.push(wire.toB.frames.pop()!);
  }
  receiver.attach(discard); // the ACKs it sends are not part of this measurement
  const tcb = receiver.tcp!.tcb.f;
  const saved = tcb.slice();
  const frame = new BufferPool(1).get();
  const linkBytes = receiver.linkHeaderBytes;
  return () => {
    tcb.set(saved);
    for (let i = 0; i < BATCH; i++) {
      const t = templates[i]!;
      frame.loadFrame(t.bytes, t.head, t.length, linkBytes);
      receiver.receive(frame);
    }
    if (receiver.drops.total !== 0) throw new Error(`${spec}: receiver dropped ${JSON.stringify(receiver.drops.toRecord())}`);
  };
}

function primitiveBenches(bench: Bench): void {
  const data = new Prng(3).fill(new Uint8Array(PACKET + 64));
  bench.add('checksum (RFC 1071) 4 KB', () => {
    for (let i = 0; i < BATCH; i++) sink = (sink + internetChecksum(data, 0, PACKET)) | 0;
  });
  for (const name of CRYPTO_PROVIDERS) {
    const provider = cryptoProvider(name);
    const md5 = provider.createMd5();
    const digest = new Uint8Array(16);
    bench.add(`md5 4 KB [${name}]`, () => {
      for (let i = 0; i < BATCH; i++) {
        md5.begin();
        md5.update(data, 0, PACKET);
        md5.end(digest, 0);
        sink = (sink + digest[0]!) | 0;
      }
    });
    for (const cipher of ['des', '3des'] as const) {
      const c = provider.createCipher(cipher, new Prng(4).fill(new Uint8Array(cipher === 'des' ? 8 : 24)), 0);
      bench.add(`${cipher}-cbc encrypt 4 KB [${name}]`, () => {
        for (let i = 0; i < BATCH; i++) {
          c.encrypt(data, 0, PACKET);
          sink = (sink + data[PACKET]!) | 0;
        }
      });
    }
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: quick ? 50 : 300, iterations: 5, warmupIterations: 2 });
  primitiveBenches(bench);
  for (const crypto of CRYPTO_PROVIDERS) {
    for (const spec of PAPER_STACKS) {
      bench.add(`send ${spec} [${crypto}]`, sendBench(spec, crypto));
      bench.add(`recv ${spec} [${crypto}]`, receiveBench(spec, crypto));
    }
  }
  await bench.run();
  const rows: Row[] = bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== "completed") throw new Error(`${task.name}: ${r.state}${r.state === "errored" ? `: ${r.error.message}` : ""}`);
    return { name: task.name, usPerPacket: (r.latency.mean * 1000) / BATCH, rme: r.latency.rme };
  });
  console.log(`Per-packet cost, ${PACKET}-byte packets, one thread (Node ${process.version})`);
  console.log('');
  console.log('| what | µs per packet | Mbit/s of payload | ± % |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    const mbps = (PACKET * 8) / row.usPerPacket;
    console.log(`| ${row.name} | ${row.usPerPacket.toFixed(2)} | ${mbps.toFixed(0)} | ${row.rme.toFixed(1)} |`);
  }
  if (sink === 0x7fffffff) console.log(''); // reads the sink so the work stays observable
}

await main();
