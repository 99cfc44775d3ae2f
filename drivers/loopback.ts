// A loopback wire between two stacks: what one end transmits is copied into a queue of the
// other's, to be delivered when the caller says. Delivery is never inline, so a stack is never
// re-entered from its own transmit; tests reorder or duplicate the queued frames at will.

import type { FrameSink } from '../stacks/layer.js';
import { type FaultCounts, FaultLink, type Faults, sumFaultCounts } from './fault-link.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import type { Stack } from '../stacks/stack.js';

export class FrameQueue implements FrameSink {
  /** Frames waiting for delivery, oldest first. */
  readonly frames: Msg[] = [];
  /** Called with every transmitted frame (a pcap writer, say). */
  tap: ((frame: Msg) => void) | null = null;
  transmitted = 0;

  constructor(
    private readonly pool: BufferPool,
    private readonly linkHeaderBytes: number,
  ) {}

  transmit(msg: Msg): void {
    this.tap?.(msg);
    const copy = this.pool.get();
    copy.loadFrame(msg.bytes, msg.head, msg.length, this.linkHeaderBytes);
    this.frames.push(copy);
    this.transmitted++;
  }

  /** A copy of a queued frame, for tests that duplicate frames. */
  clone(frame: Msg): Msg {
    const copy = this.pool.get();
    copy.loadFrame(frame.bytes, frame.head, frame.length, this.linkHeaderBytes);
    return copy;
  }

  release(frame: Msg): void {
    this.pool.put(frame);
  }

  /**
   * Forgets the first `count` frames (already handed on); frames queued meanwhile (a stack that
   * answered at once) move to the front. Moving and popping keep the array's storage, where
   * `length = 0` or splice would allocate anew for every batch of frames.
   */
  drop(count: number): void {
    const frames = this.frames;
    const rest = frames.length - count;
    for (let i = 0; i < rest; i++) frames[i] = frames[count + i]!;
    while (frames.length > rest) frames.pop();
  }
}

export class Loopback {
  /** Frames on their way to b, and to a. */
  readonly toB: FrameQueue;
  readonly toA: FrameQueue;
  /** The lossy links in front of the two queues, once faults are injected (a → b, then b → a). */
  private faults: [FaultLink, FaultLink] | null = null;

  /** `frames`: how many the wire holds, or the pool it takes them from (shared with other wires). */
  constructor(
    readonly a: Stack,
    readonly b: Stack,
    frames: number | BufferPool = 256,
  ) {
    const pool = typeof frames === 'number' ? new BufferPool(frames) : frames;
    this.toB = new FrameQueue(pool, a.linkHeaderBytes);
    this.toA = new FrameQueue(pool, b.linkHeaderBytes);
    a.attach(this.toB);
    b.attach(this.toA);
  }

  /**
   * From now on both directions lose, duplicate, reorder and corrupt frames as `faults` says (each
   * direction with a seed of its own). Set up the connection first: the handshake stays clean.
   */
  injectFaults(faults: Faults): void {
    const toB = new FaultLink(this.toB, faults, this.a.linkHeaderBytes);
    const toA = new FaultLink(this.toA, { ...faults, seed: faults.seed + 1 }, this.b.linkHeaderBytes);
    this.a.attach(toB);
    this.b.attach(toA);
    this.faults = [toB, toA];
  }

  /** What the lossy links did so far, both directions added up (all zero without faults). */
  faultCounts(): FaultCounts {
    return sumFaultCounts(this.faults ?? []);
  }

  /**
   * Delivers queued frames both ways, in order, until none are left; a frame a lossy link holds
   * back (reordering) goes once the wire is otherwise quiet. Returns how many.
   */
  pump(): number {
    let delivered = 0;
    for (;;) {
      while (this.toB.frames.length > 0 || this.toA.frames.length > 0) {
        delivered += deliverAll(this.toB, this.b) + deliverAll(this.toA, this.a);
      }
      if (this.faults === null || !(this.faults[0].release() || this.faults[1].release())) return delivered;
    }
  }

  /** Opens the TCP connection a → b (three-way handshake over the wire). */
  handshake(): void {
    this.b.listen();
    this.a.connect();
    this.pump();
    if (!this.a.connected || !this.b.connected)
      throw new Error(`handshake failed: drops a=${JSON.stringify(this.a.drops.toRecord())} b=${JSON.stringify(this.b.drops.toRecord())}`);
  }
}

/** Delivers the queue's frames, in order, to `stack`. */
export function deliverAll(queue: FrameQueue, stack: Stack): number {
  const frames = queue.frames;
  const count = frames.length;
  for (let i = 0; i < count; i++) {
    stack.receive(frames[i]!);
    queue.release(frames[i]!);
  }
  queue.drop(count);
  return count;
}
