// The receive-side driver of a gateway stack (a packet screen): the stream of frames a hub or a
// switch's multicast group hands to every node (Benecke §3.2, Shieh & Lai §2.1). A node receives a
// frame (copied into its receive buffer, as the adapter's DMA would), asks its dispatch policy
// whether the frame is its own, and if so pushes it up its stack; otherwise it discards it. What
// decides ownership is the parallel engine's business (parallel/dispatch.ts); here it is an
// interface, and a lone node owns everything.

import type { Msg } from '../stacks/message.js';
import { BufferPool } from '../stacks/message.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { MIX_FRAMES, type TrafficMix, buildTrafficMix } from './traffic-mix.js';
import type { Enforcement, SharedAccount, Workload, WorkloadCounters, WorkloadOptions } from './workload.js';

/** Decides, on the frame as received, whether this node processes it. */
export interface PacketOwner {
  /** `ipAt`: offset of the IP header in frame.bytes; `ipLength`: bytes from there to the frame's end. */
  keep(frame: Msg, ipAt: number, ipLength: number): boolean;
}

/** Which stream packet this node receives next. */
export interface StreamCursor {
  next(): number;
}

export const KEEP_ALL: PacketOwner = { keep: () => true };

/** Every node receives every packet: its own position in the stream. */
export class LocalCursor implements StreamCursor {
  private position = 0;
  next(): number {
    return this.position++ & 0x7fff_ffff;
  }
}

/** A gateway node's counts: what it received, what it took, and what its stack made of those. */
export interface GatewayCounters {
  /** Stream packets received (taken or discarded) and their IP bytes. */
  seen: number;
  seenBytes: number;
  /** Packets this node's dispatch policy gave it, and their IP bytes. */
  kept: number;
  keptBytes: number;
  /** Of the kept: passed and blocked by the screen's rules (the rest were dropped as malformed). */
  passed: number;
  blocked: number;
}

export class GatewayWorkload implements Workload {
  observed = 0;
  private readonly stack: Stack;
  private readonly mix: TrafficMix;
  private readonly msg: Msg = new BufferPool(1).get();
  private tap: ((frame: Msg) => void) | null = null;
  private seen = 0;
  private seenBytes = 0;
  private kept = 0;
  private keptBytes = 0;

  constructor(
    readonly options: WorkloadOptions,
    private readonly owner: PacketOwner = KEEP_ALL,
    private readonly cursor: StreamCursor = new LocalCursor(),
  ) {
    const [upstream, gateway] = endpointPair();
    this.stack = new Stack(options.spec, { ...gateway, crypto: options.crypto });
    // Passed packets go on toward the next hop: their bytes are counted, so the work is not dead.
    this.stack.application = { pop: (m: Msg) => void (this.observed = (this.observed + m.length + m.bytes[m.head]!) | 0) };
    this.mix = buildTrafficMix(options.spec, upstream, options.seed);
  }

  /** Receives `packets` stream packets; answers the IP bytes of those this node processed. */
  run(packets: number): number {
    return this.runWith(this.owner, this.cursor, packets);
  }

  /** The same with another policy (the workers time selection alone with one that keeps nothing). */
  runWith(owner: PacketOwner, cursor: StreamCursor, packets: number): number {
    const { frames, ipBytes, linkHeaderBytes } = this.mix;
    const msg = this.msg;
    let bytes = 0;
    let seenBytes = 0;
    let kept = 0;
    for (let k = 0; k < packets; k++) {
      const i = cursor.next() & (MIX_FRAMES - 1);
      const frame = frames[i]!;
      msg.loadFrameView(frame, linkHeaderBytes);
      const size = ipBytes[i]!;
      seenBytes += size;
      if (!owner.keep(msg, msg.head + linkHeaderBytes, frame.length - linkHeaderBytes)) continue;
      kept++;
      bytes += size;
      if (this.tap !== null) this.tap(msg);
      this.stack.receive(msg);
    }
    this.seen += packets;
    this.seenBytes += seenBytes;
    this.kept += kept;
    this.keptBytes += bytes;
    return bytes;
  }

  gatewayCounters(): GatewayCounters {
    const screen = this.stack.screen;
    return { seen: this.seen, seenBytes: this.seenBytes, kept: this.kept, keptBytes: this.keptBytes, passed: screen?.passed ?? 0, blocked: screen?.blocked ?? 0 };
  }

  counters(): WorkloadCounters {
    return { packets: this.kept, bytes: this.keptBytes, drops: this.stack.drops.toRecord(), digestMismatchesIgnored: 0, dataErrors: 0, outOfOrder: 0 };
  }

  static readonly enforcement: Enforcement = {
    enforced: ['link header and addresses', 'ip header checksum', 'screen rules (first match; blocked packets counted apart)'],
    computedOnly: [],
    genuineFrames: true,
  };

  enforcement(): Enforcement {
    return GatewayWorkload.enforcement;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
  }

  /** Every packet this node took was passed, blocked, or dropped with a reason. */
  conservation(): string | null {
    const c = this.gatewayCounters();
    const dropped = this.stack.drops.total;
    if (c.kept === c.passed + c.blocked + dropped) return null;
    return `${c.kept} packets taken, but ${c.passed} passed + ${c.blocked} blocked + ${dropped} dropped = ${c.passed + c.blocked + dropped}`;
  }

  sharedAccount(): SharedAccount | null {
    return null;
  }
}
