// PLP's lock designs, swept by --lock: which lock guards the shared connection's TCP state and
// what it covers. The paper's design is one mutex over the connection's state (`state`, the
// default); `segment` takes the same mutex over all of TCP's work on a segment; `ticket` is a fair
// queue lock (ticket-lock.ts) over the state, as `state` covers it.

import type { TcpLockScope } from '../stacks/stack-options.js';
import { AtomicsMutex, type SampledLock } from './mutex.js';
import { TicketLock } from './ticket-lock.js';

export type LockDesign = 'state' | 'segment' | 'ticket';
export const LOCK_DESIGNS: readonly LockDesign[] = ['state', 'segment', 'ticket'];

/** What the design's lock covers in TCP. */
export function lockScopeOf(design: LockDesign): TcpLockScope {
  return design === 'segment' ? 'segment' : 'state';
}

/** The design's lock on the words at `byteOffset` (a cache line of their own: the ticket lock takes three). */
export function makeLock(design: LockDesign, buffer: SharedArrayBuffer, byteOffset: number): SampledLock {
  return design === 'ticket' ? new TicketLock(buffer, byteOffset) : new AtomicsMutex(buffer, byteOffset);
}
