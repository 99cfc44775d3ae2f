// TCP (RFC 793), shaped after BSD Net/2 tcp_input/tcp_output as the paper's x-kernel TCP was:
// three-way handshake at set-up, header prediction for in-order data and pure ACKs, an ACK for
// every second segment, an out-of-order queue, old and duplicate data discarded. Each pushed
// message is one segment and each segment is delivered up as one message, as x-kernel's TCP does,
// so message-oriented layers above (DES) keep their boundaries.
//
// This file is the layer: its locks, sending, and what follows input's decisions. The parts, as
// gVisor splits its TCP: the control block's layout (control-block.ts), input's state machine
// (input.ts), the out-of-order queue and receive ring (reassembly.ts), and the decisions input
// answers with (actions.ts). All connection state is in the control block; it is touched only
// between lock.acquire() and lock.release(), and checksums, copies and delivery happen outside,
// so packet-level parallelism can share one connection between threads.
//
// Not here: retransmission timers (the in-memory wire loses nothing a correct stack sends),
// congestion control, FIN/close, urgent data and RFC 1323 options.

import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../../checksum.js';
import { ControlOp, Layer, type LayerContext, type TransportEndpoints, type Lock, NO_LOCK, SendStatus } from '../../layer.js';
import type { LayerKind } from '../../layer-kind.js';
import { BufferPool, type Msg } from '../../message.js';
import type { TcpLockScope } from '../../stack-options.js';
import { IP_PROTO_TCP } from '../../wire/ipv4.js';
import {
  TCP_HEADER_BYTES,
  TCP_MAX_HEADER_BYTES,
  TCP_MSS_OPTION_BYTES,
  TcpFlag,
  TcpOffset,
  readTcpMss,
  setTcpChecksum,
  tcpHeaderBytes,
  writeTcpHeader,
} from '../../wire/tcp.js';
import { COPY_IN, DELIVER, DROP_SHIFT, Drop, MSS_KNOWN, PULL_QUEUE, SEND_ACK, SEND_SYN_ACK, TCP_DROPS, drop } from './actions.js';
import { RCV_WINDOW, Tcb, TcbFlag, TcpConnState, TcpControlBlock, seqGt } from './control-block.js';
import { input } from './input.js';
import { ReassemblyQueue } from './reassembly.js';

export { TCP_DROPS };

export interface TcpEndpoints extends TransportEndpoints {
  /** Initial send sequence number. */
  iss: number;
  lockScope?: TcpLockScope;
}

export class TcpLayer extends Layer {
  readonly name = 'tcp';
  readonly headerBytes = TCP_MAX_HEADER_BYTES;
  override readonly ipProtocol = IP_PROTO_TCP;

  readonly tcb: TcpControlBlock;
  private readonly queue: ReassemblyQueue;
  /** Guards the connection state (the shared mutex under packet-level parallelism). */
  private readonly lock: Lock;
  /** Held over a whole segment's processing (lock scope `segment`); a no-op otherwise. */
  private readonly segmentLock: Lock;
  /** The state lock inside a segment's processing: a no-op when segmentLock already holds it. */
  private readonly innerLock: Lock;
  private readonly ctlMsg: Msg;
  private readonly queueMsg: Msg;
  /** State lock: ring copies are made outside it (see ReassData). */
  private readonly copyOutsideLock: boolean;
  /** Largest segment data we accept from above (min of the peer's MSS and our path). */
  private sendMss = 0;
  /** Largest segment data the path below carries: what we advertise as our MSS. */
  private pathMss = 0;

  constructor(
    ctx: LayerContext,
    private readonly ends: TcpEndpoints,
    tcb?: TcpControlBlock,
    messages?: BufferPool,
  ) {
    super(ctx, TCP_DROPS);
    const wholeSegment = ends.lockScope === 'segment';
    this.lock = ctx.lock;
    this.segmentLock = wholeSegment ? ctx.lock : NO_LOCK;
    this.innerLock = wholeSegment ? NO_LOCK : ctx.lock;
    this.copyOutsideLock = !wholeSegment;
    this.tcb = tcb ?? new TcpControlBlock();
    this.queue = new ReassemblyQueue(this.tcb);
    const pool = messages ?? new BufferPool(2);
    this.ctlMsg = pool.get();
    this.queueMsg = pool.get();
  }

  override open(): void {
    this.pathMss = this.below.control(ControlOp.MaxPayload, 0) - TCP_HEADER_BYTES;
    if (this.pathMss <= 0) throw new RangeError('tcp: the layers below leave no room for a segment');
    this.peerMssKnown();
  }

  /** The largest segment we send: our path's, or less when the peer's MSS (in the control block) is smaller. */
  private peerMssKnown(): void {
    const peer = this.tcb.f[Tcb.peerMss]!;
    this.sendMss = Math.min(this.pathMss, peer > 0 ? peer : this.pathMss);
  }

  /** Passive open: wait for the peer's SYN. */
  listen(): void {
    const f = this.tcb.f;
    f.fill(0, 0, Tcb.reass);
    f[Tcb.state] = TcpConnState.Listen;
  }

  /** Active open: send SYN carrying our MSS. The handshake completes as segments are delivered. */
  connect(): void {
    const f = this.tcb.f;
    f.fill(0, 0, Tcb.reass);
    const iss = this.ends.iss | 0;
    f[Tcb.iss] = iss;
    f[Tcb.sndUna] = iss;
    f[Tcb.sndNxt] = (iss + 1) | 0;
    f[Tcb.sndMax] = (iss + 1) | 0;
    f[Tcb.remotePort] = this.ends.remotePort;
    f[Tcb.state] = TcpConnState.SynSent;
    this.sendSegment(TcpFlag.SYN, iss, 0, RCV_WINDOW, this.pathMss);
  }

  get established(): boolean {
    return this.tcb.f[Tcb.state] === TcpConnState.Established;
  }

  override control(op: ControlOp, arg: number): number {
    const f = this.tcb.f;
    switch (op) {
      case ControlOp.MaxPayload:
        return this.sendMss;
      case ControlOp.CanSend: {
        this.lock.acquire();
        const ok =
          f[Tcb.state] === TcpConnState.Established &&
          arg <= this.sendMss &&
          ((f[Tcb.sndNxt]! - f[Tcb.sndUna]!) | 0) + arg <= f[Tcb.sndWnd]!;
        this.lock.release();
        return ok ? 1 : 0;
      }
      case ControlOp.Tick: {
        this.lock.acquire();
        const owed = (f[Tcb.flags]! & TcbFlag.DelAck) !== 0;
        this.lock.release();
        if (owed) this.sendAck();
        return owed ? 1 : 0;
      }
      case ControlOp.DeliverQueued:
        // A racy look first: the lock is taken only when something may be waiting.
        return f[Tcb.reassCount]! > 0 && this.deliverQueued(1) ? 1 : 0;
      default:
        return super.control(op, arg);
    }
  }

  push(msg: Msg): SendStatus {
    this.segmentLock.acquire();
    let status: SendStatus;
    try {
      status = this.prepareSegment(msg);
    } finally {
      this.segmentLock.release();
    }
    return status === SendStatus.Sent ? this.below.push(msg) : status;
  }

  /** Takes sequence space for the message and writes the header in front of it. */
  private prepareSegment(msg: Msg): SendStatus {
    const f = this.tcb.f;
    const length = msg.length;
    this.innerLock.acquire();
    if (f[Tcb.state] !== TcpConnState.Established) {
      this.innerLock.release();
      return SendStatus.NotConnected;
    }
    if (length > this.sendMss) {
      this.innerLock.release();
      return SendStatus.TooBig;
    }
    const seq = f[Tcb.sndNxt]!;
    if (((seq - f[Tcb.sndUna]!) | 0) + length > f[Tcb.sndWnd]!) {
      this.innerLock.release();
      return SendStatus.WouldBlock;
    }
    const next = (seq + length) | 0;
    f[Tcb.sndNxt] = next;
    if (seqGt(next, f[Tcb.sndMax]!)) f[Tcb.sndMax] = next;
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    f[Tcb.rcvAdv] = (ack + window) | 0;
    f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.AckNow | TcbFlag.DelAck); // the ACK rides on this segment
    f[Tcb.segsOut]!++;
    this.innerLock.release();

    const at = msg.prepend(TCP_HEADER_BYTES);
    writeTcpHeader(msg.view, at, this.ends.localPort, this.ends.remotePort, seq, ack, TcpFlag.ACK | TcpFlag.PSH, window);
    this.fillChecksum(msg, at);
    return SendStatus.Sent;
  }

  pop(msg: Msg): void {
    this.segmentLock.acquire();
    let action: number;
    try {
      action = this.receive(msg);
      if ((action & COPY_IN) !== 0 && this.copyIn(msg)) action |= PULL_QUEUE;
    } finally {
      this.segmentLock.release();
    }
    if ((action & MSS_KNOWN) !== 0) this.peerMssKnown();
    if ((action & DELIVER) !== 0) this.above.pop(msg);
    if ((action & PULL_QUEUE) !== 0) this.deliverQueued();
    if ((action & SEND_SYN_ACK) !== 0)
      this.sendSegment(TcpFlag.SYN | TcpFlag.ACK, this.tcb.f[Tcb.iss]!, this.tcb.f[Tcb.rcvNxt]!, RCV_WINDOW, this.pathMss);
    else if ((action & SEND_ACK) !== 0) this.sendAck();
    if (action >>> DROP_SHIFT !== 0) this.drops.count((action >>> DROP_SHIFT) - 1);
  }

  /** Checks the segment and runs the state machine (input.ts); answers what to do next (actions.ts). */
  private receive(msg: Msg): number {
    const view = msg.view;
    const at = msg.head;
    const length = msg.length;
    if (length < TCP_HEADER_BYTES) return drop(Drop.Length);
    const headerBytes = tcpHeaderBytes(view, at);
    if (headerBytes < TCP_HEADER_BYTES || headerBytes > length) return drop(Drop.Length);
    const pseudo = pseudoHeaderSum(msg.srcAddr, msg.dstAddr, IP_PROTO_TCP, length);
    if (fold(onesSum(msg.bytes, at, length, pseudo)) !== 0xffff) return drop(Drop.Checksum);
    if (view.getUint16(at + TcpOffset.dstPort) !== this.ends.localPort) return drop(Drop.Port);
    let mss = 0;
    if (headerBytes > TCP_HEADER_BYTES) {
      mss = readTcpMss(view, at, headerBytes);
      if (mss < 0) return drop(Drop.Option);
    }
    this.innerLock.acquire();
    try {
      return input(this.tcb, this.queue, this.ends, msg, at, headerBytes, mss);
    } finally {
      this.innerLock.release();
    }
  }

  /**
   * Copies the data input() just queued into the ring, then marks its entry ready. Outside the
   * state lock: under packet-level parallelism other threads' segments go on meanwhile. Answers
   * whether queued data now waits at rcv_nxt (to be delivered).
   */
  private copyIn(msg: Msg): boolean {
    this.queue.copyPendingIn(msg);
    this.innerLock.acquire();
    this.queue.pendingReady();
    const ready = this.queue.headReady();
    this.innerLock.release();
    return ready;
  }

  /**
   * Delivers queued segments that are now in order, one message each, oldest first, at most
   * `limit` of them. Answers whether it delivered any. Under the state lock the copy out of the
   * ring is made outside it: the entry stays, marked CopyingOut, so its ring bytes are not reused.
   */
  private deliverQueued(limit = Infinity): boolean {
    const msg = this.queueMsg;
    const queue = this.queue;
    for (let n = 0; ; n++) {
      if (n === limit) return true;
      this.lock.acquire();
      const ready = queue.headReady();
      const seq = ready ? queue.takeHead(msg, this.copyOutsideLock) : 0;
      this.lock.release();
      if (!ready) return n > 0;
      if (this.copyOutsideLock) {
        queue.copyOut(msg);
        this.lock.acquire();
        queue.removeCopiedOut(seq);
        const update = queue.windowReopened();
        this.lock.release();
        if (update) this.sendAck();
      }
      this.above.pop(msg);
    }
  }

  /**
   * For a driver that plays the receiving peer: takes everything below `seq` as received and
   * consumed, and sends the ACK for it.
   */
  acknowledgeUpTo(seq: number): void {
    this.lock.acquire();
    this.tcb.f[Tcb.rcvNxt] = seq | 0;
    this.lock.release();
    this.sendAck();
  }

  private sendAck(): void {
    const f = this.tcb.f;
    this.lock.acquire();
    f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.AckNow | TcbFlag.DelAck);
    const seq = f[Tcb.sndNxt]!;
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    f[Tcb.rcvAdv] = (ack + window) | 0;
    this.lock.release();
    this.sendSegment(TcpFlag.ACK, seq, ack, window, 0);
  }

  /** A segment without data (SYN, SYN-ACK, ACK) from this layer's own buffer. */
  private sendSegment(flags: number, seq: number, ack: number, window: number, mss: number): void {
    const msg = this.ctlMsg;
    msg.resetPayload(0);
    const at = msg.prepend(mss === 0 ? TCP_HEADER_BYTES : TCP_HEADER_BYTES + TCP_MSS_OPTION_BYTES);
    writeTcpHeader(msg.view, at, this.ends.localPort, this.ends.remotePort, seq, ack, flags, window, mss);
    this.fillChecksum(msg, at);
    this.tcb.f[Tcb.acksOut]!++;
    this.below.push(msg);
  }

  private fillChecksum(msg: Msg, at: number): void {
    const length = msg.tail - at;
    const pseudo = pseudoHeaderSum(this.ends.localAddr, this.ends.remoteAddr, IP_PROTO_TCP, length);
    setTcpChecksum(msg.view, at, internetChecksum(msg.bytes, at, length, pseudo));
  }
}

export const TCP_KIND: LayerKind = {
  name: 'tcp',
  below: ['md5', 'ip'],
  top: true,
  gateway: false,
  transport: 'tcp',
  build: ({ ctx, ends, options }) =>
    new TcpLayer(ctx, { ...ends, iss: options.iss ?? 0, lockScope: options.tcpLockScope ?? 'state' }, options.state?.tcb, options.messages),
  drops: TCP_DROPS,
  checks: () => ({ enforced: ['tcp checksum', 'tcp sequence and window'], computedOnly: [] }),
  fuzzStacks: [],
};
