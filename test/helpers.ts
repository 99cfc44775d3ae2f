// Shared test plumbing: two stacks on a loopback wire, and a bulk transfer between them whose
// delivery order the test controls.

import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { Loopback } from '../drivers/loopback.js';
import { Prng } from '../drivers/prng.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { Stack, type StackOptions, endpointPair } from '../stacks/stack.js';

export interface Pair {
  a: Stack;
  b: Stack;
  wire: Loopback;
  /** What b's application received, one entry per delivered message. */
  received: Uint8Array[];
}

export interface PairOptions {
  crypto?: CryptoProviderName;
  /** Changes to the sender's and the receiver's options. */
  a?: Partial<StackOptions>;
  b?: Partial<StackOptions>;
  /** Open the TCP connection (default); false leaves it to the test. */
  connect?: boolean;
}

export function makePair(spec: string, options: PairOptions = {}): Pair {
  const [oa, ob] = endpointPair();
  const crypto = options.crypto ?? 'cryptojs';
  const a = new Stack(spec, { ...oa, crypto, ...options.a });
  const b = new Stack(spec, { ...ob, crypto, ...options.b });
  const wire = new Loopback(a, b, 512);
  const received: Uint8Array[] = [];
  b.application = { pop: (m: Msg) => void received.push(m.toBytes()) };
  if (a.transport === 'tcp' && options.connect !== false) wire.handshake();
  return { a, b, wire, received };
}

export type Delivery = 'in-order' | 'out-of-order' | 'duplicates';

/**
 * Sends `data` from a to b in messages of at most `chunk` bytes. Frames toward b are delivered
 * in batches, in order, shuffled, or shuffled with about a fifth of them sent twice.
 */
export function transfer(pair: Pair, data: Uint8Array, chunk: number, delivery: Delivery, seed = 1): void {
  const { a, b, wire } = pair;
  const prng = new Prng(seed);
  const msg = new BufferPool(1).get();
  const flush = (): void => {
    const frames = wire.toB.frames.splice(0);
    if (delivery !== 'in-order') prng.shuffle(frames);
    for (const frame of frames) {
      const twice = delivery === 'duplicates' && prng.below(5) === 0 ? wire.toB.clone(frame) : null;
      b.receive(frame);
      wire.toB.release(frame);
      if (twice !== null) {
        b.receive(twice);
        wire.toB.release(twice);
      }
    }
    // ACKs travel back reordered too: old ones must not shrink the window or move snd_una back.
    const acks = wire.toA.frames.splice(0);
    if (delivery !== 'in-order') prng.shuffle(acks);
    for (const ack of acks) {
      a.receive(ack);
      wire.toA.release(ack);
    }
  };
  let offset = 0;
  let stalls = 0;
  while (offset < data.length) {
    const n = Math.min(chunk, data.length - offset);
    if (!a.canSend(n) || wire.toB.frames.length >= 64) {
      flush();
      if (!a.canSend(n)) {
        b.tick(); // the delayed ACK the sender waits for
        flush();
      }
      if (++stalls > 100000) throw new Error('transfer stalled');
      continue;
    }
    msg.resetPayload(n);
    msg.bytes.set(data.subarray(offset, offset + n), msg.head);
    const status = a.send(msg);
    if (status !== 0) throw new Error(`send answered ${status}`);
    offset += n;
  }
  // Written data may still wait in the sender's queue for ACKs to open the windows: drain it.
  for (let rounds = 0; ; rounds++) {
    flush();
    b.tick();
    flush();
    const f = a.tcb?.f;
    if (f === undefined || (f[Tcb.sndUna] === f[Tcb.sndMax] && !a.tcb!.waitingToSend)) break;
    if (rounds > 1000) throw new Error('transfer did not drain');
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function randomBytes(length: number, seed: number): Uint8Array {
  return new Prng(seed).fill(new Uint8Array(length));
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Where each of `segments` segments of a stream starts in sequence space, from `base` (wrapping at
 * 2^32 as TCP's numbers do), and where the last ends: segment i is 100 + i % 7 bytes long.
 */
export function segmentStarts(base: number, segments: number): Int32Array {
  const starts = new Int32Array(segments + 1);
  starts[0] = base | 0;
  for (let i = 0; i < segments; i++) starts[i + 1] = (starts[i]! + 100 + (i % 7)) | 0;
  return starts;
}
