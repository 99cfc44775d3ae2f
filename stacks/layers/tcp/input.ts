// TCP's input (Net/2 tcp_input, RFC 793 "SEGMENT ARRIVES"): a checked segment run through the
// connection's state machine under the state lock: header prediction, the handshake, resets (RFC
// 5961's exact match), trimming to the window, ACK processing, in-order delivery and queueing out of
// order, and the FIN through every closing state. Answers what to do once the lock is released.

import type { Msg } from '../../message.js';
import { TcpFlag, TcpOffset, type TcpOptions } from '../../wire/tcp.js';
import {
  COPY_IN,
  DELIVER,
  DROP_SHIFT,
  Drop,
  MSS_KNOWN,
  PULL_QUEUE,
  type Reply,
  SEND_ACK,
  SEND_DATA,
  SEND_RST,
  SEND_SYN_ACK,
  drop,
} from './actions.js';
import { Tcb, TcbFlag, TcpConnState, type TcpControlBlock, countDelivered, mayReceive, seqGt, seqLeq, seqLt } from './control-block.js';
import type { ReassemblyQueue } from './reassembly.js';
import { duplicateAckArrived, newDataAcked } from './retransmission.js';
import type { SendQueue } from './send-queue.js';
import { resetCongestion } from './congestion.js';

/** The MSS assumed when the peer's SYN carries none (RFC 1122 4.2.2.6). */
const DEFAULT_PEER_MSS = 536;

/** What input needs of the connection's two ends: ports and our initial sequence number. */
export interface InputEnds {
  localPort: number;
  remotePort: number;
  /** Initial send sequence number. */
  iss: number;
}

/**
 * The state machine, under the lock: the segment at `at` (its header `headerBytes` long, its SYN's
 * options in `options`, read by the caller) checked against the connection. Leaves `msg` trimmed
 * to the data to deliver when the answer has DELIVER. Answers what to do once the lock is released
 * (actions.ts).
 */
export function input(
  tcb: TcpControlBlock,
  queue: ReassemblyQueue,
  sendQueue: SendQueue,
  ends: InputEnds,
  reply: Reply,
  msg: Msg,
  at: number,
  headerBytes: number,
  options: TcpOptions,
): number {
  const f = tcb.f;
  const view = msg.view;
  const srcPort = view.getUint16(at + TcpOffset.srcPort);
  const seq = view.getInt32(at + TcpOffset.seq);
  const ack = view.getInt32(at + TcpOffset.ack);
  const flags = view.getUint8(at + TcpOffset.dataOffsetFlags + 1) & 0x3f;
  // RFC 7323 2.2: a SYN's window is never scaled; every other segment's is, once agreed.
  const win =
    (flags & TcpFlag.SYN) !== 0 ? view.getUint16(at + TcpOffset.window) : view.getUint16(at + TcpOffset.window) << f[Tcb.sndScale]!;
  const dataLength = msg.length - headerBytes;
  const state = f[Tcb.state]!;

  if (state > TcpConnState.Listen && srcPort !== f[Tcb.remotePort]) return drop(Drop.Port);
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
        return newDataAcked(f, sendQueue, ack) | (sendQueue.allSent ? 0 : SEND_DATA);
      }
    } else if (ack === f[Tcb.sndUna] && f[Tcb.reassCount] === 0) {
      f[Tcb.predictedData]!++;
      f[Tcb.rcvNxt] = (seq + dataLength) | 0;
      msg.strip(headerBytes);
      msg.streamSeq = seq;
      msg.streamNext = f[Tcb.rcvNxt]!;
      countDelivered(f, dataLength);
      return DELIVER | ackEverySecond(f);
    }
  }

  switch (state) {
    case TcpConnState.Closed:
      return resetFor(reply, srcPort, seq, ack, flags, dataLength) | drop(Drop.State);
    case TcpConnState.Listen:
      return inListen(f, ends, reply, srcPort, seq, ack, flags, win, options);
    case TcpConnState.SynSent:
      return inSynSent(f, reply, srcPort, seq, ack, flags, win, options.mss);
  }
  return inSynchronized(f, queue, sendQueue, reply, msg, at, headerBytes, seq, ack, flags, win, dataLength);
}

/**
 * RFC 793 p. 36, "Reset Generation": the reset for a segment to a closed connection, or that
 * acknowledges what was never sent before the connection is synchronized. Never for a reset.
 */
function resetFor(reply: Reply, srcPort: number, seq: number, ack: number, flags: number, dataLength: number): number {
  if ((flags & TcpFlag.RST) !== 0) return 0;
  reply.port = srcPort;
  if ((flags & TcpFlag.ACK) !== 0) {
    reply.seq = ack;
    reply.ack = 0;
    reply.flags = TcpFlag.RST;
  } else {
    const segmentLength = dataLength + ((flags & TcpFlag.SYN) !== 0 ? 1 : 0) + ((flags & TcpFlag.FIN) !== 0 ? 1 : 0);
    reply.seq = 0;
    reply.ack = (seq + segmentLength) | 0;
    reply.flags = TcpFlag.RST | TcpFlag.ACK;
  }
  return SEND_RST;
}

/**
 * LISTEN (RFC 793 p. 65): a SYN from our peer (its port, or any port when ours to listen on is
 * unspecified: remotePort 0) opens the connection; an ACK gets a reset; anything else is dropped.
 */
function inListen(
  f: Int32Array,
  ends: InputEnds,
  reply: Reply,
  srcPort: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  options: TcpOptions,
): number {
  if ((flags & TcpFlag.RST) !== 0) return drop(Drop.State);
  if ((flags & TcpFlag.ACK) !== 0) return resetFor(reply, srcPort, seq, ack, flags, 0) | drop(Drop.State);
  if ((flags & TcpFlag.SYN) === 0) return drop(Drop.State);
  if (ends.remotePort !== 0 && srcPort !== ends.remotePort) return drop(Drop.Port);
  const iss = ends.iss | 0;
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
  peerMssKnown(f, options.mss);
  // RFC 7323 2.2: the peer offered window scaling; our SYN-ACK agrees with a shift of 0 (our
  // receive window is at most 65535), and its windows are scaled from now on. Timestamps are
  // refused by not echoing them (3.2): then neither end sends them.
  f[Tcb.sndScale] = options.windowShift >= 0 ? options.windowShift : 0;
  f[Tcb.flags] = f[Tcb.flags]! | TcbFlag.Passive | (options.windowShift >= 0 ? TcbFlag.WindowScaled : 0);
  f[Tcb.state] = TcpConnState.SynReceived;
  return SEND_SYN_ACK | MSS_KNOWN;
}

/**
 * The peer's SYN told its MSS (`mss`, 0 when it gave none): the segments we send are the smaller of
 * it and our path's (Tcb.smss, set at open), and congestion control starts from them.
 */
function peerMssKnown(f: Int32Array, mss: number): void {
  const peer = mss > 0 ? mss : DEFAULT_PEER_MSS;
  f[Tcb.peerMss] = peer;
  const path = f[Tcb.smss]!;
  f[Tcb.smss] = path > 0 ? Math.min(path, peer) : peer;
  resetCongestion(f, f[Tcb.smss]!);
}

/**
 * SYN_SENT (RFC 793 pp. 66-68): an acceptable SYN-ACK completes the handshake; a SYN alone is a
 * simultaneous open (SYN_RECEIVED, our SYN-ACK); an acceptable RST closes; an ACK of what we never
 * sent gets a reset.
 */
function inSynSent(
  f: Int32Array,
  reply: Reply,
  srcPort: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  mss: number,
): number {
  const hasAck = (flags & TcpFlag.ACK) !== 0;
  const ackOk = hasAck && seqGt(ack, f[Tcb.iss]!) && seqLeq(ack, f[Tcb.sndMax]!);
  if (hasAck && !ackOk) return resetFor(reply, srcPort, seq, ack, flags, 0) | drop(Drop.State);
  if ((flags & TcpFlag.RST) !== 0) {
    if (ackOk) f[Tcb.state] = TcpConnState.Closed;
    return drop(Drop.State);
  }
  if ((flags & TcpFlag.SYN) === 0) return drop(Drop.State);
  f[Tcb.irs] = seq;
  f[Tcb.rcvNxt] = (seq + 1) | 0;
  f[Tcb.sndWnd] = win;
  f[Tcb.sndWl1] = seq;
  peerMssKnown(f, mss);
  if (!ackOk) {
    f[Tcb.sndWl2] = f[Tcb.iss]!;
    f[Tcb.state] = TcpConnState.SynReceived;
    return SEND_SYN_ACK | MSS_KNOWN;
  }
  f[Tcb.sndUna] = ack;
  f[Tcb.sndWl2] = ack;
  f[Tcb.rtxDeadline] = 0; // the SYN is acknowledged
  f[Tcb.state] = TcpConnState.Established;
  return SEND_ACK | MSS_KNOWN;
}

/**
 * RFC 793's acceptability test for a segment (p. 69): whether any of it lies in the receive
 * window [rcvNxt, rcvNxt + rcvWnd); a segment of no length, whether its sequence number does.
 */
export function segmentAcceptable(seq: number, length: number, rcvNxt: number, rcvWnd: number): boolean {
  if (length === 0) return rcvWnd === 0 ? seq === rcvNxt : inWindow(seq, rcvNxt, rcvWnd);
  if (rcvWnd === 0) return false;
  return inWindow(seq, rcvNxt, rcvWnd) || inWindow((seq + length - 1) | 0, rcvNxt, rcvWnd);
}

/** rcvNxt ≤ s < rcvNxt + rcvWnd, mod 2^32. */
function inWindow(s: number, rcvNxt: number, rcvWnd: number): boolean {
  return seqLeq(rcvNxt, s) && seqLt(s, (rcvNxt + rcvWnd) | 0);
}

/**
 * A synchronized connection (SYN_RECEIVED on; Net/2 from "trim segment to fit the window" on,
 * RFC 793 pp. 69-76 for the states beyond ESTABLISHED): reset and SYN checks (RFC 5961's exact
 * match and challenge ACK), trimming to the window, the ACK, the data, then the FIN.
 */
// eslint-disable-next-line max-lines-per-function -- the per-packet slow path, in RFC 793's order
function inSynchronized(
  f: Int32Array,
  queue: ReassemblyQueue,
  sendQueue: SendQueue,
  reply: Reply,
  msg: Msg,
  at: number,
  headerBytes: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  dataLength: number,
): number {
  const state = f[Tcb.state]!;
  const rcvNxt = f[Tcb.rcvNxt]!;
  const windowEnd = queue.windowEnd(rcvNxt);
  const rcvWnd = (windowEnd - rcvNxt) | 0;
  if ((flags & TcpFlag.RST) !== 0) {
    // RFC 5961 3.2: only a reset at exactly rcv_nxt resets; one elsewhere in the window is answered with an ACK.
    if (seq === rcvNxt) {
      f[Tcb.state] =
        state === TcpConnState.SynReceived && (f[Tcb.flags]! & TcbFlag.Passive) !== 0 ? TcpConnState.Listen : TcpConnState.Closed;
      return drop(Drop.State);
    }
    return drop(Drop.State) | (segmentAcceptable(seq, 0, rcvNxt, rcvWnd) ? throttledAck(f) : 0);
  }
  // RFC 5961 4.2: a SYN on a synchronized connection is answered with a challenge ACK, never taken.
  if ((flags & TcpFlag.SYN) !== 0) return drop(Drop.State) | throttledAck(f);
  const fin = (flags & TcpFlag.FIN) !== 0;
  if (dataLength === 0 && !fin && !segmentAcceptable(seq, 0, rcvNxt, rcvWnd)) return drop(Drop.OutOfWindow) | throttledAck(f);

  let dataAt = at + headerBytes;
  let answer = 0;
  let dropReason = -1;
  let finOk = fin;
  let excess = (rcvNxt - seq) | 0;
  if (excess > 0) {
    if (excess >= dataLength) {
      // Entirely old: a duplicate. Its data is discarded, its ACK field still counts.
      if (dataLength > 0 || (fin && excess > dataLength)) {
        f[Tcb.duplicates]!++;
        answer |= SEND_ACK;
        if (dataLength > 0) dropReason = Drop.Duplicate;
        if (excess > dataLength) finOk = false;
      }
      dataLength = 0;
    } else {
      dataAt += excess;
      dataLength -= excess;
    }
    seq = (seq + excess) | 0;
  }
  excess = (seq + dataLength - windowEnd) | 0;
  if (excess > 0) {
    if (excess >= dataLength && dataLength > 0) return drop(Drop.OutOfWindow) | SEND_ACK;
    dataLength -= Math.min(excess, dataLength);
    finOk = false; // the FIN came after data beyond the window
  }
  if ((flags & TcpFlag.ACK) === 0) return drop(Drop.State);

  if (state === TcpConnState.SynReceived) {
    if (!(seqGt(ack, f[Tcb.sndUna]!) && seqLeq(ack, f[Tcb.sndMax]!))) {
      reply.port = f[Tcb.remotePort]!;
      reply.seq = ack;
      reply.ack = 0;
      reply.flags = TcpFlag.RST;
      return SEND_RST | drop(Drop.State);
    }
    f[Tcb.state] = TcpConnState.Established;
    f[Tcb.sndWnd] = win;
    f[Tcb.sndWl1] = seq;
    f[Tcb.sndWl2] = ack;
    f[Tcb.sndUna] = ack; // our SYN acknowledged: no data yet, so nothing for the send side
    f[Tcb.rtxDeadline] = 0;
  } else if (seqLeq(ack, f[Tcb.sndUna]!)) {
    if (dataLength === 0 && !fin && win === f[Tcb.sndWnd]) {
      f[Tcb.duplicateAcks]!++;
      answer |= duplicateAckArrived(f, ack);
    }
  } else if (seqGt(ack, f[Tcb.sndMax]!)) {
    return drop(Drop.AckUnsent) | throttledAck(f);
  } else {
    answer |= newDataAcked(f, sendQueue, ack);
  }
  f[Tcb.invalidAcks] = 0;
  const wl1 = f[Tcb.sndWl1]!;
  const wl2 = f[Tcb.sndWl2]!;
  if (seqLt(wl1, seq) || (wl1 === seq && (seqLt(wl2, ack) || (wl2 === ack && win > f[Tcb.sndWnd]!)))) {
    f[Tcb.sndWnd] = win;
    f[Tcb.sndWl1] = seq;
    f[Tcb.sndWl2] = ack;
  }
  // The ACK or a wider window may let written data go that waits in the send queue.
  if (!sendQueue.allSent) answer |= SEND_DATA;
  if (ourFinAcked(f)) return 0; // LAST_ACK's end: nothing more to take from the segment
  if (state === TcpConnState.TimeWait) {
    // Only the peer's FIN sent again can arrive now: acknowledged, 2·MSL starts anew (p. 73).
    f[Tcb.timeWaitEnd] = 0;
    return SEND_ACK | (dataLength > 0 ? drop(Drop.State) : 0);
  }

  if (dataLength > 0 && !mayReceive(f[Tcb.state]!)) {
    // Data after the peer's FIN (RFC 793 p. 74: ignore the segment text).
    dataLength = 0;
    dropReason = Drop.State;
  }
  if (dataLength > 0 && seq === rcvNxt && f[Tcb.reassCount] !== 0) {
    // In-order data stops where another thread's queued data is still being copied in.
    dataLength = queue.clipToPending(seq, dataLength);
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
      countDelivered(f, dataLength);
      if (f[Tcb.reassCount] === 0) {
        answer |= DELIVER | ackEverySecond(f);
      } else {
        queue.trimCovered();
        answer |= DELIVER | PULL_QUEUE | SEND_ACK;
      }
    } else {
      // Out of order: queue it (its copy into the ring is made once the lock is released)
      // and tell the peer what we still expect. A FIN behind it waits for the peer to send it again.
      f[Tcb.outOfOrder]!++;
      finOk = false;
      const queued = queue.enqueue(dataAt, seq, dataLength);
      if (queued >= 0) dropReason = queued;
      else answer |= COPY_IN;
      answer |= SEND_ACK;
    }
  }
  if (finOk && ((seq + dataLength) | 0) === f[Tcb.rcvNxt]) answer |= peerFin(f);
  return dropReason >= 0 ? answer | ((dropReason + 1) << DROP_SHIFT) : answer;
}

/** The most ACKs answering unacceptable segments between two acceptable ones, or two ticks (RFC 5961 §7). */
const INVALID_ACK_LIMIT = 4;

/**
 * An ACK in answer to an unacceptable segment, unless INVALID_ACK_LIMIT of them went out since the
 * last acceptable segment (taken off the slow path) or the last tick: two ends that disagree about
 * the sequence numbers would otherwise answer each other's ACKs forever (an ACK storm).
 */
function throttledAck(f: Int32Array): number {
  if (f[Tcb.invalidAcks]! >= INVALID_ACK_LIMIT) return 0;
  f[Tcb.invalidAcks]!++;
  return SEND_ACK;
}

/**
 * What an ACK of our FIN moves the connection to (RFC 793 pp. 73-74): FIN_WAIT_1 to FIN_WAIT_2,
 * CLOSING to TIME_WAIT, LAST_ACK to CLOSED. Answers true when the connection ended there.
 */
function ourFinAcked(f: Int32Array): boolean {
  if ((f[Tcb.flags]! & TcbFlag.FinSent) === 0 || f[Tcb.sndUna] !== f[Tcb.sndMax]) return false;
  switch (f[Tcb.state]) {
    case TcpConnState.FinWait1:
      f[Tcb.state] = TcpConnState.FinWait2;
      break;
    case TcpConnState.Closing:
      enterTimeWait(f);
      break;
    case TcpConnState.LastAck:
      f[Tcb.state] = TcpConnState.Closed;
      return true;
  }
  return false;
}

/** The peer's FIN, in order (RFC 793 p. 75): it takes a sequence number and is acknowledged at once. */
function peerFin(f: Int32Array): number {
  const state = f[Tcb.state]!;
  // A retransmitted FIN: acknowledged again, nothing changes.
  if (state === TcpConnState.CloseWait || state === TcpConnState.Closing || state === TcpConnState.LastAck) return SEND_ACK;
  if (state !== TcpConnState.TimeWait) f[Tcb.rcvNxt] = (f[Tcb.rcvNxt]! + 1) | 0;
  if (state === TcpConnState.Established || state === TcpConnState.SynReceived) f[Tcb.state] = TcpConnState.CloseWait;
  else if (state === TcpConnState.FinWait1) f[Tcb.state] = TcpConnState.Closing;
  else enterTimeWait(f); // FIN_WAIT_2, or TIME_WAIT again: 2·MSL starts anew
  return SEND_ACK;
}

/** TIME_WAIT: its 2·MSL starts at the stack's next tick (the clock is the tick's). */
function enterTimeWait(f: Int32Array): void {
  f[Tcb.state] = TcpConnState.TimeWait;
  f[Tcb.timeWaitEnd] = 0;
}

/** BSD's delayed ACK, reduced to its effect here: the second unacknowledged segment is ACKed at once. */
function ackEverySecond(f: Int32Array): number {
  const flags = f[Tcb.flags]!;
  if ((flags & TcbFlag.DelAck) !== 0) {
    f[Tcb.flags] = flags & ~TcbFlag.DelAck;
    return SEND_ACK;
  }
  f[Tcb.flags] = flags | TcbFlag.DelAck;
  return 0;
}
