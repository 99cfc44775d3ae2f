// Dispatch policies of the gateway papers: which worker processes which packet.
//
// - shared: the PLP queue. Workers claim the next stream packet from one shared counter; any
//   packet goes to whichever worker asks first.
// - flat-hash (Benecke §3.3): every worker receives every packet and keeps those whose hash mod n
//   is its id. The hash reads the IP header checksum (the paper's choice), the IP identification,
//   or the 5-tuple.
// - rr and sqf (Shieh & Lai §3.2): every worker receives every packet and runs the same
//   deterministic turn: round-robin, or shortest queue first, where a node's queue is the bytes
//   the turn has given it (their pseudo-code: "add the size of the packet to QueueLength").
// Per packet, or per session (--dispatch-unit session): a session's first packet is placed by the
// policy and the rest follow it (a session table every worker keeps alike), or, for flat-hash, the
// hash covers the 5-tuple so a session always lands on one worker.
//
// Replicated selectors agree because each sees the same packets in the same order and keeps no
// state another could change. Everything is allocated at set-up.

import type { Msg } from '../stacks/message.js';
import {
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  ipv4Checksum,
  ipv4Dst,
  ipv4HeaderBytes,
  ipv4Ident,
  ipv4Protocol,
  ipv4Src,
} from '../stacks/wire/ipv4.js';
import type { PacketOwner, StreamCursor } from '../drivers/gateway.js';

export const DISPATCH_POLICIES = ['shared', 'flat-hash', 'rr', 'sqf'] as const;
export type DispatchPolicy = (typeof DISPATCH_POLICIES)[number];
export const DISPATCH_UNITS = ['packet', 'session'] as const;
export type DispatchUnit = (typeof DISPATCH_UNITS)[number];
export const HASH_FIELDS = ['checksum', 'ident', '5-tuple'] as const;
export type HashField = (typeof HASH_FIELDS)[number];

export interface Dispatch {
  policy: DispatchPolicy;
  unit: DispatchUnit;
  /** flat-hash only: what the hash reads (per session, always the 5-tuple). */
  hashField: HashField;
}

/** How a configuration's dispatch is written in results: flat-hash(checksum), rr/session, shared. */
export function dispatchLabel(d: Dispatch): string {
  const base = d.policy === 'flat-hash' ? `flat-hash(${d.unit === 'session' ? '5-tuple' : d.hashField})` : d.policy;
  return d.unit === 'session' && d.policy !== 'flat-hash' ? `${base}/session` : base;
}

/** The 5-tuple of the IP packet at `ip`, mixed to 32 bits (ports 0 for other protocols). */
function flowHash(view: DataView, ip: number, ipLength: number): number {
  if (ipLength < 20) return 0;
  const protocol = ipv4Protocol(view, ip);
  const transport = ip + ipv4HeaderBytes(view, ip);
  const ports = (protocol === IP_PROTO_TCP || protocol === IP_PROTO_UDP) && transport + 4 <= ip + ipLength ? view.getInt32(transport) : 0;
  let h = ipv4Src(view, ip) ^ Math.imul(ipv4Dst(view, ip), 0x9e3779b1) ^ Math.imul(ports, 0x85ebca6b) ^ protocol;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Session table capacity: a power of two, far above the traffic mix's 256 flows. */
const SESSION_SLOTS = 8192;
/** Sessions are placed only while the table is below this fill; later ones go packet by packet. */
const SESSION_FILL_LIMIT = (SESSION_SLOTS * 3) / 4;

/**
 * One worker's copy of a replicated policy. `owner(frame)` names the worker that processes the
 * frame; every worker computes the same answer for the same packet.
 */
export class ReplicatedSelector implements PacketOwner {
  /** The workers taking part, in order; the hash and the turn index into this list. */
  private readonly members: Int32Array;
  private memberCount: number;
  private nextTurn = 0;
  /** sqf: bytes the turn has given each member slot. */
  private readonly queued: Float64Array;
  /** Session table (open addressing): the flow hash + 1 (0 = empty), and the owner. */
  private readonly sessionKeys: Uint32Array | null;
  private readonly sessionOwners: Int32Array | null;
  private sessions = 0;
  /** Sessions placed packet by packet because the table was full. */
  tableFull = 0;
  /** The owner the last decision named (the driver counts packets whose owner has crashed). */
  lastOwner = -1;
  /** A membership to take over at stream position `switchAt` (a reconfiguration after a crash). */
  private readonly nextMembers: Int32Array;
  private nextCount = 0;
  private switchAt = Infinity;

  constructor(
    readonly dispatch: Dispatch,
    workers: number,
    /** The worker this copy decides for (-1: none, to time selection alone). */
    readonly me: number,
  ) {
    if (dispatch.policy === 'shared') throw new RangeError('shared dispatch is not replicated: use a shared cursor');
    this.members = Int32Array.from({ length: workers }, (_, i) => i);
    this.memberCount = workers;
    this.nextMembers = new Int32Array(workers);
    this.queued = new Float64Array(workers);
    const table = dispatch.unit === 'session' && dispatch.policy !== 'flat-hash';
    this.sessionKeys = table ? new Uint32Array(SESSION_SLOTS) : null;
    this.sessionOwners = table ? new Int32Array(SESSION_SLOTS) : null;
  }

  keep(frame: Msg, ipAt: number, ipLength: number, position: number): boolean {
    const owner = this.owner(frame.view, ipAt, ipLength, position);
    this.lastOwner = owner;
    return owner === this.me;
  }

  /**
   * From stream position `at` on, the packets are divided among `members` only. Every replica is
   * told the same members and position, so they switch at the same packet.
   */
  reconfigure(members: readonly number[], at: number): void {
    this.nextMembers.set(members);
    this.nextCount = members.length;
    this.switchAt = at;
  }

  private switchMembers(): void {
    this.members.set(this.nextMembers.subarray(0, this.nextCount));
    this.memberCount = this.nextCount;
    // The turn starts afresh among the new members (every replica does the same at the same packet).
    this.nextTurn = 0;
    this.queued.fill(0);
    this.switchAt = Infinity;
  }

  owner(view: DataView, ip: number, ipLength: number, position = 0): number {
    if (position >= this.switchAt) this.switchMembers();
    const d = this.dispatch;
    if (d.policy === 'flat-hash') {
      let h: number;
      if (d.unit === 'session' || d.hashField === '5-tuple') h = flowHash(view, ip, ipLength);
      else if (ipLength < 20) h = 0;
      else h = d.hashField === 'checksum' ? ipv4Checksum(view, ip) : ipv4Ident(view, ip);
      return this.members[h % this.memberCount]!;
    }
    const size = ipLength;
    if (this.sessionKeys === null) return this.turn(size);
    // Per session: look the flow up; a new one takes the turn.
    const keys = this.sessionKeys;
    const key = (flowHash(view, ip, ipLength) | 1) >>> 0; // never 0, the empty mark
    let slot = key & (SESSION_SLOTS - 1);
    while (keys[slot] !== 0 && keys[slot] !== key) slot = (slot + 1) & (SESSION_SLOTS - 1);
    if (keys[slot] === key) {
      const owner = this.sessionOwners![slot]!;
      const member = this.slotOf(owner);
      if (member >= 0) {
        if (d.policy === 'sqf') this.queued[member]! += size;
        return owner;
      }
      // Its worker left the membership: the session is placed again, as a new one.
      return (this.sessionOwners![slot] = this.turn(size));
    }
    const owner = this.turn(size);
    if (this.sessions < SESSION_FILL_LIMIT) {
      keys[slot] = key;
      this.sessionOwners![slot] = owner;
      this.sessions++;
    } else {
      this.tableFull++;
    }
    return owner;
  }

  /** Shieh & Lai's turn: THIS_TURN = NEXT_TURN, then (sqf) its queue grows, then NEXT_TURN moves on. */
  private turn(size: number): number {
    const thisTurn = this.nextTurn;
    if (this.dispatch.policy === 'rr') {
      this.nextTurn = thisTurn + 1 === this.memberCount ? 0 : thisTurn + 1;
    } else {
      const queued = this.queued;
      queued[thisTurn]! += size;
      let shortest = 0;
      for (let s = 1; s < this.memberCount; s++) if (queued[s]! < queued[shortest]!) shortest = s;
      this.nextTurn = shortest;
    }
    return this.members[thisTurn]!;
  }

  /** The worker's place among the members, or -1 when it is not one. */
  private slotOf(worker: number): number {
    for (let s = 0; s < this.memberCount; s++) if (this.members[s] === worker) return s;
    return -1;
  }
}

/**
 * Shared dispatch's block behind the run's counters, one cache line each: the queue's counter, and
 * an IPsec SA's sequence number, replay window and lock (every worker processes the one SA's packets).
 */
export const GATEWAY_SHARED_BYTES = 4 * 64;

/** The shared policy's queue: one counter in shared memory, each claim takes the next packet. */
export class SharedCursor implements StreamCursor {
  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
  ) {}

  next(): number {
    return Atomics.add(this.words, this.at, 1) & 0x7fff_ffff;
  }
}
