// TCP's input (Net/2 tcp_input): a checked segment run through the connection's state machine
// under the state lock: header prediction, the handshake, trimming to the window, ACK processing,
// in-order delivery and queueing out of order. Answers what to do once the lock is released.

import type { Msg } from '../../message.js';
import { TcpFlag, TcpOffset } from '../../wire/tcp.js';
import { DELIVER, Drop, DROP_SHIFT, MSS_KNOWN, PULL_QUEUE, SEND_ACK, SEND_SYN_ACK, COPY_IN, drop } from './actions.js';
import { Tcb, TcbFlag, TcpConnState, type TcpControlBlock, seqGt, seqLeq, seqLt } from './control-block.js';
import type { ReassemblyQueue } from './reassembly.js';

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
 * The state machine, under the lock: the segment at `at` (its header `headerBytes` long, its MSS
 * option `mss` or 0) checked against the connection. Leaves `msg` trimmed to the data to deliver
 * when the answer has DELIVER. Answers what to do once the lock is released (actions.ts).
 */
// eslint-disable-next-line max-lines-per-function -- the per-packet path, one function on purpose
export function input(
  tcb: TcpControlBlock,
  queue: ReassemblyQueue,
  ends: InputEnds,
  msg: Msg,
  at: number,
  headerBytes: number,
  mss: number,
): number {
  const f = tcb.f;
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
      delivered(f, dataLength);
      return DELIVER | ackEverySecond(f);
    }
  }

  switch (state) {
    case TcpConnState.Closed:
      return drop(Drop.State);
    case TcpConnState.Listen: {
      if ((flags & (TcpFlag.RST | TcpFlag.ACK | TcpFlag.SYN)) !== TcpFlag.SYN) return drop(Drop.State);
      if (srcPort !== ends.remotePort) return drop(Drop.Port);
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
      f[Tcb.peerMss] = mss > 0 ? mss : DEFAULT_PEER_MSS;
      f[Tcb.state] = TcpConnState.SynReceived;
      return SEND_SYN_ACK | MSS_KNOWN;
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
      f[Tcb.peerMss] = mss > 0 ? mss : DEFAULT_PEER_MSS;
      f[Tcb.state] = TcpConnState.Established;
      return SEND_ACK | MSS_KNOWN;
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
  excess = (seq + dataLength - queue.windowEnd(rcvNxt)) | 0;
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
      delivered(f, dataLength);
      if (f[Tcb.reassCount] === 0) {
        answer |= DELIVER | ackEverySecond(f);
      } else {
        queue.trimCovered();
        answer |= DELIVER | PULL_QUEUE | SEND_ACK;
      }
    } else {
      // Out of order: queue it (its copy into the ring is made once the lock is released)
      // and tell the peer what we still expect.
      f[Tcb.outOfOrder]!++;
      const queued = queue.enqueue(dataAt, seq, dataLength);
      if (queued >= 0) dropReason = queued;
      else answer |= COPY_IN;
      answer |= SEND_ACK;
    }
  }
  return dropReason >= 0 ? answer | ((dropReason + 1) << DROP_SHIFT) : answer;
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

function delivered(f: Int32Array, length: number): void {
  f[Tcb.bytesDelivered] = (f[Tcb.bytesDelivered]! + length) | 0;
}
