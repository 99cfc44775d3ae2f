// What every workload is to the engines that drive it: its options, its counters, what it
// enforces, and the conservation checks over its counts (one connection, or a shared one's sums).

import type { CryptoProviderName } from '../stacks/crypto/index.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import type { Msg } from '../stacks/message.js';
import type { ConnectionArena } from '../stacks/connection-arena.js';
import type { Faults } from './fault-link.js';
import type { LatencySampler } from './latency-sampler.js';
import type { Transmission } from './transmission.js';
import { kindOf } from '../stacks/registry.js';
import { isGatewaySpec, stackShape } from '../stacks/spec.js';

export type Side = 'send' | 'recv';

export interface WorkloadOptions {
  spec: string;
  side: Side;
  packetSize: number;
  crypto: CryptoProviderName;
  seed: number;
  verify: boolean;
  /** Connection number: keeps ports and IV nonces of several connections apart. */
  connection?: number;
  /** Packet-level parallelism: TCP's lock covers its state only (default) or each whole segment. */
  tcpLockScope?: TcpLockScope;
  /** A lossy wire: what it does to frames, with which seed (none: a perfect wire). */
  faults?: Faults;
  /** TCP's smallest retransmission timeout, ms (default 200). */
  minRtoMs?: number;
  /** Where a connection of its own takes its TCP state and messages from: its thread's arena (one of its own if none). */
  arena?: ConnectionArena;
  /** The thread's latency sampler: packets it samples are timed through the stack (none: nothing is timed). */
  latency?: LatencySampler;
}

/** What a run enforces (a failure drops the packet) and what it only computes. */
export interface Enforcement {
  enforced: string[];
  computedOnly: string[];
  genuineFrames: boolean;
}

export interface WorkloadCounters {
  packets: number;
  /** Application payload bytes sent (send side) or delivered (receive side). */
  bytes: number;
  drops: Record<string, number>;
  /** MD5 digests computed but not enforced that did not match (template replay). */
  digestMismatchesIgnored: number;
  /** Application data that differed from what was sent (verify only). */
  dataErrors: number;
  /** Receive side: data segments that reached the measured TCP out of order (shared under PLP). */
  outOfOrder: number;
  /** What the sending TCP and the wire did: retransmissions, cwnd, injected faults. */
  transmission: Transmission;
}

export interface Workload {
  readonly options: WorkloadOptions;
  /** Processes `packets` application messages; answers the payload bytes they carried. */
  run(packets: number): number;
  /**
   * Latency stamps a message makes on average (LatencySampler.stamp): 1 where a message is timed
   * from the application's hand-off, its frames' count where each frame arriving is (an open loop
   * spreads a message's frames over its slot in the schedule).
   */
  readonly stampsPerPacket: number;
  counters(): WorkloadCounters;
  enforcement(): Enforcement;
  /** A value derived from every delivered or transmitted byte count: reported, so no work is dead. */
  readonly observed: number;
  /** Shows every frame either end emits (pcap), or stops showing them (null). */
  setTap(tap: ((frame: Msg) => void) | null): void;
  /**
   * What breaks conservation so far, or null: every message offered is delivered or dropped with
   * a reason, and both TCP ends agree on what was sent and acknowledged. Checked where the counts
   * are the connection's own (one thread); under PLP they span workers and this answers null.
   */
  conservation(): string | null;
  /**
   * Under PLP, this worker's share of the connection's accounting, added up over workers at the
   * end of a run (frames offered = delivered + dropped + queued); null where conservation() decides.
   */
  sharedAccount(): SharedAccount | null;
}

/** One worker's counts on a shared connection since the run's workloads were built. */
export interface SharedAccount {
  offered: number;
  delivered: number;
  dropped: number;
  /** Segments held in the shared reassembly queue (the leader reports it, the others 0). */
  queued: number;
}

/**
 * PLP receive: a frame one worker offered may be delivered by another, so only the sums over
 * workers must agree: offered = delivered + dropped + queued. Answers what is off, or null.
 */
export function sharedAccountProblem(accounts: readonly SharedAccount[]): string | null {
  if (accounts.length === 0) return null;
  const sum = (k: keyof SharedAccount): number => accounts.reduce((s, a) => s + a[k], 0);
  const [offered, delivered, dropped, queued] = [sum('offered'), sum('delivered'), sum('dropped'), sum('queued')];
  if (offered === delivered + dropped + queued) return null;
  return (
    `${offered} frames offered by ${accounts.length} workers, but ${delivered} delivered + ${dropped} ` +
    `dropped + ${queued} queued = ${delivered + dropped + queued}`
  );
}

/** The first connection whose counts break conservation, named (`connections[k]` for workload k), or null. */
export function firstBroken(workloads: readonly Workload[], connections: readonly number[]): string | null {
  for (let k = 0; k < workloads.length; k++) {
    const broken = workloads[k]!.conservation();
    if (broken !== null) return `connection ${connections[k]}: ${broken}`;
  }
  return null;
}

/** What a run of these drivers enforces (a failure drops the packet) and what it only computes. */
export function enforcementFor(options: Pick<WorkloadOptions, 'spec' | 'side' | 'verify'>): Enforcement {
  const run = { side: options.side, verify: options.verify };
  const enforced: string[] = [];
  const computedOnly: string[] = [];
  for (const layer of [...stackShape(options.spec).layers].reverse()) {
    const checks = kindOf(layer.name).checks?.(layer, run);
    enforced.push(...(checks?.enforced ?? []));
    computedOnly.push(...(checks?.computedOnly ?? []));
  }
  if (options.verify) enforced.push('application data equals what was sent');
  return { enforced, computedOnly, genuineFrames: isGatewaySpec(options.spec) || options.verify || options.side === 'send' };
}
