// Copies within shared memory at the speed of a memmove. V8 copies within a SharedArrayBuffer
// (TypedArray set, copyWithin) word by word with relaxed atomics: 190 ns for 4 KB on a 2-vCPU AMD
// EPYC against 50 within an ArrayBuffer, and a PLP packet makes one or two such copies. A shared
// WebAssembly.Memory's buffer is a SharedArrayBuffer like any other, and WebAssembly's memory.copy
// on it is a plain memmove (40 ns). So shared blocks are made as such memories (sharedMemory), a
// thread handed one adopts it (adoptMemory), and copies within it go through a one-instruction
// WebAssembly function (nativeCopier; copyBytes in message.ts).

/** A shared WebAssembly.Memory, as far as this module uses one. */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}

// The part of the WebAssembly API used here (the project's lib has no WebAssembly types).
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { m: { memory: SharedMemory } }) => { exports: { copy: Copier } };
};

/** Copies `length` bytes from byte `src` to byte `dst` of one memory (overlapping or not, like memmove). */
export type Copier = (dst: number, src: number, length: number) => void;

export const WASM_PAGE_BYTES = 65_536;

/**
 * (module (import "m" "memory" (memory 0 65536 shared))
 *   (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy))
 */
// prettier-ignore
const COPY_MODULE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // types: (i32, i32, i32) -> ()
  0x02, 0x10, 0x01, 0x01, 0x6d, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, // imports: "m" "memory"
  0x02, 0x03, 0x00, 0x80, 0x80, 0x04, // a memory, shared, 0 to 65536 pages
  0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
  0x07, 0x08, 0x01, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, // exports: "copy", function 0
  0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b, // its code
);

let copyModule: object | null = null;
/** The memories this thread knows, by their buffers. */
const memories = new WeakMap<SharedArrayBuffer, SharedMemory>();

/**
 * A SharedArrayBuffer of at least `bytes`, in whole 64 KiB pages (so its first byte starts a page),
 * whose copies this thread and those that adopt it make natively.
 */
export function sharedMemory(bytes: number): SharedArrayBuffer {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  return adoptMemory(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }));
}

/** The memory behind `buffer`, to hand to another thread (undefined: a plain SharedArrayBuffer). */
export function memoryOf(buffer: SharedArrayBuffer): SharedMemory | undefined {
  return memories.get(buffer);
}

/** Takes a memory made on another thread: copies within its buffer are native here too. Answers its buffer. */
export function adoptMemory(memory: SharedMemory): SharedArrayBuffer {
  memories.set(memory.buffer, memory);
  return memory.buffer;
}

/**
 * The native copier of `buffer`'s memory, made now (set-up: a WebAssembly instance), or null when
 * `buffer` is no memory this thread knows.
 */
export function nativeCopier(buffer: ArrayBufferLike): Copier | null {
  const memory = memories.get(buffer as SharedArrayBuffer);
  if (memory === undefined) return null;
  copyModule ??= new WebAssembly.Module(COPY_MODULE);
  return new WebAssembly.Instance(copyModule, { m: { memory } }).exports.copy;
}
