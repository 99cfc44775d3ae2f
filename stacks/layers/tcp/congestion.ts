// TCP's congestion control: NewReno (RFC 5681 with RFC 6582's fast recovery), on the control
// block's cwnd, ssthresh, dupAcks and recover, in bytes. Each function is one of RFC 5681's
// events; under packet-level parallelism they run under the state lock like the rest of input.
// They answer what the caller must send: nothing, or the first unacknowledged segment again.

import { Tcb, TcbFlag, seqGt } from './control-block.js';

/** Send the first unacknowledged segment again (fast retransmit, or a partial ACK's retransmit). */
export const RETRANSMIT = 1;
/** The largest window, as RFC 7323's largest scaled window (2^30): slow start grows no further. */
export const MAX_CWND = 0x4000_0000;

/** RFC 5681 3.1 (and RFC 3390): the initial window, min(4·MSS, max(2·MSS, 4380 bytes)). */
export function initialWindow(mss: number): number {
  return Math.min(4 * mss, Math.max(2 * mss, 4380));
}

/** A new connection's congestion state (RFC 5681 3.1: ssthresh as high as may be). */
export function resetCongestion(f: Int32Array, mss: number): void {
  f[Tcb.cwnd] = initialWindow(mss);
  f[Tcb.ssthresh] = 0x7fff_ffff;
  f[Tcb.dupAcks] = 0;
  f[Tcb.recover] = f[Tcb.iss]!; // RFC 6582 3.2 step 1: recover starts at the ISS
  f[Tcb.flags] = f[Tcb.flags]! & ~(TcbFlag.InRecovery | TcbFlag.AfterTimeout);
}

/**
 * How much may be in flight: cwnd, plus one segment for each of the first two duplicate ACKs
 * outside recovery (RFC 3042's Limited Transmit: new data keeps the duplicate ACKs coming, so a
 * small window still reaches fast retransmit instead of a timeout).
 */
export function sendAllowance(f: Int32Array): number {
  const dupAcks = f[Tcb.dupAcks]!;
  if (dupAcks === 0 || (f[Tcb.flags]! & TcbFlag.InRecovery) !== 0) return f[Tcb.cwnd]!;
  return f[Tcb.cwnd]! + Math.min(dupAcks, 2) * f[Tcb.smss]!;
}

/** The data in flight: sent and not yet acknowledged. */
function flightSize(f: Int32Array): number {
  return (f[Tcb.sndMax]! - f[Tcb.sndUna]!) | 0;
}

/** RFC 5681 3.1, eq. 4: ssthresh after a loss, half the flight but at least two segments. */
function halved(f: Int32Array, mss: number): number {
  return Math.max(flightSize(f) >> 1, 2 * mss);
}

/**
 * An ACK that acknowledged `acked` new bytes; sndUna has moved to the new ACK, sndMax is what was
 * sent. In fast recovery a partial ACK (RFC 6582 3.2 step 5) answers RETRANSMIT and deflates the
 * window; the full ACK (step 6) ends recovery. Otherwise slow start or congestion avoidance.
 */
export function newAck(f: Int32Array, acked: number, mss: number): number {
  f[Tcb.dupAcks] = 0;
  const cwnd = f[Tcb.cwnd]!;
  if ((f[Tcb.flags]! & TcbFlag.InRecovery) !== 0) {
    if (seqGt(f[Tcb.recover]!, f[Tcb.sndUna]!)) {
      // A partial ACK: the next hole is lost too. Deflate by what was acknowledged, add back one
      // segment if at least one was, and send the first unacknowledged segment again.
      f[Tcb.cwnd] = Math.max(mss, cwnd - acked + (acked >= mss ? mss : 0));
      return RETRANSMIT;
    }
    // The full ACK: recovery is over; the window is the halved one, no burst beyond flight + MSS.
    f[Tcb.flags] = f[Tcb.flags]! & ~TcbFlag.InRecovery;
    f[Tcb.cwnd] = Math.min(f[Tcb.ssthresh]!, flightSize(f) + mss);
    return 0;
  }
  // A sender that did not fill cwnd (the peer's window or the application held it back) learns
  // nothing about the path: cwnd stays (RFC 7661's validation, as Linux's tcp_is_cwnd_limited).
  if (flightSize(f) + acked + mss <= cwnd) return afterTimeout(f);
  if (cwnd < f[Tcb.ssthresh]!) {
    // Slow start (RFC 5681 3.1, eq. 2): up to one MSS per ACK.
    f[Tcb.cwnd] = Math.min(MAX_CWND, cwnd + Math.min(acked, mss));
  } else {
    // Congestion avoidance (eq. 3): about one MSS per round trip, at least 1 byte per ACK.
    f[Tcb.cwnd] = Math.min(MAX_CWND, cwnd + Math.max(1, Math.floor((mss * mss) / cwnd)));
  }
  return afterTimeout(f);
}

/**
 * After a timeout, until everything sent before it is acknowledged: an ACK that leaves a hole
 * below `recover` sends it again at once (each hole would otherwise wait for a timer of its own).
 */
function afterTimeout(f: Int32Array): number {
  if ((f[Tcb.flags]! & TcbFlag.AfterTimeout) === 0) return 0;
  if (seqGt(f[Tcb.recover]!, f[Tcb.sndUna]!)) return RETRANSMIT;
  f[Tcb.flags] = f[Tcb.flags]! & ~TcbFlag.AfterTimeout;
  return 0;
}

/**
 * A duplicate ACK (RFC 5681 3.2: no data, no window change, sndUna unmoved, data outstanding). The
 * third starts fast retransmit and fast recovery, unless it only acknowledges what was sent before
 * the last recovery began (RFC 6582 3.2 step 2); later ones inflate the window by one MSS each.
 */
export function duplicateAck(f: Int32Array, ack: number, mss: number): number {
  const dupAcks = ++f[Tcb.dupAcks]!;
  if ((f[Tcb.flags]! & TcbFlag.InRecovery) !== 0) {
    f[Tcb.cwnd] = f[Tcb.cwnd]! + mss;
    return 0;
  }
  if (dupAcks !== 3 || !seqGt(ack, f[Tcb.recover]!)) return 0;
  f[Tcb.ssthresh] = halved(f, mss);
  f[Tcb.recover] = f[Tcb.sndMax]!;
  f[Tcb.cwnd] = f[Tcb.ssthresh]! + 3 * mss;
  f[Tcb.flags] = f[Tcb.flags]! | TcbFlag.InRecovery;
  f[Tcb.fastRetransmits]!++;
  return RETRANSMIT;
}

/**
 * The retransmission timer expired (RFC 5681 3.1, eq. 4; RFC 6582 4): one segment's window, fast
 * recovery over, and what was sent before now to be recovered hole by hole (afterTimeout). A
 * timeout again before recovery ends keeps ssthresh (RFC 5681 eq. 4 is for the first).
 */
export function timeout(f: Int32Array, mss: number): void {
  if ((f[Tcb.flags]! & TcbFlag.AfterTimeout) === 0) f[Tcb.ssthresh] = halved(f, mss);
  f[Tcb.cwnd] = mss;
  f[Tcb.dupAcks] = 0;
  f[Tcb.recover] = f[Tcb.sndMax]!;
  f[Tcb.flags] = (f[Tcb.flags]! & ~TcbFlag.InRecovery) | TcbFlag.AfterTimeout;
  f[Tcb.timeouts]!++;
}
