// Message buffers with headroom (x-kernel "msg"). Every message of a pool shares the pool's three
// typed-array views, so offsets are absolute in the pool's ArrayBuffer and layers write headers with
// one DataView and checksum with one Uint32Array: nothing is allocated per packet.

import { type Copier, nativeOps } from './native-memory.js';

/** Bytes of headroom reserved in front of the payload; enough for every header we stack. */
export const DEFAULT_HEADROOM = 192;
/** Slot size: the largest frame (FDDI, 4352 + 21) plus headroom and padding, rounded to a page. */
export const DEFAULT_SLOT_BYTES = 8192;
/** The largest application message a slot holds, with the headroom in front and room for trailers (padding, ICVs) behind. */
export const MAX_MESSAGE_PAYLOAD = DEFAULT_SLOT_BYTES - DEFAULT_HEADROOM - 64;

export class Msg {
  // The live data is [start, end): only this class moves them, through the bounds-checked methods
  // below, so no layer can leave a message pointing outside its slot.
  private start = 0;
  private end = 0;
  /** IPv4 source and destination of a received packet, set by the IP layer for the layers above. */
  srcAddr = 0;
  dstAddr = 0;
  /** The IP protocol of a received packet (set by the IP layer; a forwarding layer reads it). */
  protocol = 0;
  /** The identification of a received packet's IP header (set by the IP layer; AH's ICV covers it). */
  ipIdent = 0;
  /**
   * The TCP sequence number of the first data byte of a message TCP delivers: lets the
   * application put messages that threads deliver concurrently back into stream order.
   */
  streamSeq = 0;
  /** The sequence number after that message's data (its end in the stream, as TCP carried it). */
  streamNext = 0;
  /**
   * A sampled packet's time of entry (ns, drivers/ns-clock.ts): when its application handed it to
   * the stack (sending) or its frame arrived (receiving); 0 for a packet not timed. Layers pass it
   * on with the message; where TCP queues the data, it keeps the time with it (sample-times.ts).
   */
  sampledAt = 0;

  constructor(
    /** The whole pool, shared by all its messages. */
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly words: Uint32Array,
    /** This message's slot in the pool: [slotStart, slotEnd). */
    readonly slotStart: number,
    readonly slotEnd: number,
  ) {}

  /** First byte of live data (absolute offset in `bytes`). Moves down on prepend, up on strip. */
  get head(): number {
    return this.start;
  }

  /** One past the last byte of live data. */
  get tail(): number {
    return this.end;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Makes room for `n` bytes of header in front of the data; returns the header's offset. */
  prepend(n: number): number {
    const head = this.start - n;
    if (head < this.slotStart) throw new RangeError(`message headroom exhausted prepending ${n} bytes`);
    this.start = head;
    return head;
  }

  /** Removes `n` bytes of header from the front (a layer going up); returns their offset. */
  strip(n: number): number {
    const head = this.start;
    if (n < 0 || head + n > this.end) throw new RangeError(`cannot strip ${n} bytes from a ${this.end - head}-byte message`);
    this.start = head + n;
    return head;
  }

  /** Keeps the first `length` bytes and drops the rest (link padding, a cipher's padding, a lie in a length field). */
  trimTo(length: number): void {
    if (length < 0 || length > this.end - this.start)
      throw new RangeError(`cannot trim a ${this.end - this.start}-byte message to ${length} bytes`);
    this.end = this.start + length;
  }

  /** Appends `n` bytes at the tail (padding); returns their offset. */
  append(n: number): number {
    const tail = this.end;
    if (tail + n > this.slotEnd) throw new RangeError(`message tailroom exhausted appending ${n} bytes`);
    this.end = tail + n;
    return tail;
  }

  /** Sets the live data to [head, tail) of the slot (a driver putting back a frame it saved). */
  setRange(head: number, tail: number): void {
    if (head < this.slotStart || tail < head || tail > this.slotEnd)
      throw new RangeError(`range [${head}, ${tail}) is outside the slot [${this.slotStart}, ${this.slotEnd})`);
    this.start = head;
    this.end = tail;
  }

  /**
   * Makes the message an empty payload of `length` bytes that starts `headroom` bytes into the slot.
   * `headroom` is a multiple of 4 and every header above IP is a multiple of 4 long, so the IPv4
   * header lands 4-byte aligned.
   */
  resetPayload(length: number, headroom = DEFAULT_HEADROOM): number {
    const head = this.slotStart + headroom;
    if (head + length > this.slotEnd)
      throw new RangeError(`payload of ${length} bytes does not fit a ${this.slotEnd - this.slotStart}-byte slot`);
    this.start = head;
    this.end = head + length;
    this.srcAddr = 0;
    this.dstAddr = 0;
    return head;
  }

  /**
   * Makes room for a received frame of `length` bytes whose link header is `linkHeaderBytes` long,
   * placed so that the network header behind it is 4-byte aligned. Returns the frame's offset.
   */
  resetFrame(length: number, linkHeaderBytes: number): number {
    const ipOffset = this.slotStart + DEFAULT_HEADROOM;
    const head = ipOffset - linkHeaderBytes;
    if (head < this.slotStart || head + length > this.slotEnd) {
      throw new RangeError(`frame of ${length} bytes does not fit a ${this.slotEnd - this.slotStart}-byte slot`);
    }
    this.start = head;
    this.end = head + length;
    this.srcAddr = 0;
    this.dstAddr = 0;
    return head;
  }

  /** Copies `length` bytes from `src` into a fresh frame (a driver receiving off the wire). */
  loadFrame(src: Uint8Array, srcOffset: number, length: number, linkHeaderBytes: number): void {
    copyBytes(this.bytes, this.resetFrame(length, linkHeaderBytes), src, srcOffset, length);
  }

  /** Copies `length` bytes from byte `srcAt` of this message's buffer into a fresh frame, with that buffer's memmove (memmoveOf). */
  loadFrameWithin(move: Copier, srcAt: number, length: number, linkHeaderBytes: number): void {
    move(this.resetFrame(length, linkHeaderBytes), srcAt, length);
  }

  /**
   * Copies a whole frame held in `frame` (a view made once, at set-up) into a fresh frame:
   * TypedArray.set is a native memcpy, many times faster than a JS loop, and allocates nothing
   * when given an existing view. For a driver replaying the same frames over and over.
   */
  loadFrameView(frame: Uint8Array, linkHeaderBytes: number): void {
    this.bytes.set(frame, this.resetFrame(frame.length, linkHeaderBytes));
  }

  /** A copy of the live bytes (tests and debugging only: it allocates). */
  toBytes(): Uint8Array {
    return this.bytes.slice(this.head, this.tail);
  }
}

/** Where a pool's slots are placed in a buffer made elsewhere (shared memory). */
export interface PoolRegion {
  buffer: ArrayBufferLike;
  byteOffset: number;
}

/**
 * A fixed set of messages carved out of one ArrayBuffer at set-up (or out of `region` of a
 * caller's buffer); get/put never allocate.
 */
export class BufferPool {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly words: Uint32Array;
  private readonly free: Msg[];
  private freeCount: number;

  constructor(
    readonly count: number,
    readonly slotBytes = DEFAULT_SLOT_BYTES,
    region?: PoolRegion,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`pool needs at least one buffer, got ${count}`);
    if (slotBytes % 64 !== 0 || slotBytes < 256)
      throw new RangeError(`slot size must be a multiple of 64 and at least 256, got ${slotBytes}`);
    const buffer = region?.buffer ?? new ArrayBuffer(count * slotBytes);
    const start = region?.byteOffset ?? 0;
    if (start % 64 !== 0 || start + count * slotBytes > buffer.byteLength) {
      throw new RangeError(
        `pool region at ${start} for ${count} × ${slotBytes} bytes does not fit a ${buffer.byteLength}-byte buffer on a 64-byte line`,
      );
    }
    // Views over the whole buffer: offsets stay absolute, and copies within it can be native (copyBytes).
    this.bytes = wholeBytesOf(buffer);
    this.view = new DataView(buffer);
    this.words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    this.free = [];
    for (let i = 0; i < count; i++) {
      this.free.push(new Msg(this.bytes, this.view, this.words, start + i * slotBytes, start + (i + 1) * slotBytes));
    }
    this.freeCount = count;
  }

  /** Takes a message; throws when the pool is empty (a sizing error made at set-up). */
  get(): Msg {
    if (this.freeCount === 0) throw new RangeError(`buffer pool of ${this.count} exhausted`);
    return this.free[--this.freeCount]!;
  }

  put(msg: Msg): void {
    if (msg.bytes !== this.bytes) throw new RangeError('message returned to a pool it does not belong to');
    if (this.freeCount === this.count) throw new RangeError('buffer pool: more messages returned than taken');
    this.free[this.freeCount++] = msg;
  }

  get available(): number {
    return this.freeCount;
  }
}

/** The machine's byte order (typed arrays read words in it). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies bytes without allocating a view (TypedArray.set would need a subarray). Within a shared
 * WebAssembly memory it is WebAssembly's memmove (native-memory.ts). Within another buffer it is
 * copyWithin, a native memmove (ten times the loop's speed on 4 KB) on an ArrayBuffer; on a
 * SharedArrayBuffer V8 moves words with relaxed atomics (190 ns for 4 KB against 50), and bytes
 * when two ranges that do not overlap are not 8-byte congruent (1.7 µs, slower than the loop).
 * Otherwise 32 bits at a time: word for word when the ends are congruent mod 4, else each
 * destination word assembled from two source words (the byte loop it replaces took 9 µs for 4 KB).
 */
export function copyBytes(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void {
  // One view (a ring and the messages of its buffer: they share the buffer's view, wholeBytesOf):
  // the memmove at once. Reading the views' buffers and offsets below costs about 10 ns each, which
  // on a 4 KB copy (50 ns) made it twice as dear.
  if (dst === src) {
    // A shared WebAssembly memory's whole view (a PLP worker's shared block): WebAssembly's memmove.
    const native = nativeViews !== 0 ? nativeCopiers.get(dst) : undefined;
    if (native !== undefined) {
      native(dstOffset, srcOffset, length);
      return;
    }
    if (((dstOffset ^ srcOffset) & 7) === 0) {
      dst.copyWithin(dstOffset, srcOffset, srcOffset + length);
      return;
    }
  }
  const dAbs = dst.byteOffset + dstOffset;
  const sAbs = src.byteOffset + srcOffset;
  const oneBuffer = dst.buffer === src.buffer;
  if (oneBuffer) {
    const whole = wholeBytes(dst);
    const native = nativeViews !== 0 ? nativeCopiers.get(whole) : undefined;
    if (native !== undefined) {
      native(dAbs, sAbs, length);
      return;
    }
    if (((dAbs ^ sAbs) & 7) === 0 || !(dst.buffer instanceof SharedArrayBuffer) || (dAbs < sAbs + length && sAbs < dAbs + length)) {
      whole.copyWithin(dAbs, sAbs, sAbs + length);
      return;
    }
  }
  let done = 0;
  if (length >= 32 && (LITTLE_ENDIAN || ((dAbs ^ sAbs) & 3) === 0)) {
    const lead = (4 - (dAbs & 3)) & 3;
    for (; done < lead; done++) dst[dstOffset + done] = src[srcOffset + done]!;
    const skew = (sAbs + lead) & 3;
    const sw = int32View(src);
    const si = (sAbs + lead) >>> 2;
    // The skewed loop reads one word past the last it writes: only where the source's word view has
    // it (a buffer whose length is not a multiple of 4 ends in bytes no word covers).
    const count = skew === 0 ? (length - lead) >>> 2 : Math.max(0, Math.min((length - lead) >>> 2, sw.length - si - 1));
    if (skew === 0) copyWords(int32View(dst), (dAbs + lead) >>> 2, sw, si, count);
    else copySkewedWords(int32View(dst), (dAbs + lead) >>> 2, sw, si, count, skew);
    done += count * 4;
  }
  for (; done < length; done++) dst[dstOffset + done] = src[srcOffset + done]!;
}

// The copy loops read signed words and shift with `>>`, so every value they make is a small
// integer: code not yet optimized (a path taken rarely) boxes any number beyond 2^31 in a heap
// object, and a rare copy of 4 KB would then allocate 16 KB.
function copyWords(dw: Int32Array, di: number, sw: Int32Array, si: number, count: number): void {
  for (let i = 0; i < count; i++) dw[di + i] = sw[si + i]!;
}

/**
 * `count` destination words from source bytes that start `skew` (1 to 3) bytes into word `si`
 * (little-endian). It reads word si + count too: the caller's count leaves that word inside `sw`.
 */
function copySkewedWords(dw: Int32Array, di: number, sw: Int32Array, si: number, count: number, skew: number): void {
  const low = skew * 8;
  const high = 32 - low;
  const lowBits = (1 << high) - 1; // what `>>` keeps of the earlier word, its sign bits masked off
  let previous = sw[si]!;
  for (let i = 0; i < count; i++) {
    const next = sw[si + i + 1]!;
    dw[di + i] = ((previous >> low) & lowBits) | (next << high);
    previous = next;
  }
}

// One Uint32Array and one Uint8Array per ArrayBuffer, made on first use (set-up), so copies
// allocate nothing after.
const wordViews = new WeakMap<ArrayBufferLike, Uint32Array>();
const int32Views = new WeakMap<ArrayBufferLike, Int32Array>();
const byteViews = new WeakMap<ArrayBufferLike, Uint8Array>();

/** A Uint8Array over the whole buffer behind `bytes` (cached: one per buffer). */
function wholeBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength) return bytes;
  return wholeBytesOf(bytes.buffer);
}

/**
 * The one Uint8Array over all of `buffer` (made on first use): pools and rings in one buffer take
 * this view, so a copy between them is told by the views alone (copyBytes).
 */
export function wholeBytesOf(buffer: ArrayBufferLike): Uint8Array {
  let whole = byteViews.get(buffer);
  if (whole === undefined) {
    whole = new Uint8Array(buffer);
    byteViews.set(buffer, whole);
    const native = nativeOps(buffer)?.copy ?? null;
    if (native !== null) {
      nativeCopiers.set(whole, native);
      nativeViews++;
    }
  }
  return whole;
}

/**
 * A memmove within the buffer `whole` views whole (wholeBytesOf), on absolute offsets: its memory's
 * native one (a shared WebAssembly memory), else copyWithin. For a copy made every packet between
 * places fixed at set-up, which needs none of copyBytes's checks.
 */
export function memmoveOf(whole: Uint8Array): Copier {
  if (whole !== wholeBytesOf(whole.buffer)) throw new RangeError('memmoveOf takes the view wholeBytesOf made');
  return nativeCopiers.get(whole) ?? ((dst, src, length) => void whole.copyWithin(dst, src, src + length));
}

/** Whole views of shared WebAssembly memories, and their memmoves (native-memory.ts); how many this thread made. */
const nativeCopiers = new WeakMap<Uint8Array, Copier>();
let nativeViews = 0;

/** An Int32Array over the whole buffer behind `bytes` (cached: one per buffer), for copies. */
function int32View(bytes: Uint8Array): Int32Array {
  let words = int32Views.get(bytes.buffer);
  if (words === undefined) {
    words = new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
    int32Views.set(bytes.buffer, words);
  }
  return words;
}

/** A Uint32Array over the whole buffer behind `bytes` (cached: one per buffer). */
export function wordView(bytes: Uint8Array): Uint32Array {
  let words = wordViews.get(bytes.buffer);
  if (words === undefined) {
    words = new Uint32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
    wordViews.set(bytes.buffer, words);
  }
  return words;
}
