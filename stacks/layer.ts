// The one interface every protocol implements (x-kernel's push/pop/open/control), and the
// contract between a stack and what sits above (the application) and below (a driver).

import type { Msg } from './message.js';
import type { DropCounters, DropGroup, GroupDrops } from './drops.js';

/** What `push` answers. Only `Sent` means the message went down to the driver. */
export const SendStatus = {
  Sent: 0,
  /** The transport's send window has no room: retry after ACKs arrive. Nothing was changed. */
  WouldBlock: 1,
  /** The connection is not established. */
  NotConnected: 2,
  /** Larger than one segment/datagram on this link: the caller must send smaller messages. */
  TooBig: 3,
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** Control operations that travel down the stack; each layer answers or passes them on. */
export const ControlOp = {
  /** The largest message this layer accepts from above in one push (arg ignored); TCP cuts one into segments. */
  MaxPayload: 1,
  /** 1 when a push of `arg` payload bytes would be accepted now (window open, connected); else 0. */
  CanSend: 2,
  /** The stack's clock, arg the time in ms (NO_TIME: no clock read): TCP's timers (a delayed ACK still owed, TIME_WAIT's end). */
  Tick: 3,
  /** The payload length below which the link pads frames (Ethernet's 46 bytes; 0 for FDDI). */
  MinPayload: 4,
  /**
   * Delivers one queued segment that has become in order, if any (answers 1 when it did). Under
   * packet-level parallelism every thread calls this between packets, so the segments a gap held
   * back are delivered (and decrypted) by several threads, not all by the one that filled it.
   */
  DeliverQueued: 5,
  /** Packets the layer's rules blocked (a packet screen answers; arg ignored). */
  Blocked: 6,
  /** Packets the layer's rules passed (a packet screen answers; arg ignored). */
  Passed: 7,
  /** The application is done sending: the transport closes its side (TCP sends a FIN). Answers 1 when it did. */
  Close: 8,
  /**
   * The largest segment the transport sends (TCP's MSS, arg ignored), for a layer above that sizes
   * its records to segments (DES); -1 where no layer cuts messages into segments.
   */
  MaxSegment: 9,
  /** Sends segments of at most `arg` bytes from now on (TCP_MAXSEG); TCP answers its segment size, others -1. */
  LimitSegment: 10,
  /**
   * IP answers the identification it will give the next datagram this layer instance sends (arg
   * ignored): AH's ICV covers it (RFC 2402 3.3.3.1.1.1), so AH must know it before IP writes it.
   */
  ReserveIdent: 11,
} as const;
export type ControlOp = (typeof ControlOp)[keyof typeof ControlOp];

/** ControlOp.Tick's arg when the caller gives no time: only the timers that need none run. */
export const NO_TIME = -1;

/** What is above a layer: the next layer, or the application that consumes delivered data. */
export interface Upper {
  /** Takes the message going up. The message belongs to the caller again once this returns. */
  pop(msg: Msg): void;
}

/**
 * What is below the link layer: a driver. `transmit` must be done with the frame when it returns
 * (copy it, or consume it) and must not re-enter the stack: a reply is queued, not delivered inline.
 */
export interface FrameSink {
  transmit(msg: Msg): void;
}

/**
 * Guards state that packet-level parallelism shares between threads. Single-threaded and
 * connection-level stacks use NO_LOCK; the parallel engine supplies an Atomics mutex.
 */
export interface Lock {
  acquire(): void;
  release(): void;
}

/** A lock that can be asked for without waiting (the backlog design's input queues its segment instead). */
export interface OwnerLock extends Lock {
  /** Takes the lock if it is free at once; answers whether it did. */
  tryLock(): boolean;
}

export const NO_LOCK: Lock = {
  acquire() {},
  release() {},
};

/** Addresses and ports of a transport's two ends (for the pseudo-header and demultiplexing). */
export interface TransportEndpoints {
  localAddr: number;
  remoteAddr: number;
  localPort: number;
  remotePort: number;
}

/**
 * A tunnel's security association (ESP, AH): the sequence state a dispatch replica keeps in step
 * for packets other workers process.
 */
export interface SecurityAssociation {
  /** Where the sequence number sits, from the start of the tunnel's header. */
  readonly sequenceOffset: number;
  /** Inbound: moves the replay window past the sequence number of the header at `at`. */
  trackInbound(view: DataView, at: number): void;
  /** Outbound: uses up one sequence number. */
  trackOutbound(): void;
  /** Sets the packets sent so far to `count`: the next packet carries `count + 1`. */
  setPacketsSent(count: number): void;
}

/** What a layer sends down to and asks control questions of: the next layer. */
export interface Lower {
  push(msg: Msg): SendStatus;
  control(op: ControlOp, arg: number): number;
}

/** Below a link layer (and a layer not wired yet): sends nothing, answers nothing (-1). */
export const NOTHING_BELOW: Lower = {
  push: () => SendStatus.NotConnected,
  control: () => -1,
};

/** Set-up context shared by the layers of one stack instance. */
export interface LayerContext {
  readonly drops: DropCounters;
  readonly lock: Lock;
}

export abstract class Layer implements Upper {
  abstract readonly name: string;
  /** Most bytes this layer prepends on the way down. */
  abstract readonly headerBytes: number;
  /** Most bytes this layer appends on the way down (padding). */
  readonly trailerBytes: number = 0;
  /** IP protocol number when this layer sits directly on IP (TCP 6, UDP 17, AH 51); else 0. */
  readonly ipProtocol: number = 0;

  above: Upper = DISCARD;
  below: Lower = NOTHING_BELOW;
  /** Digests or ICVs this layer computed but, not enforcing them, let through unmatched. */
  mismatchesIgnored = 0;

  /** This layer's drop counters: `this.drops.count(code)` with a code of its drop group. */
  protected readonly drops: GroupDrops;

  constructor(
    protected readonly ctx: LayerContext,
    /** The reasons for which this layer drops a message (declared in its file). */
    dropGroup: DropGroup = NO_DROPS,
  ) {
    this.drops = ctx.drops.group(dropGroup);
  }

  /** Sends a message down: prepend this layer's header, then `below.push`. */
  abstract push(msg: Msg): SendStatus;

  /** Delivers a message up: check and strip this layer's header, then `above.pop`; or count a drop. */
  abstract pop(msg: Msg): void;

  /** Tells the layer the IP protocol of the layer above it (a layer that carries it answers). */
  setUpperProtocol(_protocol: number): void {}

  /** Set-up once the stack is wired, top layer last (lower layers are ready first). */
  open(): void {}

  /** Answers a control operation, or passes it to the layer below. */
  control(op: ControlOp, arg: number): number {
    return this.below.control(op, arg);
  }
}

/** The drop group of a layer that drops nothing. */
const NO_DROPS: DropGroup = { header: 'none', reasons: [] };

/** An application that consumes nothing (the default `above`, so pop never checks for null). */
const DISCARD: Upper = { pop() {} };
