// The memory a thread's connections are made of: one ArrayBuffer holds their TCP control blocks,
// TCP's messages, the drivers' messages and one pool of ring pages (ring-pages.ts) that all their
// rings take from. One buffer, so a copy between a ring and a message is a native memmove
// (copyBytes); one pool, so a page given back by one connection's ACK is the next one's write, still
// in the cache. The buffer is sized for every connection's worst case (both windows full) but costs
// what is touched: the pool hands out pages last in, first out, and the operating system makes
// resident only the pages written (a fresh ArrayBuffer is zero pages of virtual memory).

import { TcpControlBlock } from './layers/tcp/control-block.js';
import { PAGE_BYTES, PagePool, RING_PAGES } from './layers/tcp/ring-pages.js';
import { BufferPool, DEFAULT_SLOT_BYTES } from './message.js';

/** Messages an arena keeps for each connection: TCP's four at each end, two for the drivers and one on the wire. */
const MESSAGES_PER_CONNECTION = 2 * 4 + 2 + 1;
/** Frames the connections' wires hold between them besides one each: a wire is emptied before its thread turns to the next connection. */
const WIRE_FRAMES = 64;
/** Pages a connection may hold at most: both rings of both ends full. */
const PAGES_PER_CONNECTION = 2 * 2 * RING_PAGES;
/**
 * Connections one arena serves: about 90 MiB of address space, so every offset in it stays a small
 * integer to V8 (below 2^30; a larger one would be a heap number, allocated per packet).
 */
export const ARENA_CONNECTIONS = 256;

export class ConnectionArena {
  readonly buffer: ArrayBuffer;
  readonly pages: PagePool;
  /** The next free byte of the part before the pages (control blocks and messages). */
  private next = 0;
  private readonly carveEnd: number;
  private wire: BufferPool | null = null;

  constructor(readonly connections: number) {
    if (!Number.isInteger(connections) || connections < 1 || connections > ARENA_CONNECTIONS)
      throw new RangeError(`an arena serves 1 to ${ARENA_CONNECTIONS} connections, not ${connections}`);
    const carved =
      connections * (2 * TcpControlBlock.FIELD_BYTES + MESSAGES_PER_CONNECTION * DEFAULT_SLOT_BYTES) + WIRE_FRAMES * DEFAULT_SLOT_BYTES;
    this.carveEnd = Math.ceil(carved / PAGE_BYTES) * PAGE_BYTES;
    const pages = connections * PAGES_PER_CONNECTION;
    this.buffer = new ArrayBuffer(this.carveEnd + pages * PAGE_BYTES);
    this.pages = new PagePool(this.buffer, this.carveEnd, pages);
  }

  /** A TCP control block whose rings take pages from the arena's pool. */
  controlBlock(): TcpControlBlock {
    return new TcpControlBlock(this.buffer, this.carve(TcpControlBlock.FIELD_BYTES), this.pages);
  }

  /** `count` messages in the arena. */
  messages(count: number): BufferPool {
    return new BufferPool(count, DEFAULT_SLOT_BYTES, { buffer: this.buffer, byteOffset: this.carve(count * DEFAULT_SLOT_BYTES) });
  }

  /**
   * The frames in flight on the arena's clean wires (loopback.ts), one pool for all: a thread runs
   * one connection at a time and empties its wire before the next, so they need no more between them.
   */
  wireFrames(): BufferPool {
    return (this.wire ??= this.messages(WIRE_FRAMES + this.connections));
  }

  /** Bytes of the buffer that hold something now: what was carved, and the pages held. */
  get heldBytes(): number {
    return this.next + this.pages.held * PAGE_BYTES;
  }

  private carve(bytes: number): number {
    const at = this.next;
    if (at + bytes > this.carveEnd) throw new RangeError(`arena for ${this.connections} connections is full`);
    this.next = at + Math.ceil(bytes / 64) * 64;
    return at;
  }
}

/** Arenas for `connections` connections of one thread, ARENA_CONNECTIONS to each: connection k's is the (k / ARENA_CONNECTIONS)th. */
export function arenasFor(connections: number): ConnectionArena[] {
  const arenas: ConnectionArena[] = [];
  for (let k = 0; k < connections; k += ARENA_CONNECTIONS) arenas.push(new ConnectionArena(Math.min(ARENA_CONNECTIONS, connections - k)));
  return arenas;
}
