// TCP's rings (the send buffer and the out-of-order data) as 16 pages of 4 KiB each, mapped through
// a page table in the control block. A connection of its own takes pages from a pool it shares with
// other connections when data is in flight and gives them back when it is acknowledged or delivered,
// so an idle connection holds none and a busy one what it holds (as Linux's sockets take buffers
// from a shared allocator, bounded by the window); the pool hands out the page freed last, still in
// the cache. A shared connection (packet-level parallelism) keeps its pages pinned, contiguous and
// always mapped: threads copy into and out of the rings outside the state lock, where a page given
// back and taken for new data could still be read for an old retransmission.

import { copyBytes, wholeBytesOf } from '../../message.js';

export const PAGE_BYTES = 4096;
const PAGE_SHIFT = 12;
const IN_PAGE = PAGE_BYTES - 1;
/** Both rings span 64 KiB of sequence space (the unscaled window). */
export const RING_BYTES = 65536;
export const RING_PAGES = RING_BYTES / PAGE_BYTES;
const RING_MASK = RING_BYTES - 1;
const UNMAPPED = -1;

/**
 * Pages of one buffer, taken and given back last in, first out. Pages never taken are never
 * touched, so the memory behind them is never made resident: a pool may be sized for the worst
 * case of every connection it serves and cost what they hold.
 */
export class PagePool {
  /** The whole buffer, as the messages in it see it (copies between them are a native memmove). */
  readonly bytes: Uint8Array;
  /** Pages given back, the last on top; below `fresh`, every page has been taken once. */
  private readonly returned: Int32Array;
  private top = 0;
  private fresh = 0;
  /** Pages held now, and the most held at once. */
  held = 0;
  peak = 0;

  constructor(
    buffer: ArrayBufferLike,
    /** Where the pages start in the buffer: on a page boundary of it. */
    readonly byteOffset: number,
    readonly count: number,
  ) {
    if (byteOffset % PAGE_BYTES !== 0 || byteOffset + count * PAGE_BYTES > buffer.byteLength)
      throw new RangeError(
        `page pool of ${count} pages at ${byteOffset} does not fit a ${buffer.byteLength}-byte buffer on a page boundary`,
      );
    this.bytes = wholeBytesOf(buffer);
    this.returned = new Int32Array(count);
  }

  /** A page's number; throws when all are held (the pool was sized below its connections' windows). */
  take(): number {
    let page: number;
    if (this.top > 0) page = this.returned[--this.top]!;
    else if (this.fresh < this.count) page = this.fresh++;
    else throw new RangeError(`page pool of ${this.count} pages exhausted`);
    if (++this.held > this.peak) this.peak = this.held;
    return page;
  }

  give(page: number): void {
    this.returned[this.top++] = page;
    this.held--;
  }

  /** Where page `page` starts in `bytes`. */
  at(page: number): number {
    return this.byteOffset + page * PAGE_BYTES;
  }
}

/**
 * One 64 KiB ring, indexed by position (seq mod 2^16 or an offset from the stream's start), its
 * pages mapped through `f[tableAt .. tableAt + 16)`. Under packet-level parallelism map and release
 * run under the state lock; the copies may run outside it on pages mapped before.
 */
export class PagedRing {
  readonly bytes: Uint8Array;
  /** Pinned: every page mapped for good at set-up, contiguous from `pinnedAt` (no pool). */
  private readonly pinned: boolean;

  constructor(
    private readonly f: Int32Array,
    private readonly tableAt: number,
    private readonly pool: PagePool | null,
    pinnedAt = 0,
  ) {
    this.pinned = pool === null;
    this.bytes = pool !== null ? pool.bytes : wholeBytesOf(f.buffer);
    if (pool !== null) {
      f.fill(UNMAPPED, tableAt, tableAt + RING_PAGES);
      return;
    }
    // (Every thread that opens a shared block writes the same table: idempotent.)
    for (let i = 0; i < RING_PAGES; i++) f[tableAt + i] = pinnedAt + i * PAGE_BYTES;
  }

  /** A pinned ring's bytes, as one view (for tools that look at the shared block's lines). */
  pinnedView(): Uint8Array {
    if (!this.pinned) throw new RangeError('a ring on pages from a pool has no one view');
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.absolute(0), RING_BYTES);
  }

  /** Where the ring's byte at `position` is in `bytes` (its page mapped). */
  absolute(position: number): number {
    const p = position & RING_MASK;
    return this.f[this.tableAt + (p >>> PAGE_SHIFT)]! + (p & IN_PAGE);
  }

  /** The pages under [position, position + length) held now: there is no copy between them to split. Pinned rings, mostly. */
  contiguous(position: number, length: number): boolean {
    const p = position & RING_MASK;
    return (p & IN_PAGE) + length <= PAGE_BYTES || (this.pinned && p + length <= RING_BYTES);
  }

  /** Maps the pages under [position, position + length) that are not, from the pool. */
  map(position: number, length: number): void {
    if (this.pinned || length <= 0) return;
    const f = this.f;
    const first = (position & RING_MASK) >>> PAGE_SHIFT;
    const pages = (((position & IN_PAGE) + length - 1) >>> PAGE_SHIFT) + 1;
    for (let i = 0; i < pages; i++) {
      const at = this.tableAt + ((first + i) & (RING_PAGES - 1));
      if (f[at]! === UNMAPPED) f[at] = this.pool!.at(this.pool!.take());
    }
  }

  /** Gives back the whole pages from `position` on, `length` bytes of them (a page the range ends in is kept). */
  releaseBefore(position: number, length: number): void {
    if (this.pinned || length <= 0) return;
    const first = (position & RING_MASK) >>> PAGE_SHIFT;
    const pages = Math.min(((position & IN_PAGE) + length) >>> PAGE_SHIFT, RING_PAGES);
    for (let i = 0; i < pages; i++) this.unmap(this.tableAt + ((first + i) & (RING_PAGES - 1)));
  }

  /** Gives back every page (nothing in the ring is wanted any more). */
  releaseAll(): void {
    if (this.pinned) return;
    for (let i = 0; i < RING_PAGES; i++) this.unmap(this.tableAt + i);
  }

  /** Pages mapped now (a pinned ring: all). */
  get mappedPages(): number {
    let n = 0;
    for (let i = 0; i < RING_PAGES; i++) if (this.f[this.tableAt + i] !== UNMAPPED) n++;
    return n;
  }

  private unmap(at: number): void {
    const start = this.f[at]!;
    if (start === UNMAPPED) return;
    this.pool!.give((start - this.pool!.byteOffset) / PAGE_BYTES);
    this.f[at] = UNMAPPED;
  }

  /** Copies `length` bytes from `src` at `srcAt` into the ring at `position` (mapped). */
  write(position: number, src: Uint8Array, srcAt: number, length: number): void {
    for (let done = 0; done < length;) {
      const n = this.run(position + done, length - done);
      copyBytes(this.bytes, this.absolute(position + done), src, srcAt + done, n);
      done += n;
    }
  }

  /** Copies `length` ring bytes from `position` into `dst` at `dstAt`. */
  read(position: number, dst: Uint8Array, dstAt: number, length: number): void {
    for (let done = 0; done < length;) {
      const n = this.run(position + done, length - done);
      copyBytes(dst, dstAt + done, this.bytes, this.absolute(position + done), n);
      done += n;
    }
  }

  /** How many of `length` bytes from `position` lie in one range of `bytes`: to its page's end, and over pages that follow it in memory. */
  private run(position: number, length: number): number {
    const p = position & RING_MASK;
    let page = p >>> PAGE_SHIFT;
    let n = PAGE_BYTES - (p & IN_PAGE);
    const f = this.f;
    while (n < length && page + 1 < RING_PAGES && f[this.tableAt + page + 1] === f[this.tableAt + page]! + PAGE_BYTES) {
      n += PAGE_BYTES;
      page++;
    }
    return n < length ? n : length;
  }
}
