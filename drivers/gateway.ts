// The driver of a gateway stack (a packet screen, an IPsec gateway): the stream of packets a hub
// or a switch's multicast group hands to every node (Benecke §3.2, Shieh & Lai §2.1). A node
// receives a packet (copied into its buffer, as the adapter's DMA would), asks its dispatch policy
// whether it is its own, and if so processes it; otherwise it discards it, after updating its copy
// of the IPsec SA (Shieh & Lai: every node keeps the sequence number and the replay window, since
// every node sees every packet). What decides ownership is the parallel engine's business
// (parallel/dispatch.ts); here it is an interface, and a lone node owns everything.
//
// Receive side: frames as the peer gateway sends them, replayed from a ring built at set-up; an
// IPsec frame gets the stream position as its sequence number (so the replay window sees a real
// stream), which its ICV cannot cover: ICVs are computed and compared but not enforced, and
// counted when they differ. --verify instead has the peer encapsulate every packet afresh and
// enforces every ICV. Send side (IPsec): inner datagrams from the ring, encapsulated and
// transmitted to a sink that counts them.

import { noTransmission } from './transmission.js';
import type { CounterBlock } from '../stacks/counter-block.js';
import type { Lock } from '../stacks/layer.js';
import type { Msg } from '../stacks/message.js';
import { BufferPool } from '../stacks/message.js';
import type { ReplayWindow } from '../stacks/replay-window.js';
import { isIpsecSpec } from '../stacks/spec.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { IPV4_HEADER_BYTES } from '../stacks/wire/ipv4.js';
import { MIX_FRAMES, type TrafficMix, buildTrafficMix } from './traffic-mix.js';
import {
  type Enforcement,
  type SharedAccount,
  type Workload,
  type WorkloadCounters,
  type WorkloadOptions,
  enforcementFor,
} from './workload-contract.js';

/** Decides, on the frame as received, whether this node processes it. */
export interface PacketOwner {
  /**
   * `ipAt`: offset of the IP header in frame.bytes; `ipLength`: bytes from there to the frame's
   * end; `position`: the packet's place in the stream.
   */
  keep(frame: Msg, ipAt: number, ipLength: number, position: number): boolean;
  /** The worker the last decision named, where the policy names one (-1 otherwise). */
  readonly lastOwner?: number;
}

/** Which stream packet this node receives next. */
export interface StreamCursor {
  next(): number;
}

export const KEEP_ALL: PacketOwner = { keep: () => true };

/** An IPsec SA that all workers share (shared dispatch): its counter, window and lock. */
export interface SharedSa {
  sequence: CounterBlock;
  window: ReplayWindow;
  lock: Lock;
}

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
  /** IPsec: what the node sees, ready to send (send side) or as received (receive side). */
  private readonly ring: Uint8Array[];
  private readonly ringHeader: number;
  /** The peer gateway that encapsulates afresh under --verify (receive side, IPsec). */
  private readonly peer: Stack | null = null;
  private readonly peerMsg: Msg | null = null;
  private readonly ipsec: boolean;
  private readonly sequenceAt: number;
  private tap: ((frame: Msg) => void) | null = null;
  /** Stream packets this node has received: its place in the stream. */
  seen = 0;
  private seenBytes = 0;
  /** Of those, the packets its dispatch policy gave it. */
  kept = 0;
  private keptBytes = 0;
  /** Packets that left the node: passed by the screen, decapsulated, or encapsulated and sent. */
  private delivered = 0;
  /** Workers known (to the harness, not to the nodes) to have crashed: a bit each. */
  crashedMask = 0;
  /** Packets this node saw go to a crashed worker: lost. */
  lost = 0;

  constructor(
    readonly options: WorkloadOptions,
    private readonly owner: PacketOwner = KEEP_ALL,
    private readonly cursor: StreamCursor = new LocalCursor(),
    sa: SharedSa | null = null,
  ) {
    const [upstream, gateway] = endpointPair();
    this.ipsec = isIpsecSpec(options.spec);
    const replayed = this.ipsec && options.side === 'recv' && !options.verify;
    this.stack = new Stack(options.spec, {
      ...gateway,
      crypto: options.crypto,
      enforceIcv: !replayed,
      ...(sa !== null ? { lock: sa.lock, state: { saSequence: sa.sequence, replay: sa.window } } : {}),
    });
    // What leaves the node is counted, so the work is not dead: passed packets toward the next hop,
    // decapsulated datagrams, or (send side) encapsulated frames on the wire.
    const count = (m: Msg): void => {
      this.delivered++;
      this.observed = (this.observed + m.length + m.bytes[m.head]!) | 0;
    };
    this.stack.application = { pop: count };
    this.stack.attach({ transmit: count });
    this.mix = buildTrafficMix(options.spec, upstream, options.seed, this.ipsec ? options.packetSize : null);
    this.sequenceAt = this.mix.linkHeaderBytes + IPV4_HEADER_BYTES + (this.stack.securityAssociation?.sequenceOffset ?? 0);
    if (!this.ipsec) {
      this.ring = this.mix.frames;
      this.ringHeader = this.mix.linkHeaderBytes;
    } else if (options.side === 'send') {
      this.ring = this.mix.frames.map((f) => f.subarray(this.mix.linkHeaderBytes));
      this.ringHeader = 0;
    } else {
      this.peer = new Stack(options.spec, { ...upstream, crypto: options.crypto });
      this.peer.attach({ transmit() {} }); // the frame stays in peerMsg
      this.peerMsg = new BufferPool(1).get();
      this.ring = this.mix.frames.map((f) => this.encapsulate(f.subarray(this.mix.linkHeaderBytes)).toBytes());
      this.ringHeader = this.mix.linkHeaderBytes;
    }
  }

  /** The peer gateway encapsulates an inner datagram; its frame stays in peerMsg. */
  private encapsulate(datagram: Uint8Array): Msg {
    const msg = this.peerMsg!;
    msg.bytes.set(datagram, msg.resetPayload(datagram.length));
    this.peer!.send(msg);
    return msg;
  }

  /**
   * A frame the peer encapsulates afresh, received into `msg` (--verify: genuine ICVs). Its
   * sequence number is the stream position + 1, as the replayed frames' are: under shared dispatch
   * each worker's peer stands for the one upstream gateway.
   */
  private encapsulateInto(msg: Msg, datagram: Uint8Array, position: number): void {
    this.peer!.securityAssociation!.setPacketsSent(position);
    const frame = this.encapsulate(datagram);
    msg.loadFrame(frame.bytes, frame.head, frame.length, this.ringHeader);
  }

  /** Receives `packets` stream packets; answers the IP bytes of those this node processed. */
  run(packets: number): number {
    return this.runWith(this.owner, this.cursor, packets);
  }

  /** The same with another policy (the workers time selection alone with one that keeps nothing). */
  runWith(owner: PacketOwner, cursor: StreamCursor, packets: number): number {
    const { ipBytes } = this.mix;
    const ring = this.ring;
    const header = this.ringHeader;
    const msg = this.msg;
    const stack = this.stack;
    const ipsec = stack.securityAssociation;
    const sending = this.options.side === 'send';
    const fresh = this.peer !== null && this.options.verify;
    const stamp = this.peer !== null && !this.options.verify;
    let bytes = 0;
    let seenBytes = 0;
    let kept = 0;
    for (let k = 0; k < packets; k++) {
      const position = cursor.next();
      const i = position & (MIX_FRAMES - 1);
      const frame = ring[i]!;
      if (sending) msg.bytes.set(frame, msg.resetPayload(frame.length));
      else if (fresh) this.encapsulateInto(msg, this.mix.frames[i]!.subarray(this.mix.linkHeaderBytes), position);
      else msg.loadFrameView(frame, header);
      if (stamp) msg.view.setUint32(msg.head + this.sequenceAt, (position + 1) >>> 0);
      const size = ipBytes[i]!;
      seenBytes += size;
      const ipAt = msg.head + header;
      if (!owner.keep(msg, ipAt, msg.tail - ipAt, position)) {
        if (this.crashedMask !== 0 && ((this.crashedMask >>> owner.lastOwner!) & 1) !== 0) this.lost++;
        if (ipsec !== null) {
          if (sending) ipsec.trackOutbound();
          else ipsec.trackInbound(msg.view, ipAt + IPV4_HEADER_BYTES);
        }
        continue;
      }
      kept++;
      bytes += size;
      if (this.tap !== null) this.tap(msg);
      if (sending) stack.send(msg);
      else stack.receive(msg);
    }
    this.seen += packets;
    this.seenBytes += seenBytes;
    this.kept += kept;
    this.keptBytes += bytes;
    return bytes;
  }

  gatewayCounters(): GatewayCounters {
    return {
      seen: this.seen,
      seenBytes: this.seenBytes,
      kept: this.kept,
      keptBytes: this.keptBytes,
      passed: this.stack.passed,
      blocked: this.stack.blocked,
    };
  }

  counters(): WorkloadCounters {
    return {
      packets: this.kept,
      bytes: this.keptBytes,
      drops: this.stack.drops.toRecord(),
      digestMismatchesIgnored: this.stack.mismatchesIgnored,
      dataErrors: 0,
      outOfOrder: 0,
      transmission: noTransmission(),
    };
  }

  enforcement(): Enforcement {
    return enforcementFor(this.options);
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
  }

  /** Every packet this node took left it (passed, decapsulated, sent), was blocked, or was dropped with a reason. */
  conservation(): string | null {
    const c = this.gatewayCounters();
    const dropped = this.stack.drops.total;
    if (c.kept === this.delivered + c.blocked + dropped) return null;
    return (
      `${c.kept} packets taken, but ${this.delivered} went on + ${c.blocked} blocked + ${dropped} dropped = ` +
      `${this.delivered + c.blocked + dropped}`
    );
  }

  /** (Gateways are not timed: no stamps.) */
  readonly stampsPerPacket = 1;

  sharedAccount(): SharedAccount | null {
    return null;
  }
}
