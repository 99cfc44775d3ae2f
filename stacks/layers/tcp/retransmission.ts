// What ACKs and the clock do to the sending side, under the state lock: an ACK of new data frees
// the send queue, gives an RTT sample, restarts the retransmission timer and opens the congestion
// window; a duplicate ACK counts toward fast retransmit; a tick fires the retransmission timer
// (RFC 6298 5.4-5.7) or, with nothing in flight and the window too small, the persist timer. Each
// answers what the layer must send once the lock is released (actions.ts).

import { RETRANSMIT as CONGESTION_RETRANSMIT, duplicateAck, newAck, timeout } from './congestion.js';
import { RETRANSMIT, SEND_PROBE } from './actions.js';
import { Tcb, TcbFlag, TcpConnState } from './control-block.js';
import type { SendQueue } from './send-queue.js';
import { MAX_BACKOFFS, ackTimed, clockValue, persistInterval, reached, restartTimer, rtoExpired } from './timers.js';

/** An ACK that acknowledges new data, up to `ack` (sndUna < ack ≤ sndMax). */
export function newDataAcked(f: Int32Array, sendQueue: SendQueue, ack: number): number {
  const acked = (ack - f[Tcb.sndUna]!) | 0;
  f[Tcb.sndUna] = ack;
  sendQueue.acknowledged(ack);
  const now = f[Tcb.now]!;
  if (now !== 0) {
    ackTimed(f, ack, now);
    // RFC 6298 5.2-5.3: all acknowledged stops the timer; otherwise it starts again.
    if (ack === f[Tcb.sndMax]) f[Tcb.rtxDeadline] = 0;
    else restartTimer(f);
  }
  return newAck(f, acked, f[Tcb.smss]!) === CONGESTION_RETRANSMIT ? RETRANSMIT : 0;
}

/** A duplicate ACK (RFC 5681 3.2): with data outstanding, the third sends the oldest segment again. */
export function duplicateAckArrived(f: Int32Array, ack: number): number {
  if (ack !== f[Tcb.sndUna] || ack === f[Tcb.sndMax]) return 0;
  return duplicateAck(f, ack, f[Tcb.smss]!) === CONGESTION_RETRANSMIT ? RETRANSMIT : 0;
}

/**
 * The clock at `now` (int32 ms): the retransmission timer, or the persist timer, when due. Answers
 * RETRANSMIT (the oldest segment, or the SYN), SEND_PROBE (a zero-window probe) or 0.
 */
export function timersAt(f: Int32Array, now: number): number {
  f[Tcb.now] = clockValue(now);
  const state = f[Tcb.state]!;
  if (state === TcpConnState.Closed || state === TcpConnState.Listen || state === TcpConnState.TimeWait) return 0;
  const deadline = f[Tcb.rtxDeadline]!;
  const outstanding = f[Tcb.sndUna] !== f[Tcb.sndMax];
  if (!outstanding && (f[Tcb.flags]! & TcbFlag.WindowBlocked) === 0) {
    f[Tcb.rtxDeadline] = 0;
    return 0;
  }
  if (deadline === 0) {
    // Sent before the clock was known, or the window just closed: the timer starts now.
    f[Tcb.rtxDeadline] = clockValue(now + (outstanding ? f[Tcb.rto]! : persistInterval(f)));
    return 0;
  }
  if (!reached(now, deadline)) return 0;
  if (!outstanding) {
    // Persist (RFC 1122 4.2.2.17): probe the closed window; the probes back off, never give up.
    f[Tcb.probes]!++;
    if (f[Tcb.backoff]! < MAX_BACKOFFS) f[Tcb.backoff]!++;
    f[Tcb.rtxDeadline] = clockValue(now + persistInterval(f));
    return SEND_PROBE;
  }
  if (f[Tcb.backoff]! >= MAX_BACKOFFS) {
    // RFC 1122 4.2.3.5: past R2 the connection is given up.
    f[Tcb.state] = TcpConnState.Closed;
    f[Tcb.rtxDeadline] = 0;
    return 0;
  }
  if (state !== TcpConnState.SynSent && state !== TcpConnState.SynReceived) timeout(f, f[Tcb.smss]!);
  rtoExpired(f);
  f[Tcb.rtxDeadline] = clockValue(now + f[Tcb.rto]!);
  return RETRANSMIT;
}
