// The monotonic clock in nanoseconds, read without making a heap object: what the lock's sampled
// hold and wait times (parallel/mutex.ts) and a sampled packet's latency (latency-sampler.ts) are
// timed with. One process clock: every worker thread reads the same one.

/** The clock's reading in one BigInt slot, and the same 8 bytes as two 32-bit halves. */
const clockWord = new BigUint64Array(1);
const clockHalves = new Uint32Array(clockWord.buffer);

/**
 * Writes the monotonic clock, in ns, into a typed-array slot, making no heap object. On Node 20,
 * performance.now() allocates now and then even in optimized code, and any number a call returns
 * from code V8 did not inline is boxed; hrtime.bigint() stored straight into a BigUint64Array is
 * not materialized by the optimizing compiler, and the halves read back are small integers. (A
 * double holds ns exactly up to 2^53, 104 days of uptime; past that a reading is rounded to 2 ns.)
 */
export function readClock(into: Float64Array, slot: number): void {
  clockWord[0] = process.hrtime.bigint();
  into[slot] = clockHalves[1]! * 4294967296 + clockHalves[0]!;
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
