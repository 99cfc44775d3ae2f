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

  /** `bytes`: the messages' data, made already (data(), shared by the connections of a thread) instead of from `seed`. */
  constructor(seed: number, packetSize: number, bytes = DataStream.data(seed, packetSize)) {
    if (bytes.length !== DataStream.MESSAGES * packetSize)
      throw new RangeError(`data of ${bytes.length} bytes for ${packetSize}-byte messages`);
    for (let k = 0; k < DataStream.MESSAGES; k++) this.messages.push(bytes.subarray(k * packetSize, (k + 1) * packetSize));
  }

  /** The random bytes of MESSAGES messages of `packetSize`, from `seed`. */
  static data(seed: number, packetSize: number): Uint8Array {
    return new Prng(seed).fill(new Uint8Array(DataStream.MESSAGES * packetSize));
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

/**
 * Checks an in-order stream of pieces (however the transport cut it) against the data stream's
 * messages, one after another: one owner's receiving application.
 */
export class StreamCheck {
  private index = 0;
  private offset = 0;

  constructor(private readonly data: DataStream) {}

  /** Whether the piece's bytes are the stream's next ones; moves past them either way. */
  take(m: Msg): boolean {
    const bytes = m.bytes;
    let at = m.head;
    let left = m.length;
    let ok = true;
    while (left > 0) {
      const expected = this.data.message(this.index);
      const n = Math.min(left, expected.length - this.offset);
      for (let i = 0; i < n && ok; i++) if (bytes[at + i] !== expected[this.offset + i]) ok = false;
      at += n;
      left -= n;
      this.offset += n;
      if (this.offset === expected.length) {
        this.index++;
        this.offset = 0;
      }
    }
    return ok;
  }
}

// Labelled data, for --verify under packet-level parallelism: threads write messages into one
// stream in whatever order they win, and receive its pieces out of order, so each piece must say
// where it belongs. Every 4-byte word of message `index` holds (index, the word's own offset),
// mixed by an invertible hash so the bytes look random; any piece of 7 bytes or more names its
// message and offset, and every byte of it is checked against them.

/** Bits of the word number in a label (messages are at most 16 KiB). */
const WORD_BITS = 12;
/** Labels carry the message number mod 2^LABEL_INDEX_BITS. */
export const LABEL_INDEX_BITS = 20;
const INDEX_MASK = (1 << LABEL_INDEX_BITS) - 1;

/** MurmurHash3's finalizer: a bijection on 32-bit words. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The inverse of mix. */
export function unmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7ed1b41d);
  x ^= (x >>> 13) ^ (x >>> 26);
  x = Math.imul(x, 0xa5cb9243);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The byte at `offset` of message `index`'s labelled content. */
function labelledByte(index: number, offset: number): number {
  const word = mix(((index & INDEX_MASK) << WORD_BITS) | (offset >>> 2));
  return (word >>> (24 - 8 * (offset & 3))) & 0xff;
}

/** Writes message `index`'s labelled content, `length` bytes, at `bytes[at]`. */
export function fillLabelled(bytes: Uint8Array, at: number, length: number, index: number): void {
  for (let o = 0; o < length; o++) bytes[at + o] = labelledByte(index, o);
}

/** Where a piece of labelled content belongs: its message number (mod 2^LABEL_INDEX_BITS) and offset. */
export interface Label {
  index: number;
  offset: number;
}

/**
 * Reads the label of the piece `m` (a message of at most `size` bytes was cut into it) into `out`
 * and checks every byte against it. Answers 1 when the piece is labelled content, 0 when it is
 * not (a data error), -1 when it is too short to tell (under 7 bytes).
 */
export function readLabel(m: Msg, size: number, out: Label): number {
  const bytes = m.bytes;
  const at = m.head;
  const length = m.length;
  for (let phase = 0; phase < 4 && phase + 4 <= length; phase++) {
    const p = at + phase;
    const word = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
    const label = unmix(word);
    const offset = 4 * (label & ((1 << WORD_BITS) - 1)) - phase;
    const index = label >>> WORD_BITS;
    if (offset < 0 || offset + length > size) continue;
    let ok = true;
    for (let i = 0; i < length && ok; i++) if (bytes[at + i] !== labelledByte(index, offset + i)) ok = false;
    if (ok) {
      out.index = index;
      out.offset = offset;
      return 1;
    }
  }
  // A piece under 7 bytes may hold no whole word of its message: then it cannot tell.
  return length >= 7 ? 0 : -1;
}
