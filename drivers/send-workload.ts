// The send side around one connection (paper §3.3): the sink consumes frames as fast as possible
// and acknowledges like a TCP receiver, so the sender's window stays open. With `verify`, a real
// peer stack receives and checks everything instead. On a lossy wire (faults) the sink keeps a
// receiver's scoreboard, so its ACKs stop at the first hole and the sender must retransmit.

import type { FrameSink } from '../stacks/layer.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { Stack } from '../stacks/stack.js';
import { ipv4Checksum, ipv4TotalLength } from '../stacks/wire/ipv4.js';
import { tcpHeaderBytes, tcpSeq } from '../stacks/wire/tcp.js';
import { seqLeq } from '../stacks/layers/tcp/control-block.js';
import { BaseWorkload, type SenderCounts } from './base-workload.js';
import { type FaultCounts, FaultLink, sumFaultCounts } from './fault-link.js';
import { Scoreboard } from './scoreboard.js';
import { intactSegmentLength } from './segment-check.js';
import { checkPacketSize, connectedPair, endpoints, onShared, sharedMessages } from './connection-setup.js';
import { type FrameQueue, Loopback, deliverAll } from './loopback.js';
import { raiserOf } from './plp-commit.js';
import { type SharedConnection, SharedWord } from './shared-connection.js';
import type { WorkloadOptions } from './workload-contract.js';

/** Under PLP: the private peer's own TCP messages, and the frames its wire holds. */
const PEER_MESSAGES = 4;
const WIRE_FRAMES = 64;

/**
 * Send side: the measured sender pushes messages to a sink. The sink acknowledges every second
 * segment through a real peer TCP (its ACK frames carry valid checksums and digests), queued and
 * handed to the sender after each push, so ACK processing is part of the sender's work.
 */
export class SendWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly peer: Stack;
  private readonly acks: FrameQueue;
  private readonly wire: Loopback | null = null;
  private pendingSegments = 0;
  private ackUpTo = 0;
  /** Data frames the sink took, and the sequence number after the last one. */
  private framesOut = 0;
  /** The sender's segment count when the workload began (segments sent = frames on the wire). */
  private readonly segmentsBefore: number = 0;
  private lastEnd = 0;
  private readonly shared: SharedConnection | null;
  /** On a lossy wire: what the sink has received, and the lossy links to it and back. */
  private readonly scoreboard: Scoreboard | null = null;
  private readonly toSink: FaultLink | null = null;
  private readonly toSender: FaultLink | null = null;
  /** The lossy wire corrupts frames: the sink checks each segment before it believes it. */
  private readonly checkSegments: boolean;

  constructor(options: WorkloadOptions, shared: SharedConnection | null = null) {
    super(options, shared?.application ?? null);
    this.shared = shared;
    let sender: Stack;
    let receiver: Stack;
    let wire: Loopback;
    if (shared === null) {
      ({ sender, receiver, wire } = connectedPair(options, true));
    } else {
      // Packet-level parallelism: this worker's sender works on the shared connection; its peer,
      // which only builds ACKs, is private and starts from the leader's peer state.
      const [oa, ob] = endpoints(options.connection ?? 0, shared.worker);
      sender = new Stack(options.spec, {
        ...oa,
        crypto: options.crypto,
        tcpMinRtoMs: options.minRtoMs,
        ...onShared(shared, 'measured', options.tcpLockScope, sharedMessages(shared)),
      });
      // The peer's messages and the wire's frames in one buffer, so each ACK is copied onto the wire
      // with copyWithin (two buffers: a word loop, a tenth of PLP's send overhead over Ethernet).
      const local = new BufferPool(PEER_MESSAGES + WIRE_FRAMES);
      receiver = new Stack(options.spec, { ...ob, crypto: options.crypto, tcpMinRtoMs: options.minRtoMs, messages: local });
      checkPacketSize(sender, options.packetSize);
      wire = new Loopback(sender, receiver, local); // (a lossy wire under PLP runs the shared verify workload)
      if (sender.transport === 'tcp' && receiver.transport === 'tcp') {
        if (shared.leader) {
          wire.handshake();
          shared.peerTcb.copyStateFrom(receiver.tcb!);
          Atomics.store(shared.words, SharedWord.maxAck, sender.tcb!.f[Tcb.sndNxt]!);
        } else {
          receiver.tcb!.copyStateFrom(shared.peerTcb);
        }
      }
    }
    this.sender = sender;
    this.peer = receiver;
    this.segmentsBefore = sender.tcb?.f[Tcb.segsOut] ?? 0;
    this.checkSegments = (options.faults?.corrupt ?? 0) > 0;
    this.acks = wire.toA;
    if (options.verify) {
      // The peer receives and checks everything; its ACKs come back over the wire.
      this.wire = wire;
      this.peer.application = this.checkingApplication();
      if (this.lossy) wire.injectFaults(options.faults!);
    } else if (this.lossy && receiver.transport === 'tcp') {
      if (shared !== null) throw new Error('a lossy wire under packet-level parallelism runs both ends (the shared verify workload)');
      const faults = options.faults!;
      this.scoreboard = new Scoreboard(receiver.tcb!.f[Tcb.rcvNxt]!);
      this.toSink = new FaultLink(this.sink(), faults, sender.linkHeaderBytes);
      this.toSender = new FaultLink(wire.toA, { ...faults, seed: faults.seed + 1 }, receiver.linkHeaderBytes);
      this.sender.attach(this.toSink);
      this.peer.attach(this.toSender);
    } else {
      // Benchmark mode on a perfect wire: a sampled message's latency ends as its last frame reaches the sink.
      this.sampler = options.latency ?? null;
      this.sender.attach(this.sink());
    }
  }

  override faultCounts(): FaultCounts {
    return this.wire !== null ? this.wire.faultCounts() : sumFaultCounts([this.toSink, this.toSender]);
  }

  protected override senderCounts(): SenderCounts | null {
    return this.sender.transport === 'tcp' ? this.sender.tcb!.stats() : null;
  }

  protected stacks(): Stack[] {
    return [this.sender, this.peer];
  }

  /** Sent messages = frames on the wire; the sender's snd_nxt is the wire's last byte; snd_una is the peer's rcv_nxt. */
  override conservation(): string | null {
    if (this.wire !== null) return this.lossy ? this.drainAndCompare(this.wire, this.sender) : null;
    if (this.sender.transport !== 'tcp' || this.peer.transport !== 'tcp') return null;
    if (this.scoreboard !== null) {
      // Lossy: what the sink holds lies between what the sender had acknowledged and what it sent.
      const f = this.sender.tcb!.f;
      const got = this.scoreboard.rcvNxt;
      return seqLeq(f[Tcb.sndUna]!, got) && seqLeq(got, f[Tcb.sndMax]!)
        ? null
        : `the sink received up to ${got >>> 0}, outside the sender's [snd_una ${f[Tcb.sndUna]! >>> 0}, snd_max ${f[Tcb.sndMax]! >>> 0}]`;
    }
    const s = this.sender.tcb!.f;
    if (this.shared !== null) {
      // PLP: every worker has stopped (end barrier); all sequence space taken reached some wire.
      const maxAck = Atomics.load(this.shared.words, SharedWord.maxAck);
      return this.shared.leader && s[Tcb.sndNxt] !== maxAck
        ? `the shared snd_nxt ${s[Tcb.sndNxt]! >>> 0} is not the end of the last segment any worker sent ${maxAck >>> 0}`
        : null;
    }
    const segments = (s[Tcb.segsOut]! - this.segmentsBefore) | 0;
    if (this.framesOut !== segments) return `the sender sent ${segments} segments but ${this.framesOut} frames reached the wire`;
    if (!this.sender.tcb!.waitingToSend && this.framesOut < this.packets)
      return `${this.packets} messages sent but only ${this.framesOut} frames reached the wire`;
    const sndNxt = s[Tcb.sndNxt]!;
    const sndUna = s[Tcb.sndUna]!;
    const peerRcvNxt = this.peer.tcb!.f[Tcb.rcvNxt]!;
    if (this.framesOut > 0 && sndNxt !== this.lastEnd)
      return `the sender's snd_nxt ${sndNxt >>> 0} is not the end of the last segment on the wire ${this.lastEnd >>> 0}`;
    if (sndUna !== peerRcvNxt)
      return (
        `the sender counts ${sndUna >>> 0} acknowledged, the receiver ${peerRcvNxt >>> 0}: ` +
        `${(peerRcvNxt - sndUna) | 0} bytes acknowledged but not taken`
      );
    return null;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    this.acks.tap = tap;
    if (this.wire !== null) this.wire.toB.tap = tap;
  }

  /** Lossy: the sink takes a segment as a receiver would; a segment out of order, a hole filled or a duplicate is ACKed at once. */
  private scored(board: Scoreboard, peer: Stack, seq: number, end: number): void {
    if (board.take(seq, end) || ++this.pendingSegments === 2) {
      this.pendingSegments = 0;
      peer.acknowledgeUpTo(board.rcvNxt);
    }
  }

  /** Consumes frames; every second TCP segment, has the peer acknowledge everything so far. */
  private sink(): FrameSink {
    const linkBytes = this.sender.linkHeaderBytes;
    const tcpAt = this.sender.transport === 'tcp' ? this.sender.headerOffset('tcp') : -1;
    const peer = this.peer.transport === 'tcp' ? this.peer : null;
    const raiseMaxAck = this.shared !== null ? raiserOf(this.shared.words, SharedWord.maxAck) : null;
    return {
      transmit: (frame: Msg) => {
        if (frame.sampledAt !== 0 && this.sampler !== null) this.sampler.end(frame);
        if (this.tap !== null) this.tap(frame);
        const view = frame.view;
        const ip = frame.head + linkBytes;
        this.observed = (this.observed + ipv4Checksum(view, ip)) | 0;
        if (peer === null) return;
        const at = frame.head + tcpAt;
        const dataBytes = ipv4TotalLength(view, ip) - (tcpAt - linkBytes) - tcpHeaderBytes(view, at);
        const seq = tcpSeq(view, at);
        const end = (seq + dataBytes) | 0;
        this.framesOut++;
        if (this.scoreboard !== null) {
          // A wire that corrupts: the sink checks the checksum, as the receiver it plays would.
          if (this.checkSegments && intactSegmentLength(frame, linkBytes, tcpAt) < 0) return;
          return this.scored(this.scoreboard, peer, seq, end);
        }
        this.lastEnd = end;
        this.ackUpTo = raiseMaxAck === null ? end : raiseMaxAck(end);
        if (++this.pendingSegments === 2) {
          this.pendingSegments = 0;
          peer.acknowledgeUpTo(this.ackUpTo);
        }
      },
    };
  }

  protected drive(packets: number): number {
    const sender = this.sender;
    let bytes = 0;
    const settleClosed = this.settleClosed;
    for (let i = 0; i < packets; i++) {
      this.sendNext(sender, settleClosed);
      bytes += this.options.packetSize;
      this.settle(false);
    }
    this.packets += packets;
    this.bytes += bytes;
    return bytes;
  }

  private readonly settleClosed = (): void => this.settle(true);

  /** Delivers what is queued toward the sender (and, verifying, toward the peer). */
  private settle(windowClosed: boolean): void {
    if (this.wire !== null) {
      if (windowClosed) this.settleWire(this.wire);
      else this.wire.pump();
      return;
    }
    if (this.scoreboard !== null) {
      if (windowClosed) this.settleLossySink(this.scoreboard);
      if (this.acks.frames.length > 0) deliverAll(this.acks, this.sender);
      return;
    }
    if (windowClosed && this.peer.transport === 'tcp') {
      if (this.shared !== null) this.ackUpTo = Atomics.load(this.shared.words, SharedWord.maxAck);
      if (this.pendingSegments > 0 || this.shared !== null) {
        this.pendingSegments = 0; // the delayed-ACK timer of a real receiver
        this.peer.acknowledgeUpTo(this.ackUpTo);
      }
    }
    if (this.acks.frames.length > 0) deliverAll(this.acks, this.sender);
  }

  /** Lossy sink, window closed: frames held back go, the delayed ACK goes, the sender's timers run. */
  private settleLossySink(board: Scoreboard): void {
    this.toSink!.release();
    this.toSender!.release();
    if (this.pendingSegments > 0) {
      this.pendingSegments = 0;
      this.peer.acknowledgeUpTo(board.rcvNxt);
    }
    this.sender.tick(this.clock.now());
  }
}
