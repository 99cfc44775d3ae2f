// TCP connection state in one fixed-layout block: 32-bit fields, the out-of-order queue's
// descriptors and its 64 KiB data ring. It can sit on an ArrayBuffer (one owner) or on a
// SharedArrayBuffer (packet-level parallelism, under a lock) without any change to the TCP code.

export const TcpStateName = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED'] as const;
export const TcpConnState = { Closed: 0, Listen: 1, SynSent: 2, SynReceived: 3, Established: 4 } as const;

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
  /** First of REASS_SLOTS (seq, length, pending) entries, sorted by seq; see REASS_ENTRY. */
  reass: 32,
} as const;

/** TF_* flags in `Tcb.flags`. */
export const TcbFlag = { AckNow: 1, DelAck: 2 } as const;

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
export const RCV_RING_BYTES = 65536;
export const RCV_WINDOW = 65535;
const FIELD_COUNT = Tcb.reass + REASS_ENTRY * REASS_SLOTS;

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
}

export class TcpControlBlock {
  static readonly BYTES = FIELD_COUNT * 4 + RCV_RING_BYTES;

  readonly f: Int32Array;
  readonly ring: Uint8Array;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(TcpControlBlock.BYTES), byteOffset = 0) {
    if (byteOffset % 8 !== 0) throw new RangeError(`TCP control block offset ${byteOffset} is not 8-byte aligned`);
    this.f = new Int32Array(buffer, byteOffset, FIELD_COUNT);
    this.ring = new Uint8Array(buffer, byteOffset + FIELD_COUNT * 4, RCV_RING_BYTES);
  }

  get state(): number {
    return this.f[Tcb.state]!;
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
    };
  }
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
