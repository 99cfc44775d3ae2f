// Sampled packets' times of entry (Msg.sampledAt) kept with a connection's state while their data
// waits inside TCP: a write queued in the send ring until the segment that ends it goes (keyed by
// the write's end), a segment queued out of order until it is delivered (keyed by its seq). The
// table lies in the control block, so under packet-level parallelism whichever thread sends or
// delivers the data finds the time. A few entries: one packet in some tens is sampled. Under the
// state lock.

import { BufferPool, type Msg } from '../../message.js';
import { TIME_FIELDS, joinTime, splitSampledAt } from '../../split-time.js';

/** Entries a table holds: more than the sampled writes or segments a window holds at once. */
export const SAMPLE_SLOTS = 16;
/** Int32 fields of an entry: key (a sequence number), the time's high and low 32 bits. */
export const SAMPLE_ENTRY = 1 + TIME_FIELDS;
/** Int32 fields of a table's entries (its count is a field of its own, among the hot ones). */
export const SAMPLE_TABLE = SAMPLE_SLOTS * SAMPLE_ENTRY;

export class SampleTimes {
  private readonly f: Int32Array;

  /** The table whose count is field `at` of the control block's fields `f` and whose entries start at field `first`. */
  constructor(
    f: Int32Array,
    private readonly at: number,
    private readonly first: number,
  ) {
    this.f = f;
    compileSampleTimes();
  }

  /** How many times the table holds (0: nothing to look up, the common case). */
  get count(): number {
    return this.f[this.at]!;
  }

  /**
   * Keeps `time` (ns) under `key`. A full table forgets its oldest entry: a time whose data was
   * trimmed away by a retransmission that overlapped it, so no lookup would find it.
   */
  put(key: number, msg: Msg): void {
    const f = this.f;
    const first = this.first;
    let count = f[this.at]!;
    if (count === SAMPLE_SLOTS) {
      f.copyWithin(first, first + SAMPLE_ENTRY, first + count * SAMPLE_ENTRY);
      count--;
    }
    const entry = first + count * SAMPLE_ENTRY;
    f[entry] = key;
    splitSampledAt(msg, f, entry + 1);
    f[this.at] = count + 1;
  }

  /**
   * Takes the time kept under `key` out of the table into `into[slot]` (0 when there is none). Into
   * a typed array: a double a call answers is boxed where V8 does not inline it.
   */
  take(key: number, into: Float64Array, slot: number): void {
    const f = this.f;
    const first = this.first;
    const count = f[this.at]!;
    for (let i = 0; i < count; i++) {
      const entry = first + i * SAMPLE_ENTRY;
      if (f[entry] !== key) continue;
      joinTime(f, entry + 1, into, slot);
      f.copyWithin(entry, entry + SAMPLE_ENTRY, first + count * SAMPLE_ENTRY);
      f[this.at] = count - 1;
      return;
    }
    into[slot] = 0;
  }
}

/**
 * Only a sampled packet whose data waits in TCP reaches put and take, so they would run interpreted
 * for a long while, and interpreted code boxes every double it holds (about 40 bytes a sample). Run
 * here until V8 has compiled them (a few ms, once a thread), down each of their branches (a table
 * filled past full, times taken out of the order they were put, a key not there), so that no branch
 * first met in a run drops their compiled code.
 */
let compiled = false;
function compileSampleTimes(): void {
  if (compiled) return;
  compiled = true;
  const table = new SampleTimes(new Int32Array(1 + SAMPLE_TABLE), 0, 1);
  const msg = new BufferPool(1).get();
  const into = new Float64Array(1);
  for (let round = 0; round < 3_000; round++) {
    for (let key = 0; key <= SAMPLE_SLOTS; key++) {
      msg.sampledAt = 1e13 + round * 32 + key;
      table.put(key, msg);
    }
    for (let key = SAMPLE_SLOTS; key >= 0; key--) table.take(key, into, 0); // key 0 was forgotten: a miss
  }
}
