// The application's data that the drivers send and check: random-filled messages (the paper's
// buffers), made once at set-up.

import type { Msg } from '../stacks/message.js';
import { Prng } from './prng.js';

/**
 * The application's data: MESSAGES messages of random bytes (the paper's random-filled buffers),
 * sent in turn. Each message is a view made at set-up, so writing one into a message buffer is a
 * native copy (TypedArray.set) that allocates nothing.
 */
export class DataStream {
  static readonly MESSAGES = 16;
  private readonly messages: Uint8Array[] = [];
  private index = 0;

  constructor(seed: number, packetSize: number) {
    const bytes = new Prng(seed).fill(new Uint8Array(DataStream.MESSAGES * packetSize));
    for (let k = 0; k < DataStream.MESSAGES; k++) this.messages.push(bytes.subarray(k * packetSize, (k + 1) * packetSize));
  }

  /** The data of application message number `index`. */
  message(index: number): Uint8Array {
    return this.messages[index % DataStream.MESSAGES]!;
  }

  /** The next message's data; advances. */
  next(): Uint8Array {
    const data = this.messages[this.index]!;
    this.index = (this.index + 1) % DataStream.MESSAGES;
    return data;
  }
}

/** The message equals `expected` (from byte `skip` on: the bytes before carry a message number). */
export function sameBytes(m: Msg, expected: Uint8Array, skip = 0): boolean {
  const length = expected.length;
  if (m.length !== length) return false;
  const bytes = m.bytes;
  for (let i = skip; i < length; i++) if (bytes[m.head + i] !== expected[i]) return false;
  return true;
}
