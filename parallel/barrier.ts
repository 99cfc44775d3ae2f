// A reusable start barrier on a SharedArrayBuffer: the last of `parties` to arrive releases all,
// so every worker starts its measured window together.

export class SharedBarrier {
  static readonly BYTES = 8;
  private readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    private readonly parties: number,
  ) {
    if (parties < 1) throw new RangeError(`a barrier needs at least one party, got ${parties}`);
    this.words = new Int32Array(buffer, byteOffset, 2); // [arrived, generation]
  }

  /**
   * Blocks until all parties have arrived; answers true in the one that arrived last. Throws when
   * `timeoutMs` passes first; answers false early when `abandon()` turns true (checked every 50 ms).
   * `beforeRelease` runs in the last party to arrive, before the others are let go.
   */
  arriveAndWait(timeoutMs = Infinity, abandon: () => boolean = () => false, beforeRelease?: () => void): boolean {
    const w = this.words;
    const generation = Atomics.load(w, 1);
    if (Atomics.add(w, 0, 1) + 1 === this.parties) {
      beforeRelease?.(); // the last to arrive publishes (a start time, say) before anyone leaves
      Atomics.store(w, 0, 0);
      Atomics.add(w, 1, 1);
      Atomics.notify(w, 1);
      return true;
    }
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(w, 1) === generation) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`barrier: ${Atomics.load(w, 0)} of ${this.parties} parties arrived before the timeout`);
      if (abandon()) return false;
      Atomics.wait(w, 1, generation, Math.min(left, 50));
    }
    return false;
  }
}
