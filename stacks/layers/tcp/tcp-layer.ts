// TCP (RFC 793), shaped after BSD Net/2 tcp_input/tcp_output as the paper's x-kernel TCP was:
// three-way handshake at set-up, header prediction for in-order data and pure ACKs, an ACK for
// every second segment, an out-of-order queue, old and duplicate data discarded.
//
// A byte stream: a write that fits one segment goes down at once as that segment, in place (as
// x-kernel's TCP sends each message), or is refused while the windows are closed; a larger write,
// or one behind data still waiting, waits in the send queue and goes out in segments of at most
// the MSS as the windows allow (output, BSD's tcp_output), never one segment across two writes.
// Each segment's data is delivered up as it comes in order, with its place in the stream
// (Msg.streamSeq); a layer above that needs records (DES) carries their lengths itself.
//
// This file is the layer: its locks, sending, and what follows input's decisions. The parts, as
// gVisor splits its TCP: the control block's layout (control-block.ts), input's state machine
// (input.ts), the out-of-order queue and receive ring (reassembly.ts), and the decisions input
// answers with (actions.ts). All connection state is in the control block; it is touched only
// between lock.acquire() and lock.release(), and checksums, copies and delivery happen outside,
// so packet-level parallelism can share one connection between threads.
//
// What is sent is kept in the send queue (send-queue.ts) until acknowledged, and sent again by the
// retransmission timer, fast retransmit or a partial ACK (retransmission.ts, timers.ts, congestion.ts);
// the timers run on the stack's clock, from tick(now).
//
// Options: the MSS both ways; a peer's window scale accepted (our SYN-ACK answers with a shift of 0)
// and its timestamps refused by not echoing them (RFC 7323), other options skipped by their length.
//
// Not here: urgent data, timestamps in use (refused, as RFC 7323 allows), SACK.

import { fold, internetChecksum, onesSum, pseudoHeaderSum } from '../../checksum.js';
import { ControlOp, Layer, type LayerContext, type TransportEndpoints, type Lock, NO_LOCK, NO_TIME, SendStatus } from '../../layer.js';
import type { SegmentBacklog } from './backlog.js';
import type { LayerKind } from '../../layer-kind.js';
import { BufferPool, DEFAULT_SLOT_BYTES, type Msg } from '../../message.js';
import type { TcpLockScope } from '../../stack-options.js';
import { IP_PROTO_TCP } from '../../wire/ipv4.js';
import {
  TCP_HEADER_BYTES,
  TCP_MAX_HEADER_BYTES,
  TcpFlag,
  TcpOffset,
  type TcpOptions,
  readTcpOptions,
  tcpHeaderBytesFor,
  setTcpChecksum,
  tcpHeaderBytes,
  writeTcpHeader,
} from '../../wire/tcp.js';
import {
  COPY_IN,
  DELIVER,
  DROP_SHIFT,
  Drop,
  MSS_KNOWN,
  PULL_QUEUE,
  RETRANSMIT,
  type Reply,
  SEND_ACK,
  SEND_DATA,
  SEND_PROBE,
  SEND_RST,
  SEND_SYN_ACK,
  TCP_DROPS,
  drop,
} from './actions.js';
import {
  MAX_WRITE,
  RCV_SAMPLES_AT,
  RCV_WINDOW,
  SND_RING_BYTES,
  SND_SAMPLES_AT,
  Tcb,
  TcbFlag,
  TcpConnState,
  TcpControlBlock,
  maySend,
  seqGt,
} from './control-block.js';
import { SampleTimes } from './sample-times.js';
import { input } from './input.js';
import { sendAllowance } from './congestion.js';
import { ReassemblyQueue } from './reassembly.js';
import { timersAt } from './retransmission.js';
import { SendQueue } from './send-queue.js';
import { MIN_RTO_MS, cancelTiming, resetRto, restartTimer, startTiming } from './timers.js';

export interface TcpEndpoints extends TransportEndpoints {
  /** Initial send sequence number. */
  iss: number;
  lockScope?: TcpLockScope;
  /** The maximum segment lifetime, ms: TIME_WAIT lasts twice it (default 30 s, as Linux's 60 s TIME_WAIT). */
  mslMs?: number;
  /** The smallest retransmission timeout, ms (default 200, as Linux's). */
  minRtoMs?: number;
}

/** RFC 793's MSL is 2 minutes; Linux waits 60 s in TIME_WAIT, an MSL of 30 s. */
export const DEFAULT_MSL_MS = 30_000;

/** Input's actions that use the thread's one-segment state after the lock (a batch of input ends at one). */
const ONE_AT_A_TIME = COPY_IN | SEND_RST;

/** Words output plans a segment in (outputPlan). */
const PLANNED = 5;

/** What deliverQueued did: delivered segments, and owes the peer a window update. */
const DELIVERED = 1;
const WINDOW_UPDATE = 2;

/** What the send path decided for a write (besides a refusal, a SendStatus): down at once as one segment, or queued. */
const IN_PLACE = -1;
const QUEUED = -2;

/** The messages a TCP layer keeps: for control segments, delivery from the queue, retransmission and new segments. */
const LAYER_MESSAGES = 4;
/** Where the messages start behind a control block of its own: on a 64-byte line, as a pool's slots must. */
const MESSAGES_AT = Math.ceil(TcpControlBlock.BYTES / 64) * 64;

export class TcpLayer extends Layer {
  readonly name = 'tcp';
  readonly headerBytes = TCP_MAX_HEADER_BYTES;
  override readonly ipProtocol = IP_PROTO_TCP;

  readonly tcb: TcpControlBlock;
  private readonly queue: ReassemblyQueue;
  private readonly sendQueue: SendQueue;
  /** Guards the connection state (the shared mutex under packet-level parallelism). */
  private readonly lock: Lock;
  /** Held over a whole segment's processing (lock scope `segment`); a no-op otherwise. */
  private readonly segmentLock: Lock;
  /** The state lock inside a segment's processing: a no-op when segmentLock already holds it. */
  private readonly innerLock: Lock;
  private readonly ctlMsg: Msg;
  private readonly queueMsg: Msg;
  /** The buffer a retransmitted segment is built in. */
  private readonly rtxMsg: Msg;
  /** The buffer output() builds a queued write's segments in. */
  private readonly segMsg: Msg;
  /** The reset input asks for (this thread's own). */
  private readonly reply: Reply = { seq: 0, ack: 0, flags: 0, port: 0 };
  /**
   * An ACK's fields taken under the lock a segment's input already held (as Linux builds the ACK
   * under the socket lock): seq, ack, window; `ackTaken` says they wait to be sent. Sparing the
   * second acquisition, every other segment, was a tenth of PLP's receive overhead over Ethernet.
   */
  private readonly ackFields = new Int32Array(3);
  private ackTaken = false;
  /** The options of the segment being received (this thread's own, read before the lock). */
  private readonly options: TcpOptions = { mss: 0, windowShift: -1, timestamps: false };
  /** State lock: ring copies are made outside it (see ReassData). */
  private readonly copyOutsideLock: boolean;
  /** The backlog design: where input that finds the lock held queues its segment; null in every other design. */
  private readonly backlog: SegmentBacklog | null;
  /** This thread is running the backlog (an entry to the layer inside it leaves the rest to the loop). */
  private draining = false;
  /** The segments output takes under one acquisition, PLANNED words each: seq, length, ring position, ack, window. */
  private readonly outputPlan: Int32Array;
  /** Each planned segment's sampled time: the write it ends was a sampled packet's (0: none). */
  private readonly planTimes: Float64Array;
  /** Sampled packets' times while their data waits in the send queue, or out of order (sample-times.ts). */
  private readonly sndSamples: SampleTimes;
  private readonly rcvSamples: SampleTimes;
  /** The sampled time of a segment delivered from the out-of-order queue (0: none). */
  private readonly deliveredTime = new Float64Array(1);
  /** The segments input ran on under one acquisition (backlog designs), and what it decided for each. */
  private readonly batch: Msg[];
  private readonly batchActions: Int32Array;
  /** Largest segment data we accept from above (min of the peer's MSS and our path). */
  private sendMss = 0;
  /** Largest segment data the path below carries: what we advertise as our MSS. */
  private pathMss = 0;

  constructor(
    ctx: LayerContext,
    private readonly ends: TcpEndpoints,
    tcb?: TcpControlBlock,
    messages?: BufferPool,
    backlog?: SegmentBacklog,
  ) {
    super(ctx, TCP_DROPS);
    const wholeSegment = ends.lockScope === 'segment';
    this.backlog = backlog ?? null;
    if (backlog !== undefined && (wholeSegment || backlog.owner !== ctx.lock))
      throw new RangeError('tcp: a backlog stands in for the state lock the layer is given');
    this.lock = ctx.lock;
    this.segmentLock = wholeSegment ? ctx.lock : NO_LOCK;
    this.innerLock = wholeSegment ? NO_LOCK : ctx.lock;
    this.copyOutsideLock = !wholeSegment;
    // A connection of its own keeps its control block and its messages in one buffer, as a shared
    // one does (shared-connection.ts): copies between the rings and the messages are then a native
    // memmove (copyBytes), not a loop over words.
    const arena = tcb === undefined && messages === undefined ? new ArrayBuffer(MESSAGES_AT + LAYER_MESSAGES * DEFAULT_SLOT_BYTES) : null;
    this.tcb = tcb ?? new TcpControlBlock(arena ?? undefined);
    this.queue = new ReassemblyQueue(this.tcb);
    this.sendQueue = new SendQueue(this.tcb);
    this.sndSamples = new SampleTimes(this.tcb.f, Tcb.sndSamples, SND_SAMPLES_AT);
    this.rcvSamples = new SampleTimes(this.tcb.f, Tcb.rcvSamples, RCV_SAMPLES_AT);
    const pool =
      messages ??
      new BufferPool(LAYER_MESSAGES, DEFAULT_SLOT_BYTES, arena === null ? undefined : { buffer: arena, byteOffset: MESSAGES_AT });
    this.ctlMsg = pool.get();
    this.queueMsg = pool.get();
    this.rtxMsg = pool.get();
    this.segMsg = pool.get();
    this.batch = new Array<Msg>(backlog?.perAcquisition ?? 0).fill(this.queueMsg);
    this.batchActions = new Int32Array(backlog?.perAcquisition ?? 0);
    this.outputPlan = new Int32Array(PLANNED * (backlog?.perAcquisition ?? 1));
    this.planTimes = new Float64Array(backlog?.perAcquisition ?? 1);
  }

  override open(): void {
    this.pathMss = this.below.control(ControlOp.MaxPayload, 0) - TCP_HEADER_BYTES;
    if (this.pathMss <= 0) throw new RangeError('tcp: the layers below leave no room for a segment');
    this.peerMssKnown();
  }

  /** The largest segment the path and the peer take: our path's, or less when the peer's MSS (Tcb.smss, set by input) is smaller. */
  private peerMssKnown(): void {
    const smss = this.tcb.f[Tcb.smss]!;
    this.sendMss = Math.min(this.pathMss, smss > 0 ? smss : this.pathMss);
  }

  /** The segments we cut: sendMss, or less when a layer above limited them (Tcb.userMss). */
  private segmentBytes(): number {
    const user = this.tcb.f[Tcb.userMss]!;
    return user > 0 && user < this.sendMss ? user : this.sendMss;
  }

  /** A new connection's control block: all zero but the clock; the RTO's start, our path's MSS. */
  private freshBlock(): Int32Array {
    const f = this.tcb.f;
    const now = f[Tcb.now]!;
    this.tcb.releasePages(); // (the queues below are emptied)
    f.fill(0, 0, Tcb.reass);
    f[Tcb.now] = now;
    f[Tcb.smss] = this.pathMss;
    resetRto(f, this.ends.minRtoMs ?? MIN_RTO_MS);
    return f;
  }

  /**
   * Passive open: wait for the peer's SYN, from the remote port the stack was given, or from any
   * port when that is 0 (RFC 793's unspecified foreign socket; a client's ephemeral port).
   */
  listen(): void {
    const f = this.freshBlock();
    f[Tcb.state] = TcpConnState.Listen;
  }

  /** Active open: send SYN carrying our MSS. The handshake completes as segments are delivered. */
  connect(): void {
    const f = this.freshBlock();
    const iss = this.ends.iss | 0;
    f[Tcb.iss] = iss;
    f[Tcb.sndUna] = iss;
    f[Tcb.sndNxt] = (iss + 1) | 0;
    f[Tcb.sndMax] = (iss + 1) | 0;
    f[Tcb.remotePort] = this.ends.remotePort;
    f[Tcb.state] = TcpConnState.SynSent;
    restartTimer(f);
    this.sendSegment(TcpFlag.SYN, iss, 0, RCV_WINDOW, this.pathMss);
  }

  get established(): boolean {
    return this.tcb.f[Tcb.state] === TcpConnState.Established;
  }

  /**
   * The application is done sending (RFC 793 CLOSE, p. 60): a FIN follows what was sent, in
   * FIN_WAIT_1 (or LAST_ACK when the peer closed first), once what waits in the send queue is
   * sent; a connection not yet synchronized just closes. Answers false when the connection was
   * already closing or closed.
   */
  close(): boolean {
    const f = this.tcb.f;
    this.lock.acquire();
    const state = f[Tcb.state]!;
    let fin = false;
    if (state === TcpConnState.Listen || state === TcpConnState.SynSent) {
      f[Tcb.state] = TcpConnState.Closed;
    } else if (state === TcpConnState.SynReceived || state === TcpConnState.Established || state === TcpConnState.CloseWait) {
      f[Tcb.flags] = f[Tcb.flags]! | TcbFlag.FinQueued;
      f[Tcb.state] = state === TcpConnState.CloseWait ? TcpConnState.LastAck : TcpConnState.FinWait1;
      fin = true;
    }
    this.lock.release();
    if (fin) this.output();
    return fin || state === TcpConnState.Listen || state === TcpConnState.SynSent;
  }

  /**
   * The FIN the application queued, when nothing waits before it: takes its sequence number and
   * answers where it goes, else -1. Under the lock.
   */
  private takeQueuedFin(): number {
    const f = this.tcb.f;
    if ((f[Tcb.flags]! & TcbFlag.FinQueued) === 0 || !this.sendQueue.allSent) return -1;
    const finAt = f[Tcb.sndNxt]!;
    f[Tcb.sndNxt] = (finAt + 1) | 0;
    if (seqGt(f[Tcb.sndNxt]!, f[Tcb.sndMax]!)) f[Tcb.sndMax] = f[Tcb.sndNxt]!;
    f[Tcb.flags] = (f[Tcb.flags]! & ~TcbFlag.FinQueued) | TcbFlag.FinSent;
    if (f[Tcb.rtxDeadline] === 0) restartTimer(f); // the FIN is retransmitted like data
    return finAt;
  }

  override control(op: ControlOp, arg: number): number {
    const answer = this.answerControl(op, arg);
    this.runBacklogIfReady();
    return answer;
  }

  private answerControl(op: ControlOp, arg: number): number {
    const f = this.tcb.f;
    switch (op) {
      case ControlOp.MaxPayload:
        return MAX_WRITE;
      case ControlOp.MaxSegment:
        return this.segmentBytes();
      case ControlOp.LimitSegment:
        this.lock.acquire();
        f[Tcb.userMss] = arg > 0 ? arg : 0;
        this.lock.release();
        return this.segmentBytes();
      case ControlOp.CanSend: {
        this.lock.acquire();
        const decision = this.decide(arg, false);
        this.lock.release();
        return decision === IN_PLACE || decision === QUEUED ? 1 : 0;
      }
      case ControlOp.Tick:
        return this.tick(arg);
      case ControlOp.Close:
        return this.close() ? 1 : 0;
      case ControlOp.DeliverQueued:
        // A racy look first: the lock is taken only when something may be waiting.
        if (f[Tcb.reassCount]! === 0) return 0;
        return this.deliverQueuedAndAck(1) ? 1 : 0;
      default:
        return super.control(op, arg);
    }
  }

  /**
   * The stack's clock at `now` (ms, or NO_TIME): sends a delayed ACK still owed (BSD's fast timer);
   * with a time, runs the retransmission and persist timers and ends TIME_WAIT 2·MSL after the
   * first tick in it. Answers 1 when it sent a segment.
   */
  private tick(now: number): number {
    const f = this.tcb.f;
    this.lock.acquire();
    const owed = (f[Tcb.flags]! & TcbFlag.DelAck) !== 0;
    f[Tcb.invalidAcks] = 0; // the throttle of ACKs to unacceptable segments counts per tick as well
    let due = 0;
    if (now !== NO_TIME) {
      due = timersAt(f, now);
      // Times are ms on the stack's clock, compared mod 2^32 like sequence numbers; 0 means "not started".
      if (f[Tcb.state] === TcpConnState.TimeWait) {
        if (f[Tcb.timeWaitEnd] === 0) f[Tcb.timeWaitEnd] = (now + 2 * (this.ends.mslMs ?? DEFAULT_MSL_MS)) | 0 || 1;
        else if ((((now | 0) - f[Tcb.timeWaitEnd]!) | 0) >= 0) f[Tcb.state] = TcpConnState.Closed;
      }
    }
    const waiting = !this.sendQueue.allSent;
    this.lock.release();
    if ((due & RETRANSMIT) !== 0) this.retransmit();
    else if ((due & SEND_PROBE) !== 0) this.sendProbe();
    else if (owed) this.sendAck();
    const sent = waiting && this.output();
    return owed || due !== 0 || sent ? 1 : 0;
  }

  push(msg: Msg): SendStatus {
    const status = this.write(msg);
    this.runBacklogIfReady();
    return status;
  }

  private write(msg: Msg): SendStatus {
    this.segmentLock.acquire();
    let status: number;
    try {
      status = this.prepareWrite(msg);
    } finally {
      this.segmentLock.release();
    }
    if (status === IN_PLACE) return this.below.push(msg);
    if (status !== QUEUED) return status as SendStatus;
    this.output();
    return SendStatus.Sent;
  }

  /**
   * What becomes of a write of `length` bytes (under the lock): refused (NotConnected, TooBig,
   * WouldBlock), down at once as one segment (IN_PLACE: it fits one, nothing waits before it and
   * the windows let it go), or QUEUED (while the send queue has room). `mark`: a write refused for
   * want of the peer's window sets WindowBlocked, so the persist timer probes it.
   */
  private decide(length: number, mark: boolean): number {
    const f = this.tcb.f;
    if (!maySend(f[Tcb.state]!)) return SendStatus.NotConnected;
    if (length > MAX_WRITE) return SendStatus.TooBig;
    const queue = this.sendQueue;
    if (!queue.hasRoom) return SendStatus.WouldBlock;
    const seq = f[Tcb.sndNxt]!;
    if (queue.allSent && length <= this.segmentBytes()) {
      const inFlight = (seq - f[Tcb.sndUna]!) | 0;
      if (inFlight + length <= sendLimit(f)) return IN_PLACE;
      // Refused by the peer's window (not by cwnd): with nothing in flight, the persist timer probes it.
      if (mark && inFlight + length > sendWindow(f)) f[Tcb.flags] = f[Tcb.flags]! | TcbFlag.WindowBlocked;
      return SendStatus.WouldBlock;
    }
    return ((queue.writtenEnd(seq) - f[Tcb.sndUna]!) | 0) + length < SND_RING_BYTES ? QUEUED : SendStatus.WouldBlock;
  }

  /**
   * Decides the write's fate (decide); takes its sequence space and a send-queue slot, copies its
   * data into the send ring (outside the state lock) and, going down at once, writes the header
   * in front of it.
   */
  private prepareWrite(msg: Msg): number {
    const f = this.tcb.f;
    const length = msg.length;
    this.innerLock.acquire();
    const decision = this.decide(length, true);
    if (decision !== IN_PLACE && decision !== QUEUED) {
      this.innerLock.release();
      return decision;
    }
    const seq = f[Tcb.sndNxt]!;
    if (decision === QUEUED) {
      const end = this.sendQueue.writtenEnd(seq);
      const slot = this.sendQueue.reserve(end, length, false);
      if (msg.sampledAt !== 0) this.sndSamples.put((end + length) | 0, msg);
      this.innerLock.release();
      this.sendQueue.copyIn(msg, end, length, slot);
      return QUEUED;
    }
    const slot = this.sendQueue.reserve(seq, length, true);
    const ack = f[Tcb.rcvNxt]!;
    const window = this.dataGoes(seq, length);
    this.innerLock.release();

    this.sendQueue.copyIn(msg, seq, length, slot);
    const at = msg.prepend(TCP_HEADER_BYTES);
    writeTcpHeader(msg.view, at, this.ends.localPort, this.tcb.f[Tcb.remotePort]!, seq, ack, TcpFlag.ACK | TcpFlag.PSH, window);
    this.fillChecksum(msg, at);
    return IN_PLACE;
  }

  /**
   * The data [seq, seq + length) goes out now for the first time: snd_nxt (and snd_max) move past
   * it, the RTT measurement and the retransmission timer start, and the ACK rides on it. Under the
   * lock; answers the window it advertises.
   */
  private dataGoes(seq: number, length: number): number {
    const f = this.tcb.f;
    if ((f[Tcb.flags]! & TcbFlag.WindowBlocked) !== 0) {
      f[Tcb.flags] = f[Tcb.flags]! & ~TcbFlag.WindowBlocked;
      f[Tcb.backoff] = 0; // the persist timer's backoff ends with the window's opening
    }
    const next = (seq + length) | 0;
    f[Tcb.sndNxt] = next;
    if (seqGt(next, f[Tcb.sndMax]!)) f[Tcb.sndMax] = next;
    const now = f[Tcb.now]!;
    if (now !== 0) {
      // Timers run only once the stack has a clock (a driver that ticks with a time).
      startTiming(f, next, now);
      if (f[Tcb.rtxDeadline] === 0) restartTimer(f);
    }
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    f[Tcb.rcvAdv] = (ack + window) | 0;
    f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.AckNow | TcbFlag.DelAck); // the ACK rides on this segment
    f[Tcb.segsOut]!++;
    return window;
  }

  /**
   * Sends what waits in the send queue as far as the windows allow (BSD's tcp_output), a segment
   * at a time, then a FIN the application queued behind it. Any thread may: under packet-level
   * parallelism an ACK that opens the window sends the next segments from whichever thread took
   * it. Each segment is copied out of the send ring outside the lock. Answers whether it sent.
   */
  private output(): boolean {
    const f = this.tcb.f;
    const queue = this.sendQueue;
    const msg = this.segMsg;
    const plan = this.outputPlan;
    for (let sent = false; ; sent = true) {
      this.lock.acquire();
      // Up to outputPlan's segments are taken under one acquisition (one, but under the batch design).
      let n = 0;
      let more = true;
      while (more && n < plan.length / PLANNED) {
        const seq = f[Tcb.sndNxt]!;
        const length = queue.nextLength(seq, this.segmentBytes());
        if (length <= 0) {
          if (n > 0) break; // (the next acquisition looks again, as a first)
          const finAt = maySend(f[Tcb.state]!) ? -1 : this.takeQueuedFin();
          const ack = f[Tcb.rcvNxt]!;
          const window = this.queue.advertisedWindow(ack);
          this.lock.release();
          if (finAt !== -1) this.sendSegment(TcpFlag.FIN | TcpFlag.ACK, finAt, ack, window, 0);
          return sent || finAt !== -1;
        }
        // A segment goes whole or waits (RFC 1122 4.2.3.4's sender side of SWS avoidance), so
        // segments keep their bounds, and a layer above that sized records to them keeps its records.
        const inFlight = (seq - f[Tcb.sndUna]!) | 0;
        if (inFlight + length > sendLimit(f)) {
          if (n > 0) break;
          // Held back by the peer's window (not by cwnd): with nothing in flight, the persist timer probes it.
          if (inFlight + length > sendWindow(f)) f[Tcb.flags] = f[Tcb.flags]! | TcbFlag.WindowBlocked;
          this.lock.release();
          return sent;
        }
        const at = PLANNED * n++;
        plan[at] = seq;
        plan[at + 1] = length;
        plan[at + 2] = queue.positionOf(seq, true);
        queue.sent(seq, length);
        plan[at + 3] = f[Tcb.rcvNxt]!;
        plan[at + 4] = this.dataGoes(seq, length);
        // The segment that ends a sampled write carries its time (to the frame that leaves).
        if (f[Tcb.sndSamples] !== 0) this.sndSamples.take((seq + length) | 0, this.planTimes, n - 1);
        else this.planTimes[n - 1] = 0;
        // Nothing more to send: no second look under the lock (each look is a lock acquisition).
        more = !queue.allSent || (f[Tcb.flags]! & TcbFlag.FinQueued) !== 0;
      }
      this.lock.release();
      for (let i = 0; i < n; i++) {
        const p = PLANNED * i;
        queue.copyOut(msg, plan[p + 2]!, plan[p + 1]!);
        msg.sampledAt = this.planTimes[i]!;
        const at = msg.prepend(TCP_HEADER_BYTES);
        writeTcpHeader(
          msg.view,
          at,
          this.ends.localPort,
          f[Tcb.remotePort]!,
          plan[p]!,
          plan[p + 3]!,
          TcpFlag.ACK | TcpFlag.PSH,
          plan[p + 4]!,
        );
        this.fillChecksum(msg, at);
        this.below.push(msg);
      }
      if (!more) return true;
    }
  }

  pop(msg: Msg): void {
    if (this.backlog !== null) return this.popOrQueue(msg, this.backlog);
    this.segmentLock.acquire();
    let action: number;
    try {
      action = this.receive(msg);
      // (under the segment design, the ring copy is part of the segment's work under its lock)
      if ((action & COPY_IN) !== 0 && this.copyIn(msg)) action |= PULL_QUEUE;
    } finally {
      this.segmentLock.release();
    }
    this.afterInput(msg, action);
  }

  /**
   * The backlog designs' input (Linux's tcp_v4_rcv with sock_owned_by_user): the segment is
   * checked outside the lock; if the lock is held, the segment is queued to the backlog and this
   * thread goes on, and whoever releases the lock runs it. A full backlog waits for the lock.
   */
  private popOrQueue(msg: Msg, backlog: SegmentBacklog): void {
    const checked = this.check(msg);
    if (checked >>> DROP_SHIFT !== 0) return this.drops.count((checked >>> DROP_SHIFT) - 1);
    if (!backlog.owner.tryLock()) {
      if (backlog.offer(msg)) {
        // The holder may have released before the segment was ready: then it is ours to run.
        this.runBacklog();
        return;
      }
      backlog.owner.acquire();
    }
    this.inputHeld(backlog, msg, checked);
    this.runBacklogIfReady();
  }

  /**
   * The backlog designs: what every entry to the layer ends with (release_sock), so that a segment
   * queued while this thread held the lock does not wait for another entry. Not from inside one:
   * its messages (queueMsg, segMsg, ...) may be in use there.
   */
  private runBacklogIfReady(): void {
    if (this.backlog !== null && this.backlog.ready) this.runBacklog();
  }

  /** Runs the backlog's segments while the lock is free to take, as many to an acquisition as the design takes. */
  private runBacklog(): void {
    const backlog = this.backlog!;
    if (this.draining) return; // (an entry to the layer from inside the run: the loop goes on)
    this.draining = true;
    try {
      // (another thread may have run the queue between the look and the lock: inputHeld then takes none)
      while (backlog.ready && backlog.owner.tryLock()) this.inputHeld(backlog, null, 0);
    } finally {
      this.draining = false;
    }
  }

  /**
   * With the lock held: input for `own` (checked; its header `ownHeaderBytes` long) and for queued
   * segments, up to the design's number to an acquisition. A batch ends at a segment whose action
   * uses this thread's one-segment state (the pending ring copy, the reset's reply). Releases the
   * lock, then does what each segment's input decided, and gives the queued ones' slots back.
   */
  private inputHeld(backlog: SegmentBacklog, own: Msg | null, ownHeaderBytes: number): void {
    const batch = this.batch;
    const actions = this.batchActions;
    let n = 0;
    try {
      if (own !== null) {
        batch[0] = own;
        actions[0] = input(this.tcb, this.queue, this.sendQueue, this.ends, this.reply, own, own.head, ownHeaderBytes, this.options);
        n = 1;
      }
      while (n < backlog.perAcquisition && (n === 0 || (actions[n - 1]! & ONE_AT_A_TIME) === 0) && backlog.ready) {
        const msg = backlog.take();
        const view = msg.view;
        const headerBytes = tcpHeaderBytes(view, msg.head);
        readTcpOptions(view, msg.head, headerBytes, this.options); // (checked when it was queued)
        batch[n] = msg;
        actions[n] = input(this.tcb, this.queue, this.sendQueue, this.ends, this.reply, msg, msg.head, headerBytes, this.options);
        n++;
      }
    } finally {
      backlog.owner.release();
    }
    for (let i = 0; i < n; i++) {
      const msg = batch[i]!;
      let action = actions[i]!;
      if ((action & COPY_IN) !== 0 && this.copyIn(msg)) action |= PULL_QUEUE;
      this.afterInput(msg, action);
      if (msg !== own) backlog.free(msg);
    }
  }

  /** What input decided for the segment in `msg` (its ring copy made), done outside the lock (actions.ts). */
  private afterInput(msg: Msg, action: number): void {
    if ((action & MSS_KNOWN) !== 0) this.peerMssKnown();
    if ((action & DELIVER) !== 0) this.above.pop(msg);
    // Delivering what the segment made in order may reopen the window: one ACK then tells the
    // peer of it all (an ACK per segment delivered would look to it like a train of partial ACKs).
    if ((action & PULL_QUEUE) !== 0 && (this.deliverQueued() & WINDOW_UPDATE) !== 0) action |= SEND_ACK;
    if ((action & SEND_SYN_ACK) !== 0)
      this.sendSegment(TcpFlag.SYN | TcpFlag.ACK, this.tcb.f[Tcb.iss]!, this.tcb.f[Tcb.rcvNxt]!, RCV_WINDOW, this.pathMss, this.ourShift());
    else if ((action & SEND_ACK) !== 0) {
      if (this.ackTaken) this.sendTakenAck();
      else this.sendAck();
    }
    if ((action & SEND_RST) !== 0) this.sendReset();
    if ((action & RETRANSMIT) !== 0) this.retransmit();
    if ((action & SEND_DATA) !== 0) this.output();
    if (action >>> DROP_SHIFT !== 0) this.drops.count((action >>> DROP_SHIFT) - 1);
  }

  /** Checks the segment and runs the state machine (input.ts); answers what to do next (actions.ts). */
  private receive(msg: Msg): number {
    const checked = this.check(msg);
    if (checked >>> DROP_SHIFT !== 0) return checked;
    this.innerLock.acquire();
    try {
      const action = input(this.tcb, this.queue, this.sendQueue, this.ends, this.reply, msg, msg.head, checked, this.options);
      // An ACK that nothing done after the lock can change (no queued data to deliver first): its fields now.
      this.ackTaken = (action & (SEND_ACK | SEND_SYN_ACK | PULL_QUEUE | COPY_IN)) === SEND_ACK;
      if (this.ackTaken) this.takeAck();
      // A sampled segment queued out of order: its time waits with it.
      if ((action & COPY_IN) !== 0 && msg.sampledAt !== 0) this.rcvSamples.put(this.queue.pendingStart, msg);
      return action;
    } finally {
      this.innerLock.release();
    }
  }

  /**
   * What needs no connection state: lengths, the checksum, the port, the options (read into
   * this.options). Answers the header's length, or the action that drops the segment.
   */
  private check(msg: Msg): number {
    const view = msg.view;
    const at = msg.head;
    const length = msg.length;
    if (length < TCP_HEADER_BYTES) return drop(Drop.Length);
    const headerBytes = tcpHeaderBytes(view, at);
    if (headerBytes < TCP_HEADER_BYTES || headerBytes > length) return drop(Drop.Length);
    const pseudo = pseudoHeaderSum(msg.srcAddr, msg.dstAddr, IP_PROTO_TCP, length);
    if (fold(onesSum(msg.bytes, at, length, pseudo, msg.words)) !== 0xffff) return drop(Drop.Checksum);
    if (view.getUint16(at + TcpOffset.dstPort) !== this.ends.localPort) return drop(Drop.Port);
    if (!readTcpOptions(view, at, headerBytes, this.options)) return drop(Drop.Option);
    return headerBytes;
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

  /** Delivers up to `limit` queued segments (deliverQueued), then the window update they owe; answers whether it delivered any. */
  private deliverQueuedAndAck(limit: number): boolean {
    const result = this.deliverQueued(limit);
    if ((result & WINDOW_UPDATE) !== 0) this.sendAck();
    return (result & DELIVERED) !== 0;
  }

  /**
   * Delivers queued segments that are now in order, one message each, oldest first, at most
   * `limit` of them. Under the state lock the copy out of the ring is made outside it: the entry
   * stays, marked CopyingOut, so its ring bytes are not reused. Answers DELIVERED when it delivered
   * any, and WINDOW_UPDATE when the window reopened past what the peer was told: the caller sends
   * one ACK for them all.
   */
  private deliverQueued(limit = Infinity): number {
    const msg = this.queueMsg;
    const queue = this.queue;
    const f = this.tcb.f;
    let update = 0;
    for (let n = 0; ; n++) {
      if (n === limit) return DELIVERED | update;
      this.lock.acquire();
      const ready = queue.headReady();
      const seq = ready ? queue.takeHead(msg, this.copyOutsideLock) : 0;
      const time = this.deliveredTime;
      if (ready && f[Tcb.rcvSamples] !== 0) this.rcvSamples.take(seq, time, 0);
      else time[0] = 0;
      msg.sampledAt = time[0]!;
      this.lock.release();
      if (!ready) return (n > 0 ? DELIVERED : 0) | update;
      if (this.copyOutsideLock) {
        queue.copyOut(msg);
        this.lock.acquire();
        queue.removeCopiedOut(seq);
        if (queue.windowReopened()) update = WINDOW_UPDATE;
        this.lock.release();
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
    this.lock.acquire();
    this.takeAck();
    this.lock.release();
    this.sendTakenAck();
  }

  /** Under the lock: an ACK's fields (into ackFields), the delayed ACK it answers cleared and the window it advertises noted. */
  private takeAck(): void {
    const f = this.tcb.f;
    const fields = this.ackFields;
    f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.AckNow | TcbFlag.DelAck);
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    f[Tcb.rcvAdv] = (ack + window) | 0;
    fields[0] = f[Tcb.sndNxt]!;
    fields[1] = ack;
    fields[2] = window;
  }

  /** Sends the ACK takeAck prepared. */
  private sendTakenAck(): void {
    const fields = this.ackFields;
    this.ackTaken = false;
    this.sendSegment(TcpFlag.ACK, fields[0]!, fields[1]!, fields[2]!, 0);
  }

  /**
   * Sends the oldest unacknowledged segment again, with the bounds it had (RFC 6298 5.4): data
   * from the send queue, else our FIN; before the connection is synchronized, our SYN or SYN-ACK.
   * The copy out of the send queue is made under the lock (the bytes are freed by ACKs).
   */
  private retransmit(): void {
    const f = this.tcb.f;
    const msg = this.rtxMsg;
    this.lock.acquire();
    const state = f[Tcb.state]!;
    const seq = f[Tcb.sndUna]!;
    const length =
      state === TcpConnState.SynSent || state === TcpConnState.SynReceived ? 0 : this.sendQueue.oldestLength(this.segmentBytes());
    if (length > 0) this.sendQueue.copyOut(msg, this.sendQueue.positionOf(seq, false), length);
    const fin = length === 0 && (f[Tcb.flags]! & TcbFlag.FinSent) !== 0 && seq !== f[Tcb.sndMax];
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    if (state !== TcpConnState.SynSent) {
      f[Tcb.rcvAdv] = (ack + window) | 0;
      f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.AckNow | TcbFlag.DelAck);
    }
    const synchronizing = state === TcpConnState.SynSent || state === TcpConnState.SynReceived;
    if (synchronizing || fin || length > 0) f[Tcb.retransmits]!++;
    cancelTiming(f); // Karn: no sample from a segment sent twice
    this.lock.release();
    if (state === TcpConnState.SynSent) this.sendSegment(TcpFlag.SYN, seq, 0, RCV_WINDOW, this.pathMss);
    else if (state === TcpConnState.SynReceived)
      this.sendSegment(TcpFlag.SYN | TcpFlag.ACK, seq, ack, RCV_WINDOW, this.pathMss, this.ourShift());
    else if (fin) this.sendSegment(TcpFlag.FIN | TcpFlag.ACK, seq, ack, window, 0);
    else if (length > 0) {
      const at = msg.prepend(TCP_HEADER_BYTES);
      writeTcpHeader(msg.view, at, this.ends.localPort, this.tcb.f[Tcb.remotePort]!, seq, ack, TcpFlag.ACK | TcpFlag.PSH, window);
      this.fillChecksum(msg, at);
      this.below.push(msg);
    }
  }

  /** A zero-window probe (persist timer): a segment just below snd_una, which the peer answers with its window. */
  private sendProbe(): void {
    const f = this.tcb.f;
    this.lock.acquire();
    const seq = (f[Tcb.sndUna]! - 1) | 0;
    const ack = f[Tcb.rcvNxt]!;
    const window = this.queue.advertisedWindow(ack);
    this.lock.release();
    this.sendSegment(TcpFlag.ACK, seq, ack, window, 0);
  }

  /** The reset input asked for (its Reply), to the offending segment's port. */
  private sendReset(): void {
    const r = this.reply;
    this.sendSegment(r.flags, r.seq, r.ack, 0, 0, -1, r.port);
    this.tcb.f[Tcb.resetsOut]!++;
  }

  /** The window scale our SYN-ACK answers with: 0 when the peer offered scaling (RFC 7323 2.2), else none (-1). */
  private ourShift(): number {
    return (this.tcb.f[Tcb.flags]! & TcbFlag.WindowScaled) !== 0 ? 0 : -1;
  }

  /** A segment without data (SYN, SYN-ACK, ACK, FIN, RST) from this layer's own buffer. */
  private sendSegment(
    flags: number,
    seq: number,
    ack: number,
    window: number,
    mss: number,
    shift = -1,
    port = this.tcb.f[Tcb.remotePort]!,
  ): void {
    const msg = this.ctlMsg;
    msg.resetPayload(0);
    const at = msg.prepend(tcpHeaderBytesFor(mss, shift));
    writeTcpHeader(msg.view, at, this.ends.localPort, port, seq, ack, flags, window, mss, shift);
    this.fillChecksum(msg, at);
    this.tcb.f[Tcb.acksOut]!++;
    this.below.push(msg);
  }

  private fillChecksum(msg: Msg, at: number): void {
    const length = msg.tail - at;
    const pseudo = pseudoHeaderSum(this.ends.localAddr, this.ends.remoteAddr, IP_PROTO_TCP, length);
    setTcpChecksum(msg.view, at, internetChecksum(msg.bytes, at, length, pseudo, msg.words));
  }
}

/** The peer's window, as far as the send ring holds (a scaled window may offer more than its 64 KiB). */
function sendWindow(f: Int32Array): number {
  return Math.min(f[Tcb.sndWnd]!, SND_RING_BYTES - 1);
}

/** How much may be in flight: the peer's window (sendWindow) and congestion control's allowance, the smaller. */
function sendLimit(f: Int32Array): number {
  return Math.min(sendWindow(f), sendAllowance(f));
}

export const TCP_KIND: LayerKind = {
  name: 'tcp',
  below: ['md5', 'sha1', 'sha256', 'ip'],
  top: true,
  gateway: false,
  transport: 'tcp',
  build: ({ ctx, ends, options }) =>
    new TcpLayer(
      ctx,
      {
        ...ends,
        iss: options.iss ?? 0,
        lockScope: options.tcpLockScope ?? 'state',
        mslMs: options.tcpMslMs ?? DEFAULT_MSL_MS,
        minRtoMs: options.tcpMinRtoMs ?? MIN_RTO_MS,
      },
      options.state?.tcb ?? options.arena?.controlBlock(),
      options.messages ?? options.arena?.messages(LAYER_MESSAGES),
      options.state?.backlog,
    ),
  drops: TCP_DROPS,
  checks: () => ({ enforced: ['tcp checksum', 'tcp sequence and window'], computedOnly: [] }),
  fuzzStacks: [],
};
