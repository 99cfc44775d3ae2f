// A 32-bit counter in a typed-array block: IP's identification, AH's sequence number. On a
// SharedArrayBuffer (packet-level parallelism) it advances with Atomics, so no two threads take
// the same value (in a shared WebAssembly memory with its atomic add: stacks/native-memory.ts); on
// an ArrayBuffer it is a plain increment.

import { type NativeOps, nativeOps } from './native-memory.js';

export class CounterBlock {
  static readonly BYTES = 8;
  readonly f: Int32Array;
  private readonly shared: boolean;
  private readonly native: NativeOps | null;
  private readonly at: number;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(CounterBlock.BYTES), byteOffset = 0) {
    this.f = new Int32Array(buffer, byteOffset, 1);
    this.shared = buffer instanceof SharedArrayBuffer;
    this.native = nativeOps(buffer);
    this.at = byteOffset;
  }

  /** Sets the counter (a driver restarting a sequence at a stream position). */
  set(value: number): void {
    if (this.shared) Atomics.store(this.f, 0, value | 0);
    else this.f[0] = value | 0;
  }

  /** The current value (unsigned), advancing the counter by one. */
  next(): number {
    const native = this.native;
    if (native !== null) return native.add(this.at, 1) >>> 0;
    return (this.shared ? Atomics.add(this.f, 0, 1) : this.f[0]!++) >>> 0;
  }
}
