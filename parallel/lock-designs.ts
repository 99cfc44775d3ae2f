// PLP's lock designs, swept by --lock: which lock guards the shared connection's TCP state and
// what it covers. The paper's design is one mutex over the connection's state (`state`, the
// default); `segment` takes the same mutex over all of TCP's work on a segment; `ticket` is a fair
// queue lock (ticket-lock.ts) over the state, as `state` covers it; `backlog` is Linux's ownership
// with a backlog (lock_sock/release_sock): the state mutex, but a segment whose input finds it held
// is queued (stacks/layers/tcp/backlog.ts) for whoever releases it, instead of waiting; `batch` is
// the same, but whoever takes the lock runs up to BATCH queued segments under that one acquisition
// (flat combining, Hendler et al., SPAA 2010), and output takes up to BATCH segments to send under one.

import type { TcpLockScope } from '../stacks/stack-options.js';
import { AtomicsMutex, type SampledLock } from './mutex.js';
import { TicketLock } from './ticket-lock.js';

export type LockDesign = 'state' | 'segment' | 'ticket' | 'backlog' | 'batch';
export const LOCK_DESIGNS: readonly LockDesign[] = ['state', 'segment', 'ticket', 'backlog', 'batch'];

/** Segments the batch design runs to an acquisition: half the backlog, so producers rarely find it full. */
export const BATCH = 8;

/** What the design's lock covers in TCP. */
export function lockScopeOf(design: LockDesign): TcpLockScope {
  return design === 'segment' ? 'segment' : 'state';
}

/** The design's lock on the words at `byteOffset` (a cache line of their own: the ticket lock takes three). */
export function makeLock(design: LockDesign, buffer: SharedArrayBuffer, byteOffset: number): SampledLock {
  return design === 'ticket' ? new TicketLock(buffer, byteOffset) : new AtomicsMutex(buffer, byteOffset);
}

/** Queued segments the design runs to an acquisition: 0 without a backlog. */
export function backlogBatchOf(design: LockDesign): number {
  return design === 'backlog' ? 1 : design === 'batch' ? BATCH : 0;
}
