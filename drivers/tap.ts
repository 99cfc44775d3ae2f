// A link driver to a Linux TAP device, for any …/eth stack: Ethernet frames go to and come from the
// kernel through a bridge that carries each frame as one UDP datagram on a network namespace's
// loopback (socat, started by kernel/bridge.ts). Frames a stack sends are copied into a ring of
// send buffers, since the socket may still hold one when transmit returns; frames that arrive are
// copied into message buffers and handed to the stack. After each batch of arrivals (one turn of
// the event loop, as a NIC's interrupt takes a batch) the driver calls back once: the stack's clock
// ticks and the application writes more. Optionally loses frames on our side of the bridge, each
// direction with its own seeded generator, and records both directions (a capture).

import * as dgram from 'node:dgram';
import type { FrameSink } from '../stacks/layer.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import type { Stack } from '../stacks/stack.js';
import { Prng } from './prng.js';

/** Send buffers: frames handed to the socket and not yet sent (a NIC's transmit ring). */
const SEND_RING = 512;
const SLOT_BYTES = 2048;
/** The socket buffers asked for (the kernel caps them at net.core.[rw]mem_max). */
const SOCKET_BUFFER_BYTES = 4 << 20;
const LOOPBACK = '127.0.0.1';

export interface TapOptions {
  /** Our UDP port on the namespace's loopback. */
  port: number;
  /** The bridge's UDP port there (socat's end). */
  bridgePort: number;
  /** The fraction of frames lost each way on our side of the bridge (0 by default). */
  loss?: number;
  seed?: number;
}

/** What went through the driver, each way. */
export interface TapCounts {
  framesOut: number;
  framesIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Frames lost on purpose (TapOptions.loss). */
  lostOut: number;
  lostIn: number;
  /** Frames not sent because every send buffer was still held by the socket (a full transmit ring). */
  ringFull: number;
  /** Datagrams too large for a frame buffer, dropped. */
  oversize: number;
}

export class TapLink implements FrameSink {
  readonly counts: TapCounts = { framesOut: 0, framesIn: 0, bytesOut: 0, bytesIn: 0, lostOut: 0, lostIn: 0, ringFull: 0, oversize: 0 };
  /** Called with every frame that crosses the bridge, either way (a capture). */
  tap: ((bytes: Uint8Array, offset: number, length: number, inbound: boolean) => void) | null = null;
  /** Changes a frame in place before it crosses the bridge (outbound) or reaches the stack (inbound): a test's corruption. */
  alter: ((bytes: Uint8Array, offset: number, length: number, inbound: boolean) => void) | null = null;
  private readonly ring: Buffer[] = [];
  private next = 0;
  private held = 0;
  private readonly released = (): void => {
    this.held--;
  };
  private readonly pool = new BufferPool(2);
  private stack: Stack | null = null;
  private afterBatch: () => void = () => undefined;
  private batchPending = false;
  private readonly endBatch = (): void => {
    this.batchPending = false;
    this.afterBatch();
  };
  private readonly lossBelow: number;
  private readonly lossOut: Prng;
  private readonly lossIn: Prng;

  private constructor(
    private readonly socket: dgram.Socket,
    options: TapOptions,
  ) {
    for (let i = 0; i < SEND_RING; i++) this.ring.push(Buffer.allocUnsafeSlow(SLOT_BYTES));
    const loss = options.loss ?? 0;
    if (!(loss >= 0 && loss < 1)) throw new RangeError(`tap loss ${loss} is not a fraction in [0, 1)`);
    this.lossBelow = Math.round(loss * 0x8000_0000);
    const seed = options.seed ?? 1;
    this.lossOut = new Prng(seed);
    this.lossIn = new Prng(seed + 1);
    socket.on('message', (frame) => this.arrive(frame));
  }

  /** Binds our end of the bridge. */
  static async open(options: TapOptions): Promise<TapLink> {
    return new TapLink(await bridgeSocket(options.port, options.bridgePort), options);
  }

  /** The stack sends through this link and takes its frames; `afterBatch` runs once after each batch of arrivals. */
  attach(stack: Stack, afterBatch: () => void): void {
    if (stack.linkName !== 'eth')
      throw new RangeError(`a TAP device carries Ethernet frames: stack ${stack.spec} ends in ${stack.linkName}`);
    this.stack = stack;
    this.afterBatch = afterBatch;
    stack.attach(this);
  }

  transmit(msg: Msg): void {
    if (this.lossBelow > 0 && this.lossOut.next31() < this.lossBelow) {
      this.counts.lostOut++;
      return;
    }
    if (this.held === SEND_RING) {
      this.counts.ringFull++;
      return;
    }
    const slot = this.ring[this.next]!;
    this.next = (this.next + 1) % SEND_RING;
    const length = msg.length;
    slot.set(msg.bytes.subarray(msg.head, msg.tail));
    this.alter?.(slot, 0, length, false);
    this.held++;
    this.socket.send(slot, 0, length, this.released);
    this.counts.framesOut++;
    this.counts.bytesOut += length;
    this.tap?.(slot, 0, length, false);
  }

  private arrive(frame: Buffer): void {
    const stack = this.stack;
    if (stack === null) return;
    this.alter?.(frame, 0, frame.length, true);
    this.tap?.(frame, 0, frame.length, true);
    this.counts.framesIn++;
    this.counts.bytesIn += frame.length;
    if (!this.batchPending) {
      this.batchPending = true;
      setImmediate(this.endBatch);
    }
    if (this.lossBelow > 0 && this.lossIn.next31() < this.lossBelow) {
      this.counts.lostIn++;
      return;
    }
    if (frame.length > SLOT_BYTES) {
      this.counts.oversize++;
      return;
    }
    const msg = this.pool.get();
    try {
      msg.loadFrame(frame, 0, frame.length, stack.linkHeaderBytes);
      stack.receive(msg);
    } finally {
      this.pool.put(msg);
    }
  }

  /** Closes our end of the bridge once the frames handed to the socket are sent (a last ACK among them). */
  async close(): Promise<void> {
    for (let waited = 0; this.held > 0 && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A UDP socket bound to `port` on the loopback and connected to the bridge's `bridgePort` there. */
export async function bridgeSocket(port: number, bridgePort: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, LOOPBACK, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  await new Promise<void>((resolve) => socket.connect(bridgePort, LOOPBACK, resolve));
  return socket;
}
