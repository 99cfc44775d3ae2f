// In-memory drivers around one connection (paper §3.3): the send side's sink consumes frames as
// fast as possible and acknowledges like a TCP receiver, so the sender's window stays open; the
// receive side's source replays frames built from templates at set-up, with sequence numbers
// advancing and the TCP checksum kept valid. Every receive-side computation (checksums, MD5,
// decryption) runs on every packet. With `verify`, both sides run against a real peer stack
// instead: only genuine frames, every drop an error, and the application data checked byte for byte.

import type { CryptoProviderName } from '../stacks/crypto/index.js';
import { type FrameSink, SendStatus, type Upper } from '../stacks/layer.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { RCV_WINDOW, Tcb, seqGt } from '../stacks/layers/tcp-control-block.js';
import { BufferPool, DEFAULT_SLOT_BYTES, type Msg } from '../stacks/message.js';
import { isGatewaySpec } from '../stacks/spec.js';
import { GatewayWorkload } from './gateway.js';
import { Stack, type StackOptions, endpointPair } from '../stacks/stack.js';
import { IPV4_HEADER_BYTES, Ipv4Offset } from '../stacks/wire/ipv4.js';
import { TcpOffset } from '../stacks/wire/tcp.js';
import { FrameQueue, Loopback, deliverAll } from './loopback.js';
import { Prng } from './prng.js';
import { REORDER_SLOTS, type SharedConnection, SharedWord, WORKER_MESSAGES } from './shared-connection.js';
import { type Enforcement, type SharedAccount, type Side, type Workload, type WorkloadCounters, type WorkloadOptions, enforcementFor } from './workload-contract.js';

/**
 * The application's data: MESSAGES messages of random bytes (the paper's random-filled buffers),
 * sent in turn. Each message is a view made at set-up, so writing one into a message buffer is a
 * native copy (TypedArray.set) that allocates nothing.
 */
class DataStream {
  static readonly MESSAGES = 16;
  private readonly messages: Uint8Array[] = [];
  private index = 0;

  constructor(seed: number, packetSize: number) {
    const bytes = new Prng(seed).fill(new Uint8Array(DataStream.MESSAGES * packetSize));
    for (let k = 0; k < DataStream.MESSAGES; k++) this.messages.push(bytes.subarray(k * packetSize, (k + 1) * packetSize));
  }

  /** The data of application message number `index`. */
  message(index: number): Uint8Array {
    return this.messages[index % DataStream.MESSAGES]!;
  }

  /** The next message's data; advances. */
  next(): Uint8Array {
    const data = this.messages[this.index]!;
    this.index = (this.index + 1) % DataStream.MESSAGES;
    return data;
  }
}

/**
 * Both ends of connection `connection`. Under packet-level parallelism every worker has its own
 * stacks on the one connection: `worker` keeps their IV nonces apart (no IV is ever reused).
 */
function endpoints(connection: number, worker = 0): [StackOptions, StackOptions] {
  const [a, b] = endpointPair();
  a.local = { ...a.local, port: a.local.port + 2 * connection };
  a.remote = { ...a.remote, port: a.remote.port + 2 * connection };
  b.local = { ...b.local, port: b.local.port + 2 * connection };
  b.remote = { ...b.remote, port: b.remote.port + 2 * connection };
  a.instance = ((worker << 20) | (2 * connection + 1)) >>> 0;
  b.instance = ((worker << 20) | (2 * connection + 2)) >>> 0;
  return [a, b];
}

/** Byte offset of the transport header in a frame of this stack. */
function transportOffset(stack: Stack): number {
  return stack.headerOffset(stack.transport!);
}

/** Options that put a stack's TCP, IP and AH state on the shared connection (one end of it). */
function onShared(shared: SharedConnection, end: 'measured' | 'peer', scope: TcpLockScope | undefined, messages: BufferPool): Partial<StackOptions> {
  const measured = end === 'measured';
  return {
    messages,
    state: {
      tcb: measured ? shared.measuredTcb : shared.peerTcb,
      ipIdent: measured ? shared.measuredIdent : shared.peerIdent,
      ahSequence: measured ? shared.measuredSequence : shared.peerSequence,
    },
    lock: measured ? shared.lock : shared.peerLock,
    tcpLockScope: scope ?? 'state',
  };
}

/** This worker's message slots in the shared block, as a pool (made once per workload). */
function sharedMessages(shared: SharedConnection): BufferPool {
  return new BufferPool(WORKER_MESSAGES, DEFAULT_SLOT_BYTES, shared.messages);
}

/** Raises words[at] to `value` if that is later in sequence space; answers the result. */
function raiseTo(words: Int32Array, at: number, value: number): number {
  for (;;) {
    const current = Atomics.load(words, at);
    if (!seqGt(value, current)) return current;
    if (Atomics.compareExchange(words, at, current, value) === current) return value;
  }
}

const STALL_MS = 10_000;

/**
 * The application end under packet-level parallelism. Threads deliver segments concurrently (their
 * decryption overlaps); each checks its message at once, then commits it in stream order: if the
 * stream before it is not yet consumed, the message is parked in a small shared reorder table and
 * the thread moves on; whoever fills the gap commits what was parked behind it. So data is consumed
 * once and in order without one thread waiting for another. `consume` answers the bytes to credit
 * (the caller's share of the committed stream); a segment already committed or parked is a duplicate.
 */
function inOrderApplication(shared: SharedConnection, check: (m: Msg) => void, credit: (bytes: number) => void, duplicate: () => void): Upper {
  const words = shared.words;
  const table = shared.reorder;
  return {
    pop: (m: Msg) => {
      check(m);
      const seq = m.streamSeq;
      const lock = shared.reorderLock;
      let deadline = 0;
      lock.acquire();
      try {
        let committed = words[SharedWord.committed]!;
        let parked = words[SharedWord.parked]!;
        // A full table: wait (lock released) for the thread holding the gap to commit it.
        while (seq !== committed && parked === REORDER_SLOTS && !seqGt(committed, seq)) {
          lock.release();
          if (deadline === 0) deadline = Date.now() + STALL_MS;
          else if (Date.now() > deadline) {
            lock.acquire(); // the finally below releases it
            throw new Error(`in-order delivery stalled at ${committed >>> 0}: a segment before ${seq >>> 0} was lost`);
          }
          Atomics.wait(words, SharedWord.committed, committed, 1);
          lock.acquire();
          committed = words[SharedWord.committed]!;
          parked = words[SharedWord.parked]!;
        }
        if (seqGt(committed, seq)) return duplicate();
        if (seq !== committed) {
          for (let i = 0; i < parked; i++) if (table[3 * i] === seq) return duplicate();
          table[3 * parked] = seq;
          table[3 * parked + 1] = m.streamNext;
          table[3 * parked + 2] = m.length;
          words[SharedWord.parked] = parked + 1;
          return;
        }
        let bytes = m.length;
        committed = m.streamNext;
        // Commit what was parked behind this segment.
        for (let i = 0; i < parked; ) {
          if (table[3 * i] !== committed) {
            i++;
            continue;
          }
          committed = table[3 * i + 1]!;
          bytes += table[3 * i + 2]!;
          parked--;
          table[3 * i] = table[3 * parked]!;
          table[3 * i + 1] = table[3 * parked + 1]!;
          table[3 * i + 2] = table[3 * parked + 2]!;
          i = 0;
        }
        words[SharedWord.parked] = parked;
        Atomics.store(words, SharedWord.committed, committed);
        Atomics.notify(words, SharedWord.committed);
        credit(bytes);
      } finally {
        lock.release();
      }
    },
  };
}

/** A sender and a receiver of `options.spec` on a loopback wire, connected. */
function connectedPair(options: WorkloadOptions, receiverEnforcesDigest: boolean, worker = 0): { sender: Stack; receiver: Stack; wire: Loopback } {
  const [oa, ob] = endpoints(options.connection ?? 0, worker);
  const sender = new Stack(options.spec, { ...oa, crypto: options.crypto });
  const receiver = new Stack(options.spec, { ...ob, crypto: options.crypto, enforceDigest: receiverEnforcesDigest });
  checkPacketSize(sender, options.packetSize);
  const wire = new Loopback(sender, receiver, 64);
  if (sender.transport === 'tcp') wire.handshake();
  return { sender, receiver, wire };
}

function checkPacketSize(stack: Stack, packetSize: number): void {
  if (packetSize > stack.maxPayload) {
    throw new RangeError(`packet size ${packetSize} does not fit one ${stack.linkName} frame of stack ${stack.spec}: at most ${stack.maxPayload} bytes`);
  }
}

abstract class BaseWorkload implements Workload {
  observed = 0;
  tap: ((frame: Msg) => void) | null = null;
  protected packets = 0;
  protected bytes = 0;
  protected dataErrors = 0;
  protected readonly msg: Msg = new BufferPool(1).get();
  protected readonly data: DataStream;

  constructor(readonly options: WorkloadOptions) {
    this.data = new DataStream(options.seed, options.packetSize);
  }

  abstract run(packets: number): number;
  abstract setTap(tap: ((frame: Msg) => void) | null): void;
  protected abstract stacks(): Stack[];

  counters(): WorkloadCounters {
    const drops: Record<string, number> = {};
    for (const stack of this.stacks()) {
      for (const [name, count] of Object.entries(stack.drops.toRecord())) drops[name] = (drops[name] ?? 0) + count;
    }
    let ignored = 0;
    for (const stack of this.stacks()) ignored += stack.mismatchesIgnored;
    const outOfOrder = this.measuredReceiver()?.tcb?.stats().outOfOrder ?? 0;
    return { packets: this.packets, bytes: this.bytes, drops, digestMismatchesIgnored: ignored, dataErrors: this.dataErrors, outOfOrder };
  }

  /** The stack whose receiving TCP is measured (receive side only). */
  protected measuredReceiver(): Stack | null {
    return null;
  }

  enforcement(): Enforcement {
    return enforcementFor(this.options);
  }

  conservation(): string | null {
    return null;
  }

  sharedAccount(): SharedAccount | null {
    return null;
  }

  /** An application that compares what arrives with the data stream the sender used (verify). */
  protected checkingApplication(): { pop(m: Msg): void } {
    const expected = new DataStream(this.options.seed, this.options.packetSize);
    return {
      pop: (m: Msg) => {
        if (!sameBytes(m, expected.next())) this.dataErrors++;
      },
    };
  }

  /** Sends the next message; when the window is closed, lets `settle` deliver ACKs and tries once more. */
  protected sendNext(sender: Stack, settle: () => void): void {
    this.fill();
    let status = sender.send(this.msg);
    // Under packet-level parallelism the window can stay closed a while: other workers' segments are in flight.
    for (let tries = 0; status === SendStatus.WouldBlock; tries++) {
      if (tries === 1_000_000) throw new Error(`${this.options.spec}: the send window stayed closed`);
      settle();
      this.fill(); // a refused message may be half-built: start it again from the data
      status = sender.send(this.msg);
    }
    if (status !== SendStatus.Sent) throw new Error(`${this.options.spec}: the sender answered status ${status}`);
  }

  /** Writes the next slice of application data into the message. */
  protected fill(): void {
    const msg = this.msg;
    msg.resetPayload(this.options.packetSize);
    msg.bytes.set(this.data.next(), msg.head);
  }
}

/**
 * Send side: the measured sender pushes messages to a sink. The sink acknowledges every second
 * segment through a real peer TCP (its ACK frames carry valid checksums and digests), queued and
 * handed to the sender after each push, so ACK processing is part of the sender's work.
 */
class SendWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly peer: Stack;
  private readonly acks: FrameQueue;
  private readonly wire: Loopback | null = null;
  private pendingSegments = 0;
  private ackUpTo = 0;
  /** Data frames the sink took, and the sequence number after the last one. */
  private framesOut = 0;
  private lastEnd = 0;
  private readonly shared: SharedConnection | null;

  constructor(options: WorkloadOptions, shared: SharedConnection | null = null) {
    super(options);
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
      sender = new Stack(options.spec, { ...oa, crypto: options.crypto, ...onShared(shared, 'measured', options.tcpLockScope, sharedMessages(shared)) });
      receiver = new Stack(options.spec, { ...ob, crypto: options.crypto });
      checkPacketSize(sender, options.packetSize);
      wire = new Loopback(sender, receiver, 64);
      if (sender.transport === 'tcp' && receiver.transport === 'tcp') {
        if (shared.leader) {
          wire.handshake();
          shared.peerTcb.f.set(receiver.tcb!.f);
          Atomics.store(shared.words, SharedWord.maxAck, sender.tcb!.f[Tcb.sndNxt]!);
        } else {
          receiver.tcb!.f.set(shared.peerTcb.f);
        }
      }
    }
    this.sender = sender;
    this.peer = receiver;
    this.acks = wire.toA;
    if (options.verify) {
      // The peer receives and checks everything; its ACKs come back over the wire.
      this.wire = wire;
      this.peer.application = this.checkingApplication();
    } else {
      this.sender.attach(this.sink());
    }
  }

  protected stacks(): Stack[] {
    return [this.sender, this.peer];
  }

  /** Sent messages = frames on the wire; the sender's snd_nxt is the wire's last byte; snd_una is the peer's rcv_nxt. */
  override conservation(): string | null {
    if (this.wire !== null || this.sender.transport !== 'tcp' || this.peer.transport !== 'tcp') return null;
    if (this.framesOut !== this.packets) return `${this.packets} messages sent but ${this.framesOut} frames reached the wire`;
    const s = this.sender.tcb!.f;
    if (this.shared !== null) {
      // PLP: every worker has stopped (end barrier); all sequence space taken reached some wire.
      const maxAck = Atomics.load(this.shared.words, SharedWord.maxAck);
      return this.shared.leader && s[Tcb.sndNxt] !== maxAck ? `the shared snd_nxt ${s[Tcb.sndNxt]! >>> 0} is not the end of the last segment any worker sent ${maxAck >>> 0}` : null;
    }
    const sndNxt = s[Tcb.sndNxt]!;
    const sndUna = s[Tcb.sndUna]!;
    const peerRcvNxt = this.peer.tcb!.f[Tcb.rcvNxt]!;
    if (this.framesOut > 0 && sndNxt !== this.lastEnd) return `the sender's snd_nxt ${sndNxt >>> 0} is not the end of the last segment on the wire ${this.lastEnd >>> 0}`;
    if (sndUna !== peerRcvNxt) return `the sender counts ${sndUna >>> 0} acknowledged, the receiver ${peerRcvNxt >>> 0}: ${((peerRcvNxt - sndUna) | 0)} bytes acknowledged but not taken`;
    return null;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    this.acks.tap = tap;
    if (this.wire !== null) this.wire.toB.tap = tap;
  }


  /** Consumes frames; every second TCP segment, has the peer acknowledge everything so far. */
  private sink(): FrameSink {
    const tcpAt = transportOffset(this.sender);
    const peer = this.peer.transport === 'tcp' ? this.peer : null;
    return {
      transmit: (frame: Msg) => {
        if (this.tap !== null) this.tap(frame);
        const view = frame.view;
        const ip = frame.head + this.sender.linkHeaderBytes;
        this.observed = (this.observed + view.getUint16(ip + Ipv4Offset.checksum)) | 0;
        if (peer === null) return;
        const at = frame.head + tcpAt;
        const headerBytes = (view.getUint8(at + TcpOffset.dataOffsetFlags) >>> 4) << 2;
        const dataBytes = view.getUint16(ip + Ipv4Offset.totalLength) - (tcpAt - this.sender.linkHeaderBytes) - headerBytes;
        const end = (view.getInt32(at + TcpOffset.seq) + dataBytes) | 0;
        this.framesOut++;
        this.lastEnd = end;
        this.ackUpTo = this.shared === null ? end : raiseTo(this.shared.words, SharedWord.maxAck, end);
        if (++this.pendingSegments === 2) {
          this.pendingSegments = 0;
          peer.acknowledgeUpTo(this.ackUpTo);
        }
      },
    };
  }

  run(packets: number): number {
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
      this.wire.pump();
      if (windowClosed && this.peer.tick()) this.wire.pump();
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
}

/**
 * Receive side: the measured receiver takes frames from a source. Without `verify` the source
 * replays templates (genuine frames captured at set-up) with the sequence number advanced and the
 * TCP checksum updated (RFC 1624); with `verify` a real sender makes every frame.
 */
class ReceiveWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly receiver: Stack;
  private readonly wire: Loopback;
  private readonly templates: Msg[] = [];
  /** Each template's frame bytes, viewed once so replaying it copies natively without allocating. */
  private readonly templateFrames: Uint8Array[] = [];
  /** The frame the source fills; under PLP in the shared block, beside the reassembly ring. */
  private frame: Msg;
  private nextSeq = 0;
  private template = 0;
  private delivered = 0;
  /** Application messages delivered (template replay on one thread). */
  private messages = 0;
  private readonly shared: SharedConnection | null;
  /** TCP data bytes of each template (what the sequence number advances by). */
  private readonly segmentBytes: number[] = [];

  constructor(options: WorkloadOptions, shared: SharedConnection | null = null) {
    super(options);
    this.shared = shared;
    const { sender, receiver, wire } = connectedPair(options, options.verify, shared?.worker ?? 0);
    this.sender = sender;
    this.receiver = receiver;
    this.wire = wire;
    const messages = shared !== null ? sharedMessages(shared) : new BufferPool(1);
    this.frame = messages.get();
    if (options.verify) {
      const check = this.checkingApplication();
      this.receiver.application = {
        pop: (m: Msg) => {
          this.delivered += m.length;
          check.pop(m);
        },
      };
      return;
    }
    this.receiver.application = {
      pop: (m: Msg) => {
        this.delivered += m.length;
        this.messages++;
        this.observed = (this.observed + m.bytes[m.tail - 1]!) | 0;
      },
    };
    // Templates: consecutive genuine segments with varied random data (the paper's random-filled buffers).
    for (let i = 0; i < TEMPLATES; i++) {
      this.fill();
      if (this.sender.send(this.msg) !== SendStatus.Sent) throw new Error(`${options.spec}: could not build frame templates`);
      this.templates.push(this.wire.toB.frames.shift()!);
    }
    for (const t of this.templates) this.templateFrames.push(t.bytes.subarray(t.head, t.tail));
    this.nextSeq = this.receiver.tcb?.f[Tcb.rcvNxt] ?? 0; // rcv_nxt: the first template's sequence number
    if (shared !== null && this.receiver.transport === 'tcp') {
      // Packet-level parallelism: the templates came from a private pair; the measured receiver
      // is this worker's stack on the shared connection, which the leader sets to the same state.
      const [, ob] = endpoints(options.connection ?? 0, shared.worker);
      const private_ = this.receiver;
      this.receiver = new Stack(options.spec, { ...ob, crypto: options.crypto, enforceDigest: false, ...onShared(shared, 'measured', options.tcpLockScope, messages) });
      if (shared.leader) {
        shared.measuredTcb.f.set(private_.tcb!.f);
        Atomics.store(shared.words, SharedWord.nextSeq, this.nextSeq);
        Atomics.store(shared.words, SharedWord.committed, this.nextSeq);
        Atomics.store(shared.words, SharedWord.parked, 0);
      }
      const tcpAt = transportOffset(this.receiver);
      for (const t of this.templates) {
        const headerBytes = (t.view.getUint8(t.head + tcpAt + TcpOffset.dataOffsetFlags) >>> 4) << 2;
        this.segmentBytes.push(t.length - tcpAt - headerBytes);
      }
      this.receiver.application = inOrderApplication(
        shared,
        (m) => {
          this.messages++;
          this.observed = (this.observed + m.bytes[m.tail - 1]!) | 0;
        },
        (bytes) => void (this.delivered += bytes),
        () => void this.dataErrors++,
      );
    }
    this.receiver.attach(countingSink(this));
  }

  /**
   * The next sequence number from the shared counter, as a sender would send it: only within the
   * window the receiving application leaves (data not yet consumed counts against it, as in a
   * socket buffer) and a bounded number of segments, since nothing here retransmits.
   */
  private takeSequence(length: number): number {
    const words = this.shared!.words;
    const limit = Math.min(RCV_WINDOW, MAX_IN_FLIGHT * length);
    let deadline = 0;
    for (let spins = 0; ; spins++) {
      const next = Atomics.load(words, SharedWord.nextSeq);
      if (((next + length - Atomics.load(words, SharedWord.committed)) | 0) <= limit) {
        if (Atomics.compareExchange(words, SharedWord.nextSeq, next, (next + length) | 0) === next) return next;
        continue;
      }
      if (spins > 1000) {
        if (deadline === 0) deadline = Date.now() + STALL_MS;
        else if (Date.now() > deadline) throw new Error(`${this.options.spec}: the receive window stayed closed`);
      }
    }
  }

  protected stacks(): Stack[] {
    return [this.sender, this.receiver];
  }

  protected override measuredReceiver(): Stack {
    return this.receiver;
  }

  /** Frames offered = messages delivered + frames dropped (by reason) + segments still queued; bytes = messages × size. */
  override sharedAccount(): SharedAccount | null {
    if (this.shared === null || this.options.verify) return null;
    const queued = this.shared.leader ? (this.receiver.tcb?.f[Tcb.reassCount] ?? 0) : 0;
    return { offered: this.packets, delivered: this.messages, dropped: this.receiver.drops.total, queued };
  }

  override conservation(): string | null {
    if (this.shared !== null || this.options.verify) return null;
    const dropped = this.receiver.drops.total;
    const queued = this.receiver.tcb?.f[Tcb.reassCount] ?? 0;
    if (this.packets !== this.messages + dropped + queued) {
      return `${this.packets} frames offered, but ${this.messages} delivered + ${dropped} dropped + ${queued} queued = ${this.messages + dropped + queued}`;
    }
    if (this.delivered !== this.messages * this.options.packetSize) return `${this.messages} messages delivered ${this.delivered} bytes, not ${this.messages} × ${this.options.packetSize}`;
    return null;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    if (this.options.verify) {
      this.wire.toB.tap = tap;
      this.wire.toA.tap = tap;
    }
  }


  run(packets: number): number {
    const before = this.delivered;
    if (this.options.verify) {
      const settle = (): void => {
        this.wire.pump();
        if (this.receiver.tick()) this.wire.pump();
      };
      for (let i = 0; i < packets; i++) {
        this.sendNext(this.sender, settle);
        this.wire.pump();
      }
    } else {
      const receiver = this.receiver;
      const frame = this.frame;
      // (the measured receiver: under packet-level parallelism, the stack on the shared connection)
      const linkBytes = receiver.linkHeaderBytes;
      const tcpAt = receiver.transport === 'tcp' ? transportOffset(receiver) : -1;
      for (let i = 0; i < packets; i++) {
        frame.loadFrameView(this.templateFrames[this.template]!, linkBytes);
        if (this.shared !== null && tcpAt >= 0) {
          // Help deliver what a filled gap released, then take the next segment from the shared counter.
          while (receiver.deliverQueued());
          advanceSequence(frame, frame.head + tcpAt, this.takeSequence(this.segmentBytes[this.template]!));
        } else if (tcpAt >= 0) {
          this.nextSeq = advanceSequence(frame, frame.head + tcpAt, this.nextSeq);
        }
        this.template = (this.template + 1) % TEMPLATES;
        if (this.tap !== null) this.tap(frame);
        receiver.receive(frame);
      }
    }
    const bytes = this.delivered - before;
    this.packets += packets;
    this.bytes += bytes;
    return bytes;
  }
}

const TEMPLATES = 8;
/** Segments a PLP source keeps in flight at most: well inside the receiver's out-of-order queue. */
const MAX_IN_FLIGHT = 32;

/**
 * Sets the segment's sequence number to `seq`, fixes its checksum incrementally (RFC 1624,
 * eqn. 3: HC' = ~(~HC + ~m + m')), and answers the sequence number after its data.
 */
function advanceSequence(frame: Msg, tcpAt: number, seq: number): number {
  const view = frame.view;
  const old = view.getUint32(tcpAt + TcpOffset.seq);
  const next = seq >>> 0;
  let sum = ~view.getUint16(tcpAt + TcpOffset.checksum) & 0xffff;
  sum += (~(old >>> 16) & 0xffff) + (~old & 0xffff) + (next >>> 16) + (next & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint32(tcpAt + TcpOffset.seq, next);
  view.setUint16(tcpAt + TcpOffset.checksum, ~sum & 0xffff);
  const headerBytes = (view.getUint8(tcpAt + TcpOffset.dataOffsetFlags) >>> 4) << 2;
  return (seq + (frame.tail - tcpAt) - headerBytes) | 0;
}

/** A driver that consumes the receiver's ACK frames, keeping a trace of them. */
function countingSink(w: { observed: number; tap: ((frame: Msg) => void) | null }): FrameSink {
  return {
    transmit: (frame: Msg) => {
      if (w.tap !== null) w.tap(frame);
      w.observed = (w.observed + frame.length) | 0;
    },
  };
}

/** The message equals `expected` (from byte `skip` on: the bytes before carry a message number). */
function sameBytes(m: Msg, expected: Uint8Array, skip = 0): boolean {
  const length = expected.length;
  if (m.length !== length) return false;
  const bytes = m.bytes;
  for (let i = skip; i < length; i++) if (bytes[m.head + i] !== expected[i]) return false;
  return true;
}

/**
 * The drivers for one connection. With `shared`, this worker's part of a connection that several
 * workers process at once (packet-level parallelism); build the leader's first.
 */
export function createWorkload(options: WorkloadOptions, shared: SharedConnection | null = null): Workload {
  if (isGatewaySpec(options.spec)) return new GatewayWorkload(options);
  if (shared !== null && options.verify) return new SharedVerifyWorkload(options, shared);
  return options.side === 'send' ? new SendWorkload(options, shared) : new ReceiveWorkload(options, shared);
}

/**
 * --verify under packet-level parallelism: every worker has a sender and a receiver, each on the
 * shared connection's two ends, and a private wire between them, so the segments of one TCP
 * stream reach the shared receiver from several threads, out of order. Each message carries its
 * number in its first 4 bytes and data derived from it; the receiver checks each message and,
 * through the in-order application, that the stream arrives once and in order.
 */
class SharedVerifyWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly receiver: Stack;
  private readonly wire: Loopback;
  private delivered = 0;
  private readonly settle = (): void => {
    this.wire.pump();
    if (this.receiver.tick()) this.wire.pump();
  };

  constructor(options: WorkloadOptions, private readonly shared: SharedConnection) {
    super(options);
    const [oa, ob] = endpoints(options.connection ?? 0, shared.worker);
    const messages = sharedMessages(shared);
    this.sender = new Stack(options.spec, { ...oa, crypto: options.crypto, ...onShared(shared, 'measured', options.tcpLockScope, messages) });
    this.receiver = new Stack(options.spec, { ...ob, crypto: options.crypto, ...onShared(shared, 'peer', options.tcpLockScope, messages) });
    checkPacketSize(this.sender, options.packetSize);
    if (options.packetSize < 4) throw new RangeError('--verify with several workers needs packets of at least 4 bytes (each carries its number)');
    this.wire = new Loopback(this.sender, this.receiver, 64);
    if (shared.leader) {
      if (this.sender.transport === 'tcp') this.wire.handshake();
      Atomics.store(shared.words, SharedWord.committed, this.receiver.tcb?.f[Tcb.rcvNxt] ?? 0);
      Atomics.store(shared.words, SharedWord.parked, 0);
      Atomics.store(shared.words, SharedWord.messageIndex, 0);
    }
    const size = options.packetSize;
    const check = (m: Msg): void => {
      const index = m.length === size ? m.view.getUint32(m.head) : -1;
      // Bytes 0-3 carry the message number; the rest is the data stream at that message's place.
      if (index < 0 || !sameBytes(m, this.data.message(index), 4)) this.dataErrors++;
    };
    const credit = (bytes: number): void => void (this.delivered += bytes);
    this.receiver.application =
      this.receiver.transport === 'tcp'
        ? inOrderApplication(shared, check, credit, () => void this.dataErrors++)
        : { pop: (m: Msg) => (check(m), credit(m.length)) };
  }

  protected override fill(): void {
    const msg = this.msg;
    const size = this.options.packetSize;
    const index = Atomics.add(this.shared.words, SharedWord.messageIndex, 1) >>> 0;
    msg.resetPayload(size);
    msg.bytes.set(this.data.message(index), msg.head);
    msg.view.setUint32(msg.head, index);
  }

  run(packets: number): number {
    const before = this.delivered;
    for (let i = 0; i < packets; i++) {
      while (this.receiver.deliverQueued());
      this.sendNext(this.sender, this.settle);
      this.wire.pump();
    }
    const bytes = this.options.side === 'send' ? packets * this.options.packetSize : this.delivered - before;
    this.packets += packets;
    this.bytes += bytes;
    return bytes;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    this.wire.toB.tap = tap;
    this.wire.toA.tap = tap;
  }

  protected stacks(): Stack[] {
    return [this.sender, this.receiver];
  }

}

/** Drop counters by name, for messages. */
export function describeDrops(drops: Record<string, number>): string {
  const entries = Object.entries(drops);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
