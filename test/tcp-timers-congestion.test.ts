// TCP's RTO arithmetic against RFC 6298's rules, and NewReno's transitions (RFC 5681, RFC 6582) on
// a scripted ACK sequence, each on a control block of its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RETRANSMIT,
  duplicateAck,
  initialWindow,
  newAck,
  resetCongestion,
  sendAllowance,
  timeout,
} from '../stacks/layers/tcp/congestion.js';
import { Tcb, TcbFlag, TcpControlBlock } from '../stacks/layers/tcp/control-block.js';
import {
  INITIAL_RTO_MS,
  MAX_RTO_MS,
  MIN_RTO_MS,
  ackTimed,
  cancelTiming,
  resetRto,
  rtoExpired,
  rttSample,
  startTiming,
} from '../stacks/layers/tcp/timers.js';

const MSS = 1000;

function block(): Int32Array {
  const f = new TcpControlBlock().f;
  resetRto(f);
  return f;
}

/** SRTT, RTTVAR and RTO in ms, from the scaled fields. */
function rtt(f: Int32Array): [number, number, number] {
  return [f[Tcb.srtt8]! / 8, f[Tcb.rttvar4]! / 4, f[Tcb.rto]!];
}

test('RFC 6298 2.1: before any sample the RTO is 1 s', () => {
  assert.is(block()[Tcb.rto], INITIAL_RTO_MS);
});

test('RFC 6298 2.2: the first sample R sets SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR', () => {
  const f = block();
  rttSample(f, 100);
  assert.equal(rtt(f), [100, 50, 300]);
});

test('RFC 6298 2.3: later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R', () => {
  const f = block();
  rttSample(f, 100);
  rttSample(f, 300);
  // RTTVAR = 37.5 + 50 = 87.5; SRTT = 87.5 + 37.5 = 125; RTO = 125 + 350 = 475.
  assert.equal(rtt(f), [125, 87.5, 475]);
  rttSample(f, 125);
  // RTTVAR = 3/4 × 87.5 + 0 = 65.625, kept in quarter ms as BSD keeps it (350 - 350/4 = 263 quarters).
  assert.equal(rtt(f), [125, 65.75, 125 + 263]);
});

test('RFC 6298 2.4-2.5: the RTO is bounded below (200 ms here) and above (60 s)', () => {
  const f = block();
  rttSample(f, 1);
  assert.is(f[Tcb.rto], MIN_RTO_MS);
  rttSample(f, 100_000);
  assert.is(f[Tcb.rto], MAX_RTO_MS);
});

test('RFC 6298 5.5: each expiry doubles the RTO up to the bound; a new sample ends the backoff', () => {
  const f = block();
  rttSample(f, 100);
  rtoExpired(f);
  assert.is(f[Tcb.rto], 600);
  rtoExpired(f);
  assert.is(f[Tcb.rto], 1200);
  for (let i = 0; i < 10; i++) rtoExpired(f);
  assert.is(f[Tcb.rto], MAX_RTO_MS);
  assert.is(f[Tcb.backoff], 12);
  rttSample(f, 100);
  assert.is(f[Tcb.backoff], 0);
  assert.ok(f[Tcb.rto]! < 1000);
});

test("Karn's rule: one segment timed at a time, its ACK gives the sample, a retransmission voids it", () => {
  const f = block();
  startTiming(f, 5000, 1000);
  startTiming(f, 6000, 1010); // already timing: ignored
  ackTimed(f, 4999, 1040); // does not cover it
  assert.is(f[Tcb.srtt8], 0);
  ackTimed(f, 5000, 1050);
  assert.equal(rtt(f), [50, 25, MIN_RTO_MS]);
  startTiming(f, 7000, 2000);
  cancelTiming(f); // sent again: the ACK could be for either copy
  ackTimed(f, 7000, 2900);
  assert.is(f[Tcb.srtt8], 50 * 8, 'no sample from a retransmitted segment');
});

/** A connection with `inFlight` bytes sent past sndUna = 0, its congestion state new. */
function connection(inFlight: number): Int32Array {
  const f = new TcpControlBlock().f;
  f[Tcb.iss] = -1;
  f[Tcb.sndUna] = 0;
  f[Tcb.sndMax] = inFlight;
  resetCongestion(f, MSS);
  return f;
}

/** An ACK of everything up to `ack`: sndUna moves, newAck runs; answers what it answered. */
function ackTo(f: Int32Array, ack: number): number {
  const acked = ack - f[Tcb.sndUna]!;
  f[Tcb.sndUna] = ack;
  return newAck(f, acked, MSS);
}

test('RFC 5681 3.1: the initial window, slow start to ssthresh, then about one MSS per round trip', () => {
  assert.is(initialWindow(1460), 4380);
  assert.is(initialWindow(536), 2144);
  assert.is(initialWindow(4000), 8000);
  const f = connection(100_000);
  assert.is(f[Tcb.cwnd], 4000);
  ackTo(f, 1000);
  ackTo(f, 3000); // acks two segments: still only one MSS more (eq. 2)
  assert.is(f[Tcb.cwnd], 6000);
  f[Tcb.ssthresh] = 6000;
  ackTo(f, 4000);
  assert.is(f[Tcb.cwnd], 6000 + Math.floor((MSS * MSS) / 6000), 'congestion avoidance (eq. 3)');
  for (let i = 0; i < 6; i++) ackTo(f, 5000 + 1000 * i);
  assert.ok(f[Tcb.cwnd]! >= 6900 && f[Tcb.cwnd]! <= 7100, `about one MSS after a window of ACKs: ${f[Tcb.cwnd]}`);
});

test('NewReno on a scripted loss: fast retransmit on the third duplicate, inflation, partial ACK, full ACK', () => {
  // Ten segments of 1000 in flight; the ones at 2000 and 5000 are lost.
  const f = connection(10_000);
  f[Tcb.cwnd] = 10_000;
  assert.is(ackTo(f, 2000), 0);
  assert.is(duplicateAck(f, 2000, MSS), 0);
  assert.is(duplicateAck(f, 2000, MSS), 0);
  assert.is(duplicateAck(f, 2000, MSS), RETRANSMIT, 'the third duplicate ACK');
  assert.is(f[Tcb.ssthresh], 4000, 'half the flight (8000 after the ACK of 2000)');
  assert.is(f[Tcb.cwnd], 4000 + 3 * MSS);
  assert.is(f[Tcb.recover], 10_000);
  assert.ok((f[Tcb.flags]! & TcbFlag.InRecovery) !== 0);
  assert.is(duplicateAck(f, 2000, MSS), 0);
  assert.is(f[Tcb.cwnd], 8000, 'each further duplicate inflates the window by one MSS');
  // The retransmitted 2000 arrives: the ACK stops at the next hole, 5000 (a partial ACK).
  assert.is(ackTo(f, 5000), RETRANSMIT, 'the next hole is sent at once');
  assert.is(f[Tcb.cwnd], 8000 - 3000 + MSS, 'deflated by what was acknowledged, one MSS added back');
  assert.ok((f[Tcb.flags]! & TcbFlag.InRecovery) !== 0, 'still recovering');
  // The retransmitted 5000 arrives: everything up to recover is acknowledged (the full ACK).
  assert.is(ackTo(f, 10_000), 0);
  assert.is(f[Tcb.flags]! & TcbFlag.InRecovery, 0);
  assert.is(f[Tcb.cwnd], Math.min(4000, 0 + MSS), 'min(ssthresh, flight + MSS): nothing is in flight');
  assert.is(f[Tcb.fastRetransmits], 1);
});

test('RFC 6582 3.2 step 2: duplicate ACKs of data sent before the last recovery do not start another', () => {
  const f = connection(10_000);
  timeout(f, MSS);
  assert.is(f[Tcb.recover], 10_000);
  f[Tcb.sndMax] = 12_000;
  for (let i = 0; i < 3; i++) assert.is(duplicateAck(f, 0, MSS), 0);
  assert.is(f[Tcb.fastRetransmits], 0);
});

test('a timeout: one MSS of window, ssthresh halved, recovery over', () => {
  const f = connection(10_000);
  f[Tcb.cwnd] = 10_000;
  for (let i = 0; i < 3; i++) duplicateAck(f, 0, MSS);
  timeout(f, MSS);
  assert.equal([f[Tcb.cwnd], f[Tcb.ssthresh], f[Tcb.flags]! & TcbFlag.InRecovery, f[Tcb.timeouts]], [MSS, 5000, 0, 1]);
});

test('after a timeout each partial ACK sends the next hole at once, until recover is acknowledged', () => {
  const f = connection(10_000);
  timeout(f, MSS);
  assert.ok((f[Tcb.flags]! & TcbFlag.AfterTimeout) !== 0);
  assert.is(ackTo(f, 3000), RETRANSMIT, 'a hole at 3000');
  assert.is(ackTo(f, 6000), RETRANSMIT, 'another at 6000');
  assert.is(ackTo(f, 10_000), 0, 'everything sent before the timeout');
  assert.is(f[Tcb.flags]! & TcbFlag.AfterTimeout, 0);
  timeout(f, MSS);
  f[Tcb.sndMax] = 20_000;
  const ssthresh = f[Tcb.ssthresh];
  timeout(f, MSS);
  assert.is(f[Tcb.ssthresh], ssthresh, 'RFC 5681 3.1: a second timeout before recovery keeps ssthresh');
});

test('RFC 3042: the first two duplicate ACKs each let one more segment out, outside recovery', () => {
  const f = connection(4000);
  f[Tcb.smss] = MSS;
  assert.is(sendAllowance(f), 4000);
  duplicateAck(f, 0, MSS);
  assert.is(sendAllowance(f), 5000);
  duplicateAck(f, 0, MSS);
  assert.is(sendAllowance(f), 6000);
  duplicateAck(f, 0, MSS); // the third: fast recovery, where inflation takes over
  assert.is(sendAllowance(f), f[Tcb.cwnd]);
});

test('RFC 7661: cwnd grows only while the sender fills it', () => {
  const f = connection(2000); // an application that keeps two segments out, under a 4000 window
  ackTo(f, 1000);
  assert.is(f[Tcb.cwnd], 4000, 'not cwnd-limited: no growth');
  f[Tcb.sndMax] = 1000 + 4000;
  ackTo(f, 2000);
  assert.is(f[Tcb.cwnd], 5000, 'a full window: slow start');
});

test.run();
