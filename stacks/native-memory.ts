// Copies and atomic word operations on shared memory, at the machine's own speed. V8 copies within a
// SharedArrayBuffer (TypedArray set, copyWithin) word by word with relaxed atomics: 190 ns for 4 KB
// on a 2-vCPU AMD EPYC against 50 within an ArrayBuffer, and a PLP packet makes one or two such
// copies. A shared WebAssembly.Memory's buffer is a SharedArrayBuffer like any other, and
// WebAssembly's memory.copy on it is a plain memmove (40 ns). Its atomics compile to the
// instruction itself, where each JavaScript Atomics call is a call into V8's runtime: an
// uncontended mutex's acquire and release cost 17 ns against 27. So shared blocks are made as such
// memories (sharedMemory), a thread handed one adopts it (adoptMemory), and the copies within it
// (copyBytes, memmoveOf in message.ts) and the mutex on its words (parallel/mutex.ts) go through a
// small WebAssembly module (nativeOps).

/** A shared WebAssembly.Memory, as far as this module uses one. */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}

/** Copies `length` bytes from byte `src` to byte `dst` of one memory (overlapping or not, like memmove). */
export type Copier = (dst: number, src: number, length: number) => void;

/** A memory's native operations; `at` is a byte offset, 4-aligned for the word operations. */
export interface NativeOps {
  copy: Copier;
  /** Atomically: if the word at `at` is `expected`, makes it `replacement`; answers what it was (Atomics.compareExchange). */
  cas: (at: number, expected: number, replacement: number) => number;
  /** Atomically subtracts `value` from the word at `at`; answers what it was (Atomics.sub). */
  sub: (at: number, value: number) => number;
  /** Atomically adds `value` to the word at `at`; answers what it was (Atomics.add). */
  add: (at: number, value: number) => number;
  /** The word at `at`, read as Atomics.load reads it (a plain load on x86: 3 ns, where Atomics.load costs 5.5). */
  load: (at: number) => number;
}

// The part of the WebAssembly API used here (the project's lib has no WebAssembly types).
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { m: { memory: SharedMemory } }) => { exports: NativeOps };
};

export const WASM_PAGE_BYTES = 65_536;

/**
 * (module (import "m" "memory" (memory 0 65536 shared))
 *   (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
 *   (func (export "cas") (param i32 i32 i32) (result i32) local.get 0 local.get 1 local.get 2 i32.atomic.rmw.cmpxchg)
 *   (func (export "sub") (param i32 i32) (result i32) local.get 0 local.get 1 i32.atomic.rmw.sub)
 *   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.atomic.rmw.add)
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.atomic.load))
 */
// prettier-ignore
const MODULE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x19, 0x04, // types:
  0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // (i32, i32, i32) -> ()
  0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, // (i32, i32, i32) -> i32
  0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // (i32, i32) -> i32
  0x60, 0x01, 0x7f, 0x01, 0x7f, // (i32) -> i32
  0x02, 0x10, 0x01, 0x01, 0x6d, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, // imports: "m" "memory"
  0x02, 0x03, 0x00, 0x80, 0x80, 0x04, // a memory, shared, 0 to 65536 pages
  0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x02, 0x03, // functions: five, of types 0, 1, 2, 2, 3
  0x07, 0x21, 0x05, // exports:
  0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, // "copy", function 0
  0x03, 0x63, 0x61, 0x73, 0x00, 0x01, // "cas", function 1
  0x03, 0x73, 0x75, 0x62, 0x00, 0x02, // "sub", function 2
  0x03, 0x61, 0x64, 0x64, 0x00, 0x03, // "add", function 3
  0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x04, // "load", function 4
  0x0a, 0x3a, 0x05, // code:
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b, // memory.copy
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfe, 0x48, 0x02, 0x00, 0x0b, // i32.atomic.rmw.cmpxchg
  0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfe, 0x25, 0x02, 0x00, 0x0b, // i32.atomic.rmw.sub
  0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfe, 0x1e, 0x02, 0x00, 0x0b, // i32.atomic.rmw.add
  0x08, 0x00, 0x20, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x0b, // i32.atomic.load
);

let nativeModule: object | null = null;
/** The memories this thread knows, by their buffers. */
const memories = new WeakMap<SharedArrayBuffer, SharedMemory>();
/** Their operations, made on first use (one WebAssembly instance a memory and thread). */
const operations = new WeakMap<SharedArrayBuffer, NativeOps>();

/**
 * A SharedArrayBuffer of at least `bytes`, in whole 64 KiB pages (so its first byte starts a page),
 * whose copies and lock words this thread and those that adopt it handle natively.
 */
export function sharedMemory(bytes: number): SharedArrayBuffer {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  return adoptMemory(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }));
}

/** The memory behind `buffer`, to hand to another thread (undefined: a plain SharedArrayBuffer). */
export function memoryOf(buffer: SharedArrayBuffer): SharedMemory | undefined {
  return memories.get(buffer);
}

/** Takes a memory made on another thread: its buffer's copies and lock words are native here too. Answers its buffer. */
export function adoptMemory(memory: SharedMemory): SharedArrayBuffer {
  memories.set(memory.buffer, memory);
  return memory.buffer;
}

/** The native operations of `buffer`'s memory (made now if new: set-up), or null when `buffer` is no memory this thread knows. */
export function nativeOps(buffer: ArrayBufferLike): NativeOps | null {
  const shared = buffer as SharedArrayBuffer;
  let ops = operations.get(shared);
  if (ops === undefined) {
    const memory = memories.get(shared);
    if (memory === undefined) return null;
    nativeModule ??= new WebAssembly.Module(MODULE);
    ops = new WebAssembly.Instance(nativeModule, { m: { memory } }).exports;
    operations.set(shared, ops);
  }
  return ops;
}

/** Atomic operations on one word, `words[index]`, as the Atomics functions of the same names answer. */
export interface WordOps {
  cas: (expected: number, replacement: number) => number;
  load: () => number;
}

/** The atomic operations on `words[index]`: native when the words lie in a memory this thread knows, else Atomics. */
export function wordOps(words: Int32Array, index: number): WordOps {
  const native = nativeOps(words.buffer);
  const at = words.byteOffset + 4 * index;
  return native !== null
    ? { cas: (expected, replacement) => native.cas(at, expected, replacement), load: () => native.load(at) }
    : {
        cas: (expected, replacement) => Atomics.compareExchange(words, index, expected, replacement),
        load: () => Atomics.load(words, index),
      };
}
