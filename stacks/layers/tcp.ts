// TCP (RFC 793), shaped after BSD Net/2 tcp_input/tcp_output as the paper's x-kernel TCP was:
// three-way handshake at set-up, header prediction for in-order data and pure ACKs, an ACK for
// every second segment, an out-of-order queue, old and duplicate data discarded. Each pushed
// message is one segment and each segment is delivered up as one message, as x-kernel's TCP does,
// so message-oriented layers above (DES) keep their boundaries.
//
// All connection state is in a TcpControlBlock. State is touched only between lock.acquire() and
// lock.release(); checksums and delivery happen outside, so packet-level parallelism can share one
// connection between threads.
//
// Not here: retransmission timers (the in-memory wire loses nothing a correct stack sends),
// congestion control, FIN/close, urgent data and RFC 1323 options.

import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../checksum.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, type TransportEndpoints, type Lock, NO_LOCK, SendStatus } from '../layer.js';
import { BufferPool, type Msg, copyBytes } from '../message.js';
import type { TcpLockScope } from '../stack-options.js';
import { IP_PROTO_TCP } from '../wire/ipv4.js';
import {
  TCP_HEADER_BYTES,
  TCP_MAX_HEADER_BYTES,
  TCP_MSS_OPTION_BYTES,
  TcpFlag,
  TcpOffset,
  readTcpMss,
  tcpHeaderBytes,
  writeTcpHeader,
} from '../wire/tcp.js';
import {
  RCV_RING_BYTES,
  RCV_WINDOW,
  REASS_ENTRY,
  ReassData,
  REASS_SLOTS,
  Tcb,
  TcbFlag,
  TcpConnState,
  TcpControlBlock,
  seqGt,
  seqLeq,
  seqLt,
} from './tcp-control-block.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as tcp-<reason>). */
export const TCP_DROPS = dropGroup('tcp', {
  Length: 'length', // shorter than a TCP header, or a data offset outside the segment
  Checksum: 'checksum',
  Port: 'port', // not this connection's ports
  Option: 'option', // a malformed option
  State: 'state', // a segment the connection's state does not accept (RST, stray SYN, no ACK, ...)
  Duplicate: 'duplicate', // old or duplicate data: already received
  OutOfWindow: 'out-of-window', // beyond the receive window
  AckUnsent: 'ack-unsent', // acknowledges data never sent
  ReassemblyFull: 'reassembly-full', // out-of-order queue has no free entry
});
const Drop = TCP_DROPS.code;

/** RFC 1122 §4.2.2.6: the MSS assumed when the peer sends none. */
const DEFAULT_PEER_MSS = 536;
const RING_MASK = RCV_RING_BYTES - 1;

// What input() decided, done after the lock is released: bits, plus a drop reason + 1 above them.
const DELIVER = 1;
const PULL_QUEUE = 2;
const SEND_ACK = 4;
const SEND_SYN_ACK = 8;
/** Out-of-order data was queued: copy it into the ring (pendingSeq/pendingAt/pendingLength). */
const COPY_IN = 16;
const DROP_SHIFT = 8;

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
  /** Guards the connection state (the shared mutex under packet-level parallelism). */
  private readonly lock: Lock;
  /** Held over a whole segment's processing (lock scope `segment`); a no-op otherwise. */
  private readonly segmentLock: Lock;
  /** The state lock inside a segment's processing: a no-op when segmentLock already holds it. */
  private readonly innerLock: Lock;
  private readonly ctlMsg: Msg;
  private readonly queueMsg: Msg;
  /** What enqueue() queued for copyIn(): this thread's own, so no lock is needed for them. */
  private pendingSeq = 0;
  private pendingAt = 0;
  private pendingLength = 0;
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
    const pool = messages ?? new BufferPool(2);
    this.ctlMsg = pool.get();
    this.queueMsg = pool.get();
  }

  override open(): void {
    this.pathMss = this.below.control(ControlOp.MaxPayload, 0) - TCP_HEADER_BYTES;
    if (this.pathMss <= 0) throw new RangeError('tcp: the layers below leave no room for a segment');
    const f = this.tcb.f;
    this.sendMss = Math.min(this.pathMss, f[Tcb.peerMss]! > 0 ? f[Tcb.peerMss]! : this.pathMss);
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
    const window = this.advertisedWindow(ack);
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
    if ((action & DELIVER) !== 0) this.above.pop(msg);
    if ((action & PULL_QUEUE) !== 0) this.deliverQueued();
    if ((action & SEND_SYN_ACK) !== 0)
      this.sendSegment(TcpFlag.SYN | TcpFlag.ACK, this.tcb.f[Tcb.iss]!, this.tcb.f[Tcb.rcvNxt]!, RCV_WINDOW, this.pathMss);
    else if ((action & SEND_ACK) !== 0) this.sendAck();
    if (action >>> DROP_SHIFT !== 0) this.drops.count((action >>> DROP_SHIFT) - 1);
  }

  /** Checks the segment and runs the state machine; answers what to do next (see input()). */
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
      return this.input(msg, at, headerBytes, mss);
    } finally {
      this.innerLock.release();
    }
  }

  /**
   * The state machine, under the lock. Leaves `msg` trimmed to the data to deliver when the
   * answer has DELIVER. Answers what to do once the lock is released.
   */
  // eslint-disable-next-line max-lines-per-function -- the per-packet path, one function on purpose (issue 16 splits TCP)
  private input(msg: Msg, at: number, headerBytes: number, mss: number): number {
    const f = this.tcb.f;
    const view = msg.view;
    const srcPort = view.getUint16(at + TcpOffset.srcPort);
    let seq = view.getInt32(at + TcpOffset.seq);
    const ack = view.getInt32(at + TcpOffset.ack);
    const flags = view.getUint8(at + TcpOffset.dataOffsetFlags + 1) & 0x3f;
    const win = view.getUint16(at + TcpOffset.window);
    let dataLength = msg.length - headerBytes;
    const state = f[Tcb.state]!;

    if (state !== TcpConnState.Listen && srcPort !== f[Tcb.remotePort]) return drop(Drop.Port);
    f[Tcb.segsIn]!++;

    // Header prediction (Net/2 tcp_input): in-order, nothing unusual, window unchanged.
    if (
      state === TcpConnState.Established &&
      (flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST | TcpFlag.URG | TcpFlag.ACK)) === TcpFlag.ACK &&
      seq === f[Tcb.rcvNxt] &&
      win === f[Tcb.sndWnd] &&
      f[Tcb.sndNxt] === f[Tcb.sndMax]
    ) {
      if (dataLength === 0) {
        if (seqGt(ack, f[Tcb.sndUna]!) && seqLeq(ack, f[Tcb.sndMax]!)) {
          f[Tcb.predictedAcks]!++;
          f[Tcb.sndUna] = ack;
          return 0;
        }
      } else if (ack === f[Tcb.sndUna] && f[Tcb.reassCount] === 0) {
        f[Tcb.predictedData]!++;
        f[Tcb.rcvNxt] = (seq + dataLength) | 0;
        msg.strip(headerBytes);
        msg.streamSeq = seq;
        msg.streamNext = f[Tcb.rcvNxt]!;
        this.delivered(dataLength);
        return DELIVER | this.ackEverySecond();
      }
    }

    switch (state) {
      case TcpConnState.Closed:
        return drop(Drop.State);
      case TcpConnState.Listen: {
        if ((flags & (TcpFlag.RST | TcpFlag.ACK | TcpFlag.SYN)) !== TcpFlag.SYN) return drop(Drop.State);
        if (srcPort !== this.ends.remotePort) return drop(Drop.Port);
        const iss = this.ends.iss | 0;
        f[Tcb.remotePort] = srcPort;
        f[Tcb.irs] = seq;
        f[Tcb.rcvNxt] = (seq + 1) | 0;
        f[Tcb.iss] = iss;
        f[Tcb.sndUna] = iss;
        f[Tcb.sndNxt] = (iss + 1) | 0;
        f[Tcb.sndMax] = (iss + 1) | 0;
        f[Tcb.sndWnd] = win;
        f[Tcb.sndWl1] = seq;
        f[Tcb.sndWl2] = iss;
        this.setPeerMss(mss);
        f[Tcb.state] = TcpConnState.SynReceived;
        return SEND_SYN_ACK;
      }
      case TcpConnState.SynSent: {
        const ackOk = (flags & TcpFlag.ACK) !== 0 && seqGt(ack, f[Tcb.iss]!) && seqLeq(ack, f[Tcb.sndMax]!);
        if ((flags & TcpFlag.ACK) !== 0 && !ackOk) return drop(Drop.State);
        if ((flags & TcpFlag.RST) !== 0) {
          if (ackOk) f[Tcb.state] = TcpConnState.Closed;
          return drop(Drop.State);
        }
        // A SYN without ACK would be a simultaneous open, which set-up never does.
        if ((flags & TcpFlag.SYN) === 0 || !ackOk) return drop(Drop.State);
        f[Tcb.irs] = seq;
        f[Tcb.rcvNxt] = (seq + 1) | 0;
        f[Tcb.sndUna] = ack;
        f[Tcb.sndWnd] = win;
        f[Tcb.sndWl1] = seq;
        f[Tcb.sndWl2] = ack;
        this.setPeerMss(mss);
        f[Tcb.state] = TcpConnState.Established;
        return SEND_ACK;
      }
    }

    // SYN_RECEIVED and ESTABLISHED (Net/2 from "trim segment to fit the window" on).
    if ((flags & TcpFlag.SYN) !== 0) return drop(Drop.State);
    let dataAt = at + headerBytes;
    let answer = 0;
    let dropReason = -1;

    const rcvNxt = f[Tcb.rcvNxt]!;
    let excess = (rcvNxt - seq) | 0;
    if (excess > 0) {
      if (excess >= dataLength) {
        // Entirely old: a duplicate. Its data is discarded, its ACK field still counts.
        if (dataLength > 0) {
          f[Tcb.duplicates]!++;
          answer |= SEND_ACK;
          dropReason = Drop.Duplicate;
        }
        dataLength = 0;
      } else {
        dataAt += excess;
        dataLength -= excess;
      }
      seq = (seq + excess) | 0;
    }
    excess = (seq + dataLength - this.windowEnd(rcvNxt)) | 0;
    if (excess > 0) {
      if (excess >= dataLength && dataLength > 0) return drop(Drop.OutOfWindow) | SEND_ACK;
      dataLength -= Math.min(excess, dataLength);
    }
    if ((flags & TcpFlag.RST) !== 0) {
      f[Tcb.state] = TcpConnState.Closed;
      return drop(Drop.State);
    }
    if ((flags & TcpFlag.ACK) === 0) return drop(Drop.State);

    if (state === TcpConnState.SynReceived) {
      if (!(seqGt(ack, f[Tcb.sndUna]!) && seqLeq(ack, f[Tcb.sndMax]!))) return drop(Drop.State);
      f[Tcb.state] = TcpConnState.Established;
      f[Tcb.sndWnd] = win;
      f[Tcb.sndWl1] = seq;
      f[Tcb.sndWl2] = ack;
    }

    if (seqLeq(ack, f[Tcb.sndUna]!)) {
      if (dataLength === 0 && win === f[Tcb.sndWnd]) f[Tcb.duplicateAcks]!++;
    } else if (seqGt(ack, f[Tcb.sndMax]!)) {
      return drop(Drop.AckUnsent) | SEND_ACK;
    } else {
      f[Tcb.sndUna] = ack;
    }
    const wl1 = f[Tcb.sndWl1]!;
    const wl2 = f[Tcb.sndWl2]!;
    if (seqLt(wl1, seq) || (wl1 === seq && (seqLt(wl2, ack) || (wl2 === ack && win > f[Tcb.sndWnd]!)))) {
      f[Tcb.sndWnd] = win;
      f[Tcb.sndWl1] = seq;
      f[Tcb.sndWl2] = ack;
    }

    if (dataLength > 0 && seq === rcvNxt && f[Tcb.reassCount] !== 0) {
      // In-order data stops where another thread's queued data is still being copied in.
      dataLength = this.clipToPending(seq, dataLength);
      if (dataLength === 0) {
        f[Tcb.duplicates]!++;
        answer |= SEND_ACK;
        dropReason = Drop.Duplicate;
      }
    }
    if (dataLength > 0) {
      if (seq === rcvNxt) {
        f[Tcb.rcvNxt] = (seq + dataLength) | 0;
        msg.strip(dataAt - at);
        msg.trimTo(dataLength);
        msg.streamSeq = seq;
        msg.streamNext = (seq + dataLength) | 0;
        this.delivered(dataLength);
        if (f[Tcb.reassCount] === 0) {
          answer |= DELIVER | this.ackEverySecond();
        } else {
          this.trimQueue();
          answer |= DELIVER | PULL_QUEUE | SEND_ACK;
        }
      } else {
        // Out of order: queue it (its copy into the ring is made once the lock is released)
        // and tell the peer what we still expect.
        f[Tcb.outOfOrder]!++;
        const queued = this.enqueue(dataAt, seq, dataLength);
        if (queued >= 0) dropReason = queued;
        else answer |= COPY_IN;
        answer |= SEND_ACK;
      }
    }
    return dropReason >= 0 ? answer | ((dropReason + 1) << DROP_SHIFT) : answer;
  }

  /** BSD's delayed ACK, reduced to its effect here: the second unacknowledged segment is ACKed at once. */
  private ackEverySecond(): number {
    const f = this.tcb.f;
    const flags = f[Tcb.flags]!;
    if ((flags & TcbFlag.DelAck) !== 0) {
      f[Tcb.flags] = flags & ~TcbFlag.DelAck;
      return SEND_ACK;
    }
    f[Tcb.flags] = flags | TcbFlag.DelAck;
    return 0;
  }

  private delivered(length: number): void {
    const f = this.tcb.f;
    f[Tcb.bytesDelivered] = (f[Tcb.bytesDelivered]! + length) | 0;
  }

  private setPeerMss(mss: number): void {
    const peer = mss > 0 ? mss : DEFAULT_PEER_MSS;
    this.tcb.f[Tcb.peerMss] = peer;
    this.sendMss = Math.min(this.pathMss, peer);
  }

  /**
   * Inserts [seq, seq + length) into the sorted out-of-order queue, trimming it against what is
   * queued (tcp_reass), as pending: the caller copies the data into the ring after the lock is
   * released (copyIn). Answers -1 when queued, or the drop reason when nothing new was kept.
   */
  private enqueue(dataAt: number, seq: number, length: number): number {
    const f = this.tcb.f;
    let count = f[Tcb.reassCount]!;
    let slot = 0;
    while (slot < count && seqLeq(f[entry(slot)]!, seq)) slot++;
    if (slot > 0) {
      const prev = entry(slot - 1);
      const overlap = (f[prev]! + f[prev + 1]! - seq) | 0;
      if (overlap > 0) {
        seq = (seq + overlap) | 0;
        dataAt += overlap;
        length -= overlap;
      }
    }
    // Later entries the new data covers are trimmed or removed; a pending one is kept whole and
    // the new data stops in front of it.
    while (slot < count && length > 0) {
      const next = entry(slot);
      const overlap = (seq + length - f[next]!) | 0;
      if (overlap <= 0) break;
      if (f[next + 2] === ReassData.CopyingIn) {
        length = (f[next]! - seq) | 0;
        break;
      }
      if (overlap < f[next + 1]!) {
        f[next] = (f[next]! + overlap) | 0;
        f[next + 1] = f[next + 1]! - overlap;
        break;
      }
      this.removeEntry(slot);
      count--;
    }
    if (length <= 0) {
      f[Tcb.duplicates]!++;
      return Drop.Duplicate;
    }
    if (count === REASS_SLOTS) return Drop.ReassemblyFull;
    f.copyWithin(entry(slot + 1), entry(slot), entry(count));
    const at = entry(slot);
    f[at] = seq;
    f[at + 1] = length;
    f[at + 2] = ReassData.CopyingIn;
    f[Tcb.reassCount] = count + 1;
    this.pendingSeq = seq;
    this.pendingAt = dataAt;
    this.pendingLength = length;
    return -1;
  }

  /**
   * Copies the data enqueue() just queued into the ring, then marks its entry ready. Outside the
   * state lock: under packet-level parallelism other threads' segments go on meanwhile. Answers
   * whether queued data now waits at rcv_nxt (to be delivered).
   */
  private copyIn(msg: Msg): boolean {
    const seq = this.pendingSeq;
    this.copyIntoRing(msg.bytes, this.pendingAt, seq, this.pendingLength);
    const f = this.tcb.f;
    this.innerLock.acquire();
    const count = f[Tcb.reassCount]!;
    // An entry being copied in is never trimmed or removed, so it still starts at seq.
    for (let slot = 0; slot < count; slot++) {
      if (f[entry(slot)] === seq && f[entry(slot) + 2] === ReassData.CopyingIn) {
        f[entry(slot) + 2] = ReassData.Ready;
        break;
      }
    }
    const ready = this.headReady();
    this.innerLock.release();
    return ready;
  }

  /** The first entry not being copied out: entries behind rcv_nxt being copied out lead the queue. */
  private firstQueued(): number {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    let slot = 0;
    while (slot < count && f[entry(slot) + 2] === ReassData.CopyingOut) slot++;
    return slot;
  }

  /** The first queued entry starts at rcv_nxt and its data is in the ring. Under the lock. */
  private headReady(): boolean {
    const f = this.tcb.f;
    const slot = this.firstQueued();
    const at = entry(slot);
    return slot < f[Tcb.reassCount]! && f[at] === f[Tcb.rcvNxt] && f[at + 2] === ReassData.Ready;
  }

  /**
   * Where the receive window ends: RCV_WINDOW past rcv_nxt, and never so far that data would land
   * on ring bytes still being copied out (the oldest such entry leads the queue).
   */
  private windowEnd(rcvNxt: number): number {
    const f = this.tcb.f;
    const end = (rcvNxt + RCV_WINDOW) | 0;
    if (f[Tcb.reassCount] === 0 || f[Tcb.reass + 2] !== ReassData.CopyingOut) return end;
    const ringEnd = (f[Tcb.reass]! + RCV_RING_BYTES) | 0;
    return seqLt(ringEnd, end) ? ringEnd : end;
  }

  /** The window to advertise with an ACK of rcv_nxt: what windowEnd() accepts. Under the lock. */
  private advertisedWindow(rcvNxt: number): number {
    return Math.max((this.windowEnd(rcvNxt) - rcvNxt) | 0, 0);
  }

  /** How much of in-order [seq, seq + length) lies before the first entry still being copied in. */
  private clipToPending(seq: number, length: number): number {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    for (let slot = 0; slot < count; slot++) {
      const at = entry(slot);
      if (f[at + 2] !== ReassData.CopyingIn) continue;
      const before = (f[at]! - seq) | 0;
      return before < length ? Math.max(before, 0) : length;
    }
    return length;
  }

  private removeEntry(slot: number): void {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    f.copyWithin(entry(slot), entry(slot + 1), entry(count));
    f[Tcb.reassCount] = count - 1;
  }

  /** Drops queued data that in-order data has just covered (never an entry being copied in: see clipToPending). */
  private trimQueue(): void {
    const f = this.tcb.f;
    const rcvNxt = f[Tcb.rcvNxt]!;
    const first = this.firstQueued();
    while (first < f[Tcb.reassCount]!) {
      const at = entry(first);
      const covered = (rcvNxt - f[at]!) | 0;
      if (covered <= 0) return;
      if (covered < f[at + 1]!) {
        f[at] = rcvNxt;
        f[at + 1] = f[at + 1]! - covered;
        return;
      }
      this.removeEntry(first);
    }
  }

  /**
   * Delivers queued segments that are now in order, one message each, oldest first, at most
   * `limit` of them. Answers whether it delivered any. Under the state lock the copy out of the
   * ring is made outside it: the entry stays, marked CopyingOut, so its ring bytes are not reused.
   */
  private deliverQueued(limit = Infinity): boolean {
    const f = this.tcb.f;
    const msg = this.queueMsg;
    for (let n = 0; ; n++) {
      if (n === limit) return true;
      this.lock.acquire();
      const ready = this.headReady();
      let seq = 0;
      let length = 0;
      if (ready) {
        const at = entry(this.firstQueued());
        seq = f[at]!;
        length = f[at + 1]!;
        f[Tcb.rcvNxt] = (seq + length) | 0;
        f[Tcb.reassDelivered]!++;
        this.delivered(length);
        msg.resetPayload(length);
        msg.streamSeq = seq;
        msg.streamNext = (seq + length) | 0;
        if (this.copyOutsideLock) {
          f[at + 2] = ReassData.CopyingOut;
        } else {
          this.copyFromRing(msg.bytes, msg.head, seq, length);
          this.removeEntry(this.firstQueued());
        }
      }
      this.lock.release();
      if (!ready) return n > 0;
      if (this.copyOutsideLock) {
        this.copyFromRing(msg.bytes, msg.head, seq, length);
        this.lock.acquire();
        this.removeCopiedOut(seq);
        const update = this.windowReopened();
        this.lock.release();
        if (update) this.sendAck();
      }
      this.above.pop(msg);
    }
  }

  /**
   * The window is whole again (no copy out of the ring under way) but the peer was last told of a
   * smaller one: it must hear of the reopened window, or a sender that has filled the smaller
   * window would wait for an ACK that never comes (we have no persist timer). Under the lock.
   */
  private windowReopened(): boolean {
    const f = this.tcb.f;
    const rcvNxt = f[Tcb.rcvNxt]!;
    return seqLt(f[Tcb.rcvAdv]!, this.windowEnd(rcvNxt)) && this.windowEnd(rcvNxt) === ((rcvNxt + RCV_WINDOW) | 0);
  }

  private removeCopiedOut(seq: number): void {
    const f = this.tcb.f;
    const count = f[Tcb.reassCount]!;
    for (let slot = 0; slot < count; slot++) {
      if (f[entry(slot)] === seq && f[entry(slot) + 2] === ReassData.CopyingOut) {
        this.removeEntry(slot);
        return;
      }
    }
  }

  private copyIntoRing(src: Uint8Array, at: number, seq: number, length: number): void {
    const ring = this.tcb.ring;
    const pos = seq & RING_MASK;
    const first = Math.min(length, RCV_RING_BYTES - pos);
    copyBytes(ring, pos, src, at, first);
    if (first < length) copyBytes(ring, 0, src, at + first, length - first);
  }

  private copyFromRing(dst: Uint8Array, at: number, seq: number, length: number): void {
    const ring = this.tcb.ring;
    const pos = seq & RING_MASK;
    const first = Math.min(length, RCV_RING_BYTES - pos);
    copyBytes(dst, at, ring, pos, first);
    if (first < length) copyBytes(dst, at + first, ring, 0, length - first);
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
    const window = this.advertisedWindow(ack);
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
    msg.view.setUint16(at + TcpOffset.checksum, internetChecksum(msg.bytes, at, length, pseudo));
  }
}

/** Index in Tcb of the out-of-order queue's entry `slot`. */
function entry(slot: number): number {
  return Tcb.reass + REASS_ENTRY * slot;
}

function drop(code: number): number {
  return (code + 1) << DROP_SHIFT;
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
