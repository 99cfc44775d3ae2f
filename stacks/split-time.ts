// A Msg's time of entry (sampledAt, ns: a whole double below 2^53) kept in two Int32 fields of a
// table, where a table in shared memory holds only 32-bit words: TCP's sampled times (layers/tcp/
// sample-times.ts), PLP's reorder table (drivers/plp-commit.ts). No double crosses a call here, in
// or out (it is read from the Msg, and joined into a typed-array slot): a double passed to or
// answered by a call that V8 does not inline is boxed, a heap number each time.

import type { Msg } from './message.js';

const TWO_32 = 2 ** 32;

/** Int32 fields a time takes: its high 32 bits, then its low 32 bits. */
export const TIME_FIELDS = 2;

/** Writes `msg.sampledAt` into fields `at` and `at + 1` of `fields`. */
export function splitSampledAt(msg: Msg, fields: Int32Array, at: number): void {
  const time = msg.sampledAt;
  fields[at] = Math.floor(time / TWO_32);
  fields[at + 1] = time | 0;
}

/** Writes the time kept in fields `at` and `at + 1` of `fields` into `into[slot]`. */
export function joinTime(fields: Int32Array, at: number, into: Float64Array, slot: number): void {
  into[slot] = fields[at]! * TWO_32 + (fields[at + 1]! >>> 0);
}
