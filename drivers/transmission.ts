// What a run's TCP senders and lossy wire did, for its results: segments sent again (by timeout, by
// fast retransmit or partial ACK), zero-window probes, the congestion window at the end, and the
// faults the wire injected. Counts are taken over the measured window; cwnd is read at its end.

import type { FaultCounts } from './fault-link.js';

export interface Transmission {
  /** Whether a sender reported (a TCP, or a lossy replay source); false: the counts are all 0 and mean nothing. */
  reported: boolean;
  retransmits: number;
  fastRetransmits: number;
  timeouts: number;
  probes: number;
  /** The measured connections' congestion windows at the end, bytes: their mean (0 without TCP). */
  cwnd: number;
  /** Frames the wire lost, sent twice, held back past the next, and corrupted. */
  linkLost: number;
  linkDuplicated: number;
  linkReordered: number;
  linkCorrupted: number;
}

export function noTransmission(): Transmission {
  return {
    reported: false,
    retransmits: 0,
    fastRetransmits: 0,
    timeouts: 0,
    probes: 0,
    cwnd: 0,
    linkLost: 0,
    linkDuplicated: 0,
    linkReordered: 0,
    linkCorrupted: 0,
  };
}

/** One connection's counts now: its sender's TCP statistics (or none) and its wire's faults. */
export function transmissionOf(
  tcp: { retransmits: number; fastRetransmits: number; timeouts: number; probes: number; cwnd: number } | null,
  faults: FaultCounts,
): Transmission {
  return {
    reported: tcp !== null,
    retransmits: tcp?.retransmits ?? 0,
    fastRetransmits: tcp?.fastRetransmits ?? 0,
    timeouts: tcp?.timeouts ?? 0,
    probes: tcp?.probes ?? 0,
    cwnd: tcp?.cwnd ?? 0,
    linkLost: faults.dropped,
    linkDuplicated: faults.duplicated,
    linkReordered: faults.reordered,
    linkCorrupted: faults.corrupted,
  };
}

const COUNTS = [
  'retransmits',
  'fastRetransmits',
  'timeouts',
  'probes',
  'linkLost',
  'linkDuplicated',
  'linkReordered',
  'linkCorrupted',
] as const;

/** What happened between `before` and `after` (cwnd: the value at `after`). */
export function transmissionSince(after: Transmission, before: Transmission): Transmission {
  const out = { ...after };
  for (const k of COUNTS) out[k] = after[k] - before[k];
  return out;
}

/**
 * Several connections' (or workers') transmissions as one run's: counts added up and cwnd their
 * mean. `sharedTcp`: the TCP counts are one shared connection's, seen alike by every worker
 * (packet-level parallelism), so they are taken once; the wire's faults are each worker's own.
 */
export function combineTransmissions(all: readonly (Transmission | undefined)[], sharedTcp = false): Transmission {
  const sum = noTransmission();
  // (another build's workers, under ab, may report none)
  const parts = all.filter((p): p is Transmission => p !== undefined);
  if (parts.length === 0) return sum;
  for (const p of parts) for (const k of COUNTS) sum[k] += p[k];
  sum.reported = parts.some((p) => p.reported);
  if (sharedTcp) {
    const first = parts[0]!;
    sum.retransmits = first.retransmits;
    sum.fastRetransmits = first.fastRetransmits;
    sum.timeouts = first.timeouts;
    sum.probes = first.probes;
  }
  const senders = parts.filter((p) => p.reported);
  sum.cwnd = senders.length === 0 ? 0 : Math.round(senders.reduce((s, p) => s + p.cwnd, 0) / senders.length);
  return sum;
}
