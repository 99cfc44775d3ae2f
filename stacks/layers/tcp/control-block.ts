// TCP connection state in one fixed-layout block: 32-bit fields, the out-of-order queue's and the
// send queue's descriptors, and the page tables of its two 64 KiB rings (ring-pages.ts). It can sit
// on an ArrayBuffer (one owner) or on a SharedArrayBuffer (packet-level parallelism, under a lock)
// without any change to the TCP code. Its rings either follow it, pinned, or take pages from a pool.

import { type PagePool, PagedRing, RING_BYTES, RING_PAGES } from './ring-pages.js';
import { SAMPLE_TABLE } from './sample-times.js';

/** RFC 793's connection states, by their numbers in `Tcb.state`. */
export const TcpStateName = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;
export const TcpConnState = {
  Closed: 0,
  Listen: 1,
  SynSent: 2,
  SynReceived: 3,
  Established: 4,
  FinWait1: 5,
  FinWait2: 6,
  CloseWait: 7,
  Closing: 8,
  LastAck: 9,
  TimeWait: 10,
} as const;

/** States in which we may still send data (our FIN not sent yet). */
export function maySend(state: number): boolean {
  return state === TcpConnState.Established || state === TcpConnState.CloseWait;
}

/** States in which data from the peer is still taken (its FIN not received yet). */
export function mayReceive(state: number): boolean {
  return state === TcpConnState.Established || state === TcpConnState.FinWait1 || state === TcpConnState.FinWait2;
}

/** Field indexes into `TcpControlBlock.f`. Sequence numbers are stored as int32 and compared mod 2^32. */
export const Tcb = {
  state: 0,
  iss: 1,
  irs: 2,
  sndUna: 3,
  sndNxt: 4,
  sndMax: 5,
  sndWnd: 6,
  sndWl1: 7,
  sndWl2: 8,
  rcvNxt: 9,
  peerMss: 10,
  flags: 11,
  remotePort: 12,
  reassCount: 13,
  /** The right edge of the window last advertised (BSD's rcv_adv). */
  rcvAdv: 14,
  /** TIME_WAIT: when it ends on the stack's clock (ms); 0 until the first tick in TIME_WAIT starts 2·MSL. */
  timeWaitEnd: 15,
  // statistics
  segsIn: 16,
  segsOut: 17,
  acksOut: 18,
  predictedAcks: 19,
  predictedData: 20,
  outOfOrder: 21,
  duplicates: 22,
  duplicateAcks: 23,
  reassDelivered: 24,
  bytesDelivered: 25, // mod 2^32
  resetsOut: 26,
  /** ACKs sent in answer to unacceptable segments since the last acceptable one or tick (RFC 5961 §7's throttle). */
  invalidAcks: 27,
  // retransmission (RFC 6298; timers.ts): times are ms on the stack's clock
  /** Smoothed RTT × 8 (BSD's scaling, so integer arithmetic keeps 1/8 ms); 0 before the first sample. */
  srtt8: 28,
  /** RTT variation × 4. */
  rttvar4: 29,
  /** The retransmission timeout, ms, backoff included. */
  rto: 30,
  /** Timeouts in a row without a new ACK (each doubles the RTO). */
  backoff: 31,
  /** The sequence number whose ACK ends the RTT measurement under way (Karn: never a retransmitted one). */
  rttSeq: 32,
  /** When that measurement started; 0 when none is under way. */
  rttStart: 33,
  /** The smallest RTO, ms (RFC 6298 2.4; a setting, Linux's 200 ms by default). */
  rtoMin: 34,
  // congestion control (RFC 5681, RFC 6582 NewReno; congestion.ts), in bytes
  cwnd: 35,
  ssthresh: 36,
  /** Duplicate ACKs in a row. */
  dupAcks: 37,
  /** NewReno's recover: sndMax when loss recovery began. */
  recover: 38,
  retransmits: 39,
  fastRetransmits: 40,
  timeouts: 41,
  /** When the retransmission timer (or, with nothing in flight, the persist timer) fires; 0 when off. */
  rtxDeadline: 42,
  /** The stack's clock at its last tick (ms; 0 before any): what sending and ACKs are timed by between ticks. */
  now: 43,
  /** The send queue (send-queue.ts): the slot of its oldest write, and how many writes it holds. */
  sndSegHead: 44,
  sndSegCount: 45,
  /** The largest segment we send (SMSS): congestion control's unit. */
  smss: 46,
  /** Zero-window probes sent (persist timer). */
  probes: 47,
  /** RFC 7323: the shift of the peer's window fields (its SYN's window scale, when we agreed to scale); 0 otherwise. */
  sndScale: 48,
  /** The send queue's writes from the oldest on that are sent whole (the next one's segments go next). */
  sndSegsSent: 49,
  /** The limit a layer above set on segments (LimitSegment, as TCP_MAXSEG); 0 for none. Shared, so every thread cuts alike. */
  userMss: 50,
  /** How many sampled writes' times the send-side table holds (sample-times.ts; read for every segment sent, so here). */
  sndSamples: 51,
  /** How many sampled out-of-order segments' times the receive-side table holds. */
  rcvSamples: 52,
  /** First of REASS_SLOTS (seq, length, pending) entries, sorted by seq; see REASS_ENTRY. */
  reass: 56,
} as const;

/** TF_* flags in `Tcb.flags`. */
export const TcbFlag = {
  AckNow: 1,
  DelAck: 2,
  /** Our FIN has been sent: it is the last sequence number, sndMax - 1. */
  FinSent: 4,
  /** Opened passively (from LISTEN): an RST in SYN_RECEIVED returns it to LISTEN (RFC 793 p. 70). */
  Passive: 8,
  /** NewReno's fast recovery is under way (RFC 6582). */
  InRecovery: 16,
  /** After a timeout, until `recover` is acknowledged: each partial ACK sends the next hole again. */
  AfterTimeout: 32,
  /** The application was refused for want of send window: the persist timer probes it when nothing is in flight. */
  WindowBlocked: 64,
  /** RFC 7323: the peer's SYN offered window scaling and our SYN-ACK agreed (our own shift is 0). */
  WindowScaled: 128,
  /** The application closed with data still waiting: the FIN goes once it is sent. */
  FinQueued: 256,
} as const;

export const REASS_SLOTS = 64;
/**
 * Int32 fields per out-of-order entry: seq, length, and its data's state (ReassData). Under the
 * state lock the ring copies are made outside the lock; the state says which copy is under way.
 */
export const REASS_ENTRY = 3;
export const ReassData = {
  /** In the ring, waiting for rcv_nxt to reach it. */
  Ready: 0,
  /** The thread that queued it is still copying it into the ring: not delivered, trimmed or replaced. */
  CopyingIn: 1,
  /** Delivered (rcv_nxt is past it), still being copied out: the ring bytes it names are not reused. */
  CopyingOut: 2,
} as const;
/** Receive buffer: the whole unscaled window (no RFC 1323), indexed by seq mod 2^16. */
export const RCV_RING_BYTES = RING_BYTES;
export const RCV_WINDOW = 65535;
/** Send buffer: what is sent and not yet acknowledged, indexed by seq mod 2^16 (the peer's window is at most 65535). */
export const SND_RING_BYTES = RING_BYTES;
/** The largest write the application may make at once: half the send ring, so one more fits behind it. */
export const MAX_WRITE = SND_RING_BYTES / 2;
/** The send queue's capacity in writes (a power of two). */
export const SND_SEGS = 1024;
/**
 * Int32 fields per send-queue slot: the write's end (its boundary, kept for retransmission),
 * whether its bytes are in the ring yet (1) or still being copied in outside the state lock (0),
 * and its length (where it starts in the ring).
 */
export const SND_ENTRY = 3;
/**
 * The page tables of the receive ring and the send ring (ring-pages.ts), 16 entries each, beside the
 * fields a packet reads: a connection's hot state stays within its first 4 KiB.
 */
const RCV_PAGES_AT = Tcb.reass + REASS_ENTRY * REASS_SLOTS;
const SND_PAGES_AT = RCV_PAGES_AT + RING_PAGES;
/** Where the send ring's mapped pages begin: the start of the oldest write still held (send-queue.ts). */
export const SND_PAGED_FROM = SND_PAGES_AT + RING_PAGES;
/** Index in `TcpControlBlock.f` of the send queue's first slot. */
export const SND_SEGS_AT = SND_PAGED_FROM + 1;
/** The entries of the tables of sampled times (sample-times.ts); their counts are sndSamples and rcvSamples. */
export const SND_SAMPLES_AT = SND_SEGS_AT + SND_ENTRY * SND_SEGS;
export const RCV_SAMPLES_AT = SND_SAMPLES_AT + SAMPLE_TABLE;
const FIELD_COUNT = RCV_SAMPLES_AT + SAMPLE_TABLE;

/** A connection's counts, as `TcpControlBlock.stats()` reads them. */
export interface TcpStats {
  segsIn: number;
  segsOut: number;
  acksOut: number;
  predictedAcks: number;
  predictedData: number;
  outOfOrder: number;
  duplicates: number;
  duplicateAcks: number;
  reassDelivered: number;
  reassQueued: number;
  /** Resets sent (RFC 793 p. 36). */
  resetsOut: number;
  /** Segments sent again: by timeout, fast retransmit or partial ACK (RFC 6298, 5681, 6582). */
  retransmits: number;
  fastRetransmits: number;
  timeouts: number;
  /** Zero-window probes (persist timer). */
  probes: number;
  /** The congestion window and slow-start threshold now, bytes. */
  cwnd: number;
  ssthresh: number;
  /** The smoothed RTT (ms, 0 before a sample) and the retransmission timeout (ms). */
  srttMs: number;
  rtoMs: number;
}

export class TcpControlBlock {
  /** The fields alone, on whole 64-byte lines: a block whose rings take pages from a pool. */
  static readonly FIELD_BYTES = Math.ceil((FIELD_COUNT * 4) / 64) * 64;
  /** The fields and both rings pinned behind them: a block of its own, or a shared one. */
  static readonly BYTES = TcpControlBlock.FIELD_BYTES + RCV_RING_BYTES + SND_RING_BYTES;

  readonly f: Int32Array;
  /** The receive ring (reassembly.ts). */
  readonly ring: PagedRing;
  /** The send ring (send-queue.ts). */
  readonly sndRing: PagedRing;

  /** `pages`: the rings take pages from it as data comes; without, they are pinned behind the fields (BYTES in all). */
  constructor(buffer: ArrayBufferLike = new ArrayBuffer(TcpControlBlock.BYTES), byteOffset = 0, pages?: PagePool) {
    if (byteOffset % 8 !== 0) throw new RangeError(`TCP control block offset ${byteOffset} is not 8-byte aligned`);
    this.f = new Int32Array(buffer, byteOffset, FIELD_COUNT);
    const rings = byteOffset + TcpControlBlock.FIELD_BYTES;
    this.ring = new PagedRing(this.f, RCV_PAGES_AT, pages ?? null, rings);
    this.sndRing = new PagedRing(this.f, SND_PAGES_AT, pages ?? null, rings + RCV_RING_BYTES);
  }

  /**
   * Takes another block's state, its page tables aside (each block maps its own pages): a shared
   * connection starts from a private end's handshake, or a private end from a shared one's. Set-up only.
   */
  copyStateFrom(other: TcpControlBlock): void {
    this.f.set(other.f.subarray(0, RCV_PAGES_AT));
    this.f.set(other.f.subarray(SND_PAGED_FROM), SND_PAGED_FROM);
  }

  /** Gives both rings' pages back (a block opened anew, or closed for good). */
  releasePages(): void {
    this.ring.releaseAll();
    this.sndRing.releaseAll();
  }

  get state(): number {
    return this.f[Tcb.state]!;
  }

  /** Written data waits in the send queue to be sent (for the windows to open). */
  get waitingToSend(): boolean {
    return this.f[Tcb.sndSegsSent] !== this.f[Tcb.sndSegCount];
  }

  /** The state's RFC 793 name (ESTABLISHED, TIME_WAIT, ...). */
  get stateName(): string {
    return TcpStateName[this.f[Tcb.state]!] ?? `state ${this.f[Tcb.state]}`;
  }

  /** Statistics by name (unsigned), for reports and tests. */
  stats(): TcpStats {
    const f = this.f;
    return {
      segsIn: f[Tcb.segsIn]! >>> 0,
      segsOut: f[Tcb.segsOut]! >>> 0,
      acksOut: f[Tcb.acksOut]! >>> 0,
      predictedAcks: f[Tcb.predictedAcks]! >>> 0,
      predictedData: f[Tcb.predictedData]! >>> 0,
      outOfOrder: f[Tcb.outOfOrder]! >>> 0,
      duplicates: f[Tcb.duplicates]! >>> 0,
      duplicateAcks: f[Tcb.duplicateAcks]! >>> 0,
      reassDelivered: f[Tcb.reassDelivered]! >>> 0,
      reassQueued: f[Tcb.reassCount]!,
      resetsOut: f[Tcb.resetsOut]! >>> 0,
      retransmits: f[Tcb.retransmits]! >>> 0,
      fastRetransmits: f[Tcb.fastRetransmits]! >>> 0,
      timeouts: f[Tcb.timeouts]! >>> 0,
      probes: f[Tcb.probes]! >>> 0,
      cwnd: f[Tcb.cwnd]!,
      ssthresh: f[Tcb.ssthresh]!,
      srttMs: f[Tcb.srtt8]! / 8,
      rtoMs: f[Tcb.rto]!,
    };
  }
}

/** Counts `length` bytes delivered to the application (Tcb.bytesDelivered, mod 2^32). */
export function countDelivered(f: Int32Array, length: number): void {
  f[Tcb.bytesDelivered] = (f[Tcb.bytesDelivered]! + length) | 0;
}

/** a < b in sequence space (RFC 793 §3.3, mod 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
