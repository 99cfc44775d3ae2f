// The monotonic clock in nanoseconds, read without making a heap object: what the lock's sampled
// hold and wait times (parallel/mutex.ts) and a sampled packet's latency (latency-sampler.ts) are
// timed with. One process clock (CLOCK_MONOTONIC, the one process.hrtime reads): every worker
// thread reads the same one.
//
// Why not process.hrtime.bigint() or performance.now(): each is a JavaScript function that returns
// the time as a heap value (a BigInt, a double), which is made unless V8 inlines that function
// into the caller and sees the value die there. Whether it does depends on each caller's inlining
// budget, spent in an order the run's timing decides: one allocation-test run in about ten
// inlined readClock into a large driver loop with no budget left for hrtime.bigint, and allocated
// a BigInt a reading from then on (253 312 bytes a window, seen on two machines). So the clock is
// read by WebAssembly, through WASI's clock_time_get, which writes the time into the module's own
// memory: the call answers an errno, a small integer, whatever is inlined where, and the time is
// read back as two 32-bit halves. It costs what hrtime.bigint() did: 44-45 ns a reading against
// 43-44 (7 rounds each, alternated, pinned to one vCPU of a 2-vCPU AMD EPYC, kvm-clock).

import { createRequire } from 'node:module';
import type { WASI as WasiClass } from 'node:wasi';

// The part of the WebAssembly API used here (the project's lib has no WebAssembly types).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { now: () => number; memory: { buffer: ArrayBuffer } } };
};

const CLOCK_MONOTONIC = 1;

/**
 * (module (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (func (export "now") (result i32) i32.const 1 i64.const 1 i32.const 0 call 0))
 * now() writes CLOCK_MONOTONIC's reading (precision 1 ns asked) as a u64 at byte 0 and answers the errno.
 */
// prettier-ignore
const MODULE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x0c, 0x02, // types:
  0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, // (i32, i64, i32) -> i32
  0x60, 0x00, 0x01, 0x7f, // () -> i32
  0x02, 0x29, 0x01, // imports: one
  0x16, ...asciiOf('wasi_snapshot_preview1'), 0x0e, ...asciiOf('clock_time_get'), 0x00, 0x00, // a function of type 0
  0x03, 0x02, 0x01, 0x01, // functions: one, of type 1
  0x05, 0x03, 0x01, 0x00, 0x01, // a memory of 1 page
  0x07, 0x10, 0x02, // exports:
  0x06, ...asciiOf('memory'), 0x02, 0x00, // "memory", memory 0
  0x03, ...asciiOf('now'), 0x00, 0x01, // "now", function 1
  0x0a, 0x0c, 0x01, // code:
  0x0a, 0x00, 0x41, CLOCK_MONOTONIC, 0x42, 0x01, 0x41, 0x00, 0x10, 0x00, 0x0b, // call clock_time_get(1, 1, 0)
);

function asciiOf(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** Node's WASI, loaded without its one-time ExperimentalWarning on stderr (the clock is all that is used of it). */
function loadWasi(): typeof WasiClass {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return (createRequire(import.meta.url)('node:wasi') as { WASI: typeof WasiClass }).WASI;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** This thread's instance: now() and the reading's halves (low, high) in its memory. */
const { now, halves } = (() => {
  const WASI = loadWasi();
  const wasi = new WASI({ version: 'preview1' });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE), wasi.getImportObject());
  wasi.initialize(instance);
  return { now: instance.exports.now, halves: new Uint32Array(instance.exports.memory.buffer, 0, 2) };
})();
if (now() !== 0) throw new Error('the monotonic clock cannot be read (WASI clock_time_get failed)');

/**
 * Writes the monotonic clock, in ns, into a typed-array slot, making no heap object. (A double
 * holds ns exactly up to 2^53, 104 days of uptime; past that a reading is rounded to 2 ns.)
 */
export function readClock(into: Float64Array, slot: number): void {
  now();
  into[slot] = halves[1]! * 4294967296 + halves[0]!;
}

/**
 * V8 optimizes a function after some thousands of calls, and the clock is read only now and then
 * (a sampled acquisition, a sampled packet): left alone, readClock would stay in the interpreter
 * for a long while, which boxes every reading. Called here until it is compiled (about 2 ms, once a
 * thread, when the first user is made), it runs optimized from its first use.
 */
let clockCompiled = false;
export function compileClock(): void {
  if (clockCompiled) return;
  const scratch = new Float64Array(1);
  for (let i = 0; i < 50_000; i++) readClock(scratch, 0);
  clockCompiled = true;
}
