// TCP's retransmission timeout (RFC 6298), kept in the control block as BSD keeps it: the smoothed
// RTT scaled by 8 and its variation by 4, so that integer arithmetic on the int32 fields keeps
// fractions of a millisecond. Times are ms on the stack's clock (stack.tick(now)). Samples follow
// Karn's rule: one segment timed at a time, and never one that was sent again.

import { Tcb } from './control-block.js';

/** RFC 6298 2.1: the RTO before any sample. */
export const INITIAL_RTO_MS = 1000;
/** RFC 6298 2.4 says 1 s; Linux uses 200 ms, and so do we by default (the in-memory wire's RTTs are µs). */
export const MIN_RTO_MS = 200;
/** RFC 6298 2.5: an upper bound of at least 60 s. */
export const MAX_RTO_MS = 60_000;
/** The clock's granularity, G (ms). */
const GRANULARITY_MS = 1;

/** Retransmissions of one segment before the connection is given up (BSD's TCP_MAXRXTSHIFT; RFC 1122 4.2.3.5's R2). */
export const MAX_BACKOFFS = 12;

/** A connection's timer state before its first sample (at connect or listen); `minRtoMs` bounds the RTO below. */
export function resetRto(f: Int32Array, minRtoMs = MIN_RTO_MS): void {
  f[Tcb.rtoMin] = minRtoMs;
  f[Tcb.srtt8] = 0;
  f[Tcb.rttvar4] = 0;
  f[Tcb.rto] = INITIAL_RTO_MS;
  f[Tcb.backoff] = 0;
  f[Tcb.rttStart] = 0;
  f[Tcb.rtxDeadline] = 0;
}

/** Starts timing the segment that ends at `endSeq`, unless a measurement is under way. */
export function startTiming(f: Int32Array, endSeq: number, now: number): void {
  if (f[Tcb.rttStart] !== 0) return;
  f[Tcb.rttSeq] = endSeq | 0;
  f[Tcb.rttStart] = now | 0 || 1;
}

/** Karn's rule: a retransmission voids the measurement under way (its ACK would be ambiguous). */
export function cancelTiming(f: Int32Array): void {
  f[Tcb.rttStart] = 0;
}

/**
 * An ACK of everything up to `ack` arrived at `now`: if it covers the timed segment, the
 * measurement gives a sample. A new ACK also ends any backoff (RFC 6298 5.7 keeps the backed-off
 * RTO until a sample; the sample recomputes it).
 */
export function ackTimed(f: Int32Array, ack: number, now: number): void {
  const start = f[Tcb.rttStart]!;
  if (start === 0 || ((ack - f[Tcb.rttSeq]!) | 0) < 0) return;
  f[Tcb.rttStart] = 0;
  rttSample(f, Math.max(0, ((now | 0) - start) | 0));
}

/** RFC 6298 2.2-2.3: one RTT sample `r` (ms) updates SRTT, RTTVAR and the RTO. */
export function rttSample(f: Int32Array, r: number): void {
  if (f[Tcb.srtt8] === 0) {
    // The first sample: SRTT = R, RTTVAR = R/2.
    f[Tcb.srtt8] = Math.max(1, r * 8);
    f[Tcb.rttvar4] = r * 2;
  } else {
    // RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R (in the scaled units).
    const srtt8 = f[Tcb.srtt8]!;
    const delta = Math.abs(srtt8 - r * 8) >> 1; // |SRTT - R| × 4
    f[Tcb.rttvar4] = f[Tcb.rttvar4]! - (f[Tcb.rttvar4]! >> 2) + (delta >> 2);
    f[Tcb.srtt8] = Math.max(1, srtt8 - (srtt8 >> 3) + r);
  }
  f[Tcb.backoff] = 0;
  f[Tcb.rto] = boundedRto(f);
}

/** RTO = SRTT + max(G, 4·RTTVAR), within [the block's minimum, MAX_RTO_MS] (RFC 6298 2.2-2.5). */
function boundedRto(f: Int32Array): number {
  const rto = (f[Tcb.srtt8]! >> 3) + Math.max(GRANULARITY_MS, f[Tcb.rttvar4]!);
  return Math.min(MAX_RTO_MS, Math.max(f[Tcb.rtoMin]!, rto));
}

/** RFC 6298 5.5-5.6: the timer expired: the RTO doubles (up to the bound) and the timing is void. */
export function rtoExpired(f: Int32Array): void {
  f[Tcb.backoff]!++;
  f[Tcb.rto] = Math.min(MAX_RTO_MS, f[Tcb.rto]! * 2);
  cancelTiming(f);
}

/** `now` as the control block keeps times: an int32 ms, never 0 (0 means "not set"). */
export function clockValue(now: number): number {
  return now | 0 || 1;
}

/** Time `deadline` (int32 ms, mod 2^32) has come at `now`. */
export function reached(now: number, deadline: number): boolean {
  return ((now - deadline) | 0) >= 0;
}

/** (Re)starts the retransmission timer: it fires one RTO after the last tick's time (none known yet: the next tick starts it). */
export function restartTimer(f: Int32Array): void {
  const now = f[Tcb.now]!;
  f[Tcb.rtxDeadline] = now === 0 ? 0 : clockValue(now + f[Tcb.rto]!);
}

/** The persist timer's interval: the RTO backed off by the probes sent so far (BSD's tcp_setpersist), bounded. */
export function persistInterval(f: Int32Array): number {
  return Math.min(MAX_RTO_MS, f[Tcb.rto]! * 2 ** Math.min(f[Tcb.backoff]!, MAX_BACKOFFS));
}
