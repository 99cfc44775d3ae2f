// The receive side around one connection (paper §3.3): the source replays frames built from
// templates at set-up, with sequence numbers advancing and the TCP checksum kept valid, so every
// receive-side computation (checksums, MD5, decryption) runs on every packet. A template is all the
// frames one application message went out in (one over FDDI, several over Ethernet), and a packet
// is one message. With `verify`, a real sender makes every frame instead.

import { SendStatus } from '../stacks/layer.js';
import { RCV_WINDOW, Tcb } from '../stacks/layers/tcp/control-block.js';
import { BufferPool, DEFAULT_HEADROOM, type Msg, memmoveOf, wholeBytesOf } from '../stacks/message.js';
import { type Copier, type WordOps, wordOps } from '../stacks/native-memory.js';
import { Stack } from '../stacks/stack.js';
import { setTcpSeq, tcpHeaderBytes } from '../stacks/wire/tcp.js';
import { BaseWorkload, type SenderCounts, threadMessages } from './base-workload.js';
import { type FaultCounts, noFaultCounts, sumFaultCounts } from './fault-link.js';
import { LossyReplay } from './lossy-replay.js';
import { connectedPair, countingSink, endpoints, onShared, sharedMessages } from './connection-setup.js';
import type { Loopback } from './loopback.js';
import { STALL_MS, inOrderApplication } from './plp-commit.js';
import { APPLICATION_BYTES, type SharedConnection, SharedWord } from './shared-connection.js';
import type { SharedAccount, WorkloadOptions } from './workload-contract.js';

const TEMPLATES = 8;
/** Segments a PLP source keeps in flight at most: well inside the receiver's out-of-order queue. */
const MAX_IN_FLIGHT = 32;

/**
 * Receive side: the measured receiver takes frames from a source. Without `verify` the source
 * replays templates (genuine frames captured at set-up) with the sequence number advanced and the
 * TCP checksum updated (RFC 1624); with `verify` a real sender makes every frame.
 */
export class ReceiveWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly receiver: Stack;
  private readonly wire: Loopback;
  /** Every template frame's bytes, copied once, so replaying one copies natively without allocating. */
  private readonly templateFrames: Uint8Array[] = [];
  /** When every template lies in the frame's buffer (PLP: this worker's application region), that buffer's memmove. */
  private templateMove: Copier | null = null;
  /** Where each template message's frames start in templateFrames (and, last, where they end). */
  private readonly messageStarts: number[] = [];
  /** Frames offered to the measured receiver. */
  private frames = 0;
  /** The frame the source fills; under PLP in the shared block, beside the reassembly ring. */
  private frame: Msg;
  private nextSeq = 0;
  private template = 0;
  private delivered = 0;
  /** Pieces delivered to the application (template replay). */
  private messages = 0;
  private readonly shared: SharedConnection | null;
  /** TCP data bytes of each template frame (what the sequence number advances by). */
  private readonly segmentBytes: number[] = [];
  /** Where the TCP header stands in a frame of this stack; -1 without TCP. */
  private readonly tcpAt: number;
  /** PLP: the shared counter nextSeq and the committed position (native in a shared WebAssembly memory: stacks/native-memory.ts). */
  private readonly nextSeqWord: WordOps | null = null;
  private readonly committedWord: WordOps | null = null;
  /** PLP: what this thread last took from nextSeq, and the committed position it last read (never ahead of it). */
  private nextGuess = 0;
  private committedSeen = 0;
  /** On a lossy wire (one thread): the source that plays a sender. */
  private lossyReplay: LossyReplay | null = null;

  constructor(options: WorkloadOptions, shared: SharedConnection | null = null) {
    super(options);
    this.shared = shared;
    const { sender, receiver, wire } = connectedPair(options, options.verify, shared?.worker ?? 0);
    this.sender = sender;
    this.receiver = receiver;
    this.wire = wire;
    this.tcpAt = receiver.transport === 'tcp' ? receiver.headerOffset('tcp') : -1;
    const messages = shared !== null ? sharedMessages(shared) : null;
    this.frame = messages?.get() ?? (options.arena !== undefined ? threadMessages(options.arena).frame : new BufferPool(1).get());
    if (options.verify) {
      const check = this.checkingApplication();
      this.receiver.application = {
        pop: (m: Msg) => {
          this.delivered += m.length;
          check.pop(m);
        },
      };
      if (this.lossy) wire.injectFaults(options.faults!);
      return;
    }
    this.receiver.application = {
      pop: (m: Msg) => {
        this.delivered += m.length;
        this.messages++;
        this.observed = (this.observed + m.bytes[m.tail - 1]!) | 0;
        if (m.sampledAt !== 0 && this.sampler !== null) this.sampler.end(m);
      },
    };
    this.captureTemplates();
    this.delivered = 0;
    this.messages = 0;
    this.nextSeq = this.receiver.tcb?.f[Tcb.rcvNxt] ?? 0; // rcv_nxt: where the replay goes on
    const tcpAt = this.tcpAt;
    if (tcpAt >= 0) {
      for (const t of this.templateFrames) {
        this.segmentBytes.push(t.length - tcpAt - tcpHeaderBytes(new DataView(t.buffer, t.byteOffset), tcpAt));
      }
    }
    if (this.lossy && tcpAt >= 0 && shared === null) {
      this.lossyReplay = new LossyReplay(this.receiver, this.templateFrames, this.segmentBytes, this.nextSeq, tcpAt, options.faults!);
    }
    if (shared !== null && this.receiver.transport === 'tcp') {
      // Packet-level parallelism: the templates came from a private pair; the measured receiver
      // is this worker's stack on the shared connection, which the leader sets to the same state.
      const [, ob] = endpoints(options.connection ?? 0, shared.worker);
      const private_ = this.receiver;
      this.receiver = new Stack(options.spec, {
        ...ob,
        crypto: options.crypto,
        tcpMinRtoMs: options.minRtoMs,
        enforceDigest: false,
        ...onShared(shared, 'measured', options.tcpLockScope, messages!),
      });
      if (shared.leader) {
        shared.measuredTcb.copyStateFrom(private_.tcb!);
        Atomics.store(shared.words, SharedWord.nextSeq, this.nextSeq);
        Atomics.store(shared.words, SharedWord.committed, this.nextSeq);
        Atomics.store(shared.words, SharedWord.parked, 0);
        Atomics.store(shared.words, SharedWord.committedWaiters, 0);
      }
      this.nextSeqWord = wordOps(shared.words, SharedWord.nextSeq);
      this.committedWord = wordOps(shared.words, SharedWord.committed);
      this.nextGuess = this.committedSeen = this.nextSeq;
      this.receiver.application = inOrderApplication(
        shared,
        (m) => {
          this.messages++;
          this.observed = (this.observed + m.bytes[m.tail - 1]!) | 0;
          return -1; // (replayed data: nothing to check)
        },
        (bytes) => void (this.delivered += bytes),
        () => void this.dataErrors++,
        undefined,
        options.latency ?? null,
      );
    }
    if (this.lossyReplay === null) this.receiver.attach(countingSink(this));
    // Replayed frames: a sampled frame's latency ends as its data is delivered in order.
    else return;
    this.sampler = options.latency ?? null;
  }

  /** The lossy replay source waits for no timer (it sends again at once): it needs no clock. */
  protected override get timed(): boolean {
    return this.lossy && this.lossyReplay === null;
  }

  override faultCounts(): FaultCounts {
    if (this.lossyReplay !== null) return sumFaultCounts([this.lossyReplay.toReceiver, this.lossyReplay.toSource]);
    return this.options.verify ? this.wire.faultCounts() : noFaultCounts();
  }

  protected override senderCounts(): SenderCounts | null {
    if (this.lossyReplay !== null) return this.lossyReplay.counts;
    return this.options.verify && this.sender.transport === 'tcp' ? this.sender.tcb!.stats() : null;
  }

  /**
   * The next sequence number from the shared counter, as a sender would send it: only within the
   * window the receiving application leaves (data not yet consumed counts against it, as in a
   * socket buffer) and a bounded number of segments, since nothing here retransmits.
   */
  private takeSequence(length: number): number {
    const nextSeq = this.nextSeqWord!;
    const limit = Math.min(RCV_WINDOW, MAX_IN_FLIGHT * length);
    let deadline = 0;
    // Each CAS answers the counter as it was, so a guess that missed is the next try: one atomic
    // operation a segment when this thread guessed right (one worker always does). The committed
    // position read last can only lag, so the window it shows is never wider than the true one; a
    // span that is negative (a guess or a reading from before a reset) shows as closed and is read again.
    let next = this.nextGuess;
    for (let spins = 0; ; spins++) {
      if (
        (next + length - this.committedSeen) >>> 0 <= limit ||
        (next + length - (this.committedSeen = this.committedWord!.load())) >>> 0 <= limit
      ) {
        const seen = nextSeq.cas(next, (next + length) | 0);
        if (seen === next) {
          this.nextGuess = (next + length) | 0;
          return next;
        }
        next = seen;
        continue;
      }
      next = nextSeq.load();
      // Closed for long: now and then, help deliver what waits (under a backlog design the gap may be
      // a segment queued while a thread that is not a TCP layer held the lock). Seldom: each look may
      // take the lock, and a look on every spin slowed two workers' receiving by a tenth.
      if ((spins & 4095) === 4095) this.receiver.deliverQueued();
      if (spins > 1000) {
        if (deadline === 0) deadline = Date.now() + STALL_MS;
        else if (Date.now() > deadline) throw new Error(`${this.options.spec}: the receive window stayed closed`);
      }
    }
  }

  protected stacks(): Stack[] {
    return [this.sender, this.receiver];
  }

  /**
   * Templates: consecutive genuine messages with varied random data (the paper's random-filled
   * buffers), each captured as the frames it went out in. Each is received and acknowledged as it
   * is made, so the sender's congestion window opens; the replay then goes on from the receiver's
   * rcv_nxt.
   */
  private captureTemplates(): void {
    const frames = this.templateFrames;
    // Under PLP in this worker's application region, in the memory of the frames they are replayed
    // into: those copies are then native (stacks/native-memory.ts).
    const region = this.shared?.application;
    const space =
      region !== undefined
        ? { bytes: wholeBytesOf(region.buffer), at: region.byteOffset, end: region.byteOffset + APPLICATION_BYTES }
        : null;
    this.wire.toB.tap = (frame: Msg) => void frames.push(alignedCopy(frame, this.receiver.linkHeaderBytes, space));
    for (let i = 0; i < TEMPLATES; i++) {
      this.messageStarts.push(frames.length);
      this.fill();
      if (this.sender.send(this.msg) !== SendStatus.Sent) throw new Error(`${this.options.spec}: could not build frame templates`);
      for (let rounds = 0; rounds === 0 || this.sender.tcb?.waitingToSend === true; rounds++) {
        if (rounds > 1000) throw new Error(`${this.options.spec}: a template message did not go out whole`);
        this.wire.pump();
        if (this.receiver.tick()) this.wire.pump();
      }
    }
    this.messageStarts.push(frames.length);
    this.wire.toB.tap = null;
    if (space !== null && frames.every((t) => t.buffer === region!.buffer)) this.templateMove = memmoveOf(this.frame.bytes);
  }

  /** A stamp a frame offered: the templates' frames a message, on average (1 where no templates are replayed). */
  override get stampsPerPacket(): number {
    return this.messageStarts.length > 1 ? this.messageStarts[this.messageStarts.length - 1]! / TEMPLATES : 1;
  }

  /** How many frames template message `m` went out in. */
  private framesOf(m: number): number {
    return this.messageStarts[m + 1]! - this.messageStarts[m]!;
  }

  private readonly settle = (): void => this.settleWire(this.wire);

  protected override measuredReceiver(): Stack {
    return this.receiver;
  }

  /** Frames offered = pieces delivered + frames dropped (by reason) + segments still queued. */
  override sharedAccount(): SharedAccount | null {
    if (this.shared === null || this.options.verify) return null;
    const queued = this.shared.leader ? (this.receiver.tcb?.f[Tcb.reassCount] ?? 0) : 0;
    return { offered: this.frames, delivered: this.messages, dropped: this.receiver.drops.total, queued };
  }

  override conservation(): string | null {
    if (this.options.verify && this.lossy) return this.drainAndCompare(this.wire, this.sender);
    if (this.shared !== null || this.options.verify) return null;
    const dropped = this.receiver.drops.total;
    const queued = this.receiver.tcb?.f[Tcb.reassCount] ?? 0;
    // On a lossy wire the frames offered are those that reached the receiver (retransmissions and duplicates included).
    const offered = this.lossyReplay !== null ? this.lossyReplay.toReceiver.counts.passed : this.frames;
    if (offered !== this.messages + dropped + queued) {
      return (
        `${offered} frames offered, but ${this.messages} delivered + ${dropped} dropped + ${queued} ` +
        `queued = ${this.messages + dropped + queued}`
      );
    }
    // Every frame of every message offered arrived: the application has each message whole.
    if (this.lossyReplay === null && dropped === 0 && queued === 0 && this.delivered !== this.packets * this.options.packetSize)
      return `${this.packets} messages delivered ${this.delivered} bytes, not ${this.packets} × ${this.options.packetSize}`;
    return null;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    if (this.options.verify) {
      this.wire.toB.tap = tap;
      this.wire.toA.tap = tap;
    }
  }

  protected drive(packets: number): number {
    const before = this.delivered;
    if (this.options.verify) {
      for (let i = 0; i < packets; i++) {
        this.sendNext(this.sender, this.settle);
        this.wire.pump();
      }
    } else if (this.lossyReplay !== null) {
      for (let i = 0; i < packets; i++) {
        const count = this.framesOf(this.template);
        for (let j = 0; j < count; j++) this.lossyReplay.sendOne(this.frame);
        this.template = (this.template + 1) % TEMPLATES;
      }
    } else {
      const receiver = this.receiver;
      const frame = this.frame;
      const frames = this.templateFrames;
      const move = this.templateMove;
      // (the measured receiver: under packet-level parallelism, the stack on the shared connection)
      const linkBytes = receiver.linkHeaderBytes;
      const tcpAt = this.tcpAt;
      // The racy look deliverQueued makes first, made here: a call down the stack a segment spared.
      const tcb = receiver.tcb?.f;
      const sampler = this.sampler;
      for (let i = 0; i < packets; i++) {
        const end = this.messageStarts[this.template + 1]!;
        for (let k = this.messageStarts[this.template]!; k < end; k++) {
          // Templates in the frame's buffer (PLP): its memmove (native in shared memory); else TypedArray.set.
          if (move !== null) frame.loadFrameWithin(move, frames[k]!.byteOffset, frames[k]!.length, linkBytes);
          else frame.loadFrameView(frames[k]!, linkBytes);
          if (this.shared !== null && tcpAt >= 0) {
            // Help deliver what a filled gap released, then take the next segment from the shared counter.
            if (tcb![Tcb.reassCount] !== 0) while (receiver.deliverQueued());
            advanceSequence(frame, frame.head + tcpAt, this.takeSequence(this.segmentBytes[k]!));
          } else if (tcpAt >= 0) {
            this.nextSeq = advanceSequence(frame, frame.head + tcpAt, this.nextSeq);
          }
          if (this.tap !== null) this.tap(frame);
          this.frames++;
          if (sampler !== null) sampler.stamp(frame);
          receiver.receive(frame);
        }
        this.template = (this.template + 1) % TEMPLATES;
      }
    }
    const bytes = this.delivered - before;
    this.packets += packets;
    this.bytes += bytes;
    return bytes;
  }
}

/**
 * Sets the segment's sequence number to `seq` (its checksum updated to match) and answers the
 * sequence number after its data.
 */
function advanceSequence(frame: Msg, tcpAt: number, seq: number): number {
  const view = frame.view;
  setTcpSeq(view, tcpAt, seq);
  return (seq + (frame.tail - tcpAt) - tcpHeaderBytes(view, tcpAt)) | 0;
}

/**
 * A copy of the frame's bytes at the offset mod 8 where Msg.resetFrame places a received frame (a
 * slot starts on a 64-byte line), so replaying it into a shared block stays one aligned copy: V8
 * copies into a SharedArrayBuffer byte by byte when source and destination are not aligned alike
 * (1.8 µs against 0.4 µs for 4 KB). The frame captured may lie elsewhere (TCP cuts a segment 4
 * bytes further into its slot when that aligns it with its send ring).
 */
function alignedCopy(frame: Msg, linkHeaderBytes: number, space: TemplateSpace | null): Uint8Array {
  const skew = (DEFAULT_HEADROOM - linkHeaderBytes) & 7;
  const start = space !== null ? Math.ceil(space.at / 64) * 64 : 0;
  const copy =
    space !== null && start + skew + frame.length <= space.end
      ? space.bytes.subarray(start + skew, (space.at = start + skew + frame.length))
      : new Uint8Array(frame.length + 8).subarray(skew, skew + frame.length);
  copy.set(frame.bytes.subarray(frame.head, frame.tail));
  return copy;
}

/** Where templates go next in a shared memory (`bytes` its whole view), up to `end`; one that does not fit gets memory of its own. */
interface TemplateSpace {
  bytes: Uint8Array;
  at: number;
  end: number;
}
