// What TCP's input decides under the lock, done after it is released: bits, plus a drop code + 1
// above them; and the reasons TCP drops a segment (its drop group).

import { dropGroup } from '../../drops.js';

/** Why this layer drops a message (reported as tcp-<reason>). */
export const TCP_DROPS = dropGroup('tcp', {
  Length: 'length', // shorter than a TCP header, or a data offset outside the segment
  Checksum: 'checksum',
  Port: 'port', // not this connection's ports
  Option: 'option', // a malformed option
  State: 'state', // a segment the connection's state does not accept (RST, stray SYN, no ACK, ...)
  Duplicate: 'duplicate', // old or duplicate data: already received
  OutOfWindow: 'out-of-window', // beyond the receive window
  AckUnsent: 'ack-unsent', // acknowledges data never sent
  ReassemblyFull: 'reassembly-full', // out-of-order queue has no free entry
});
export const Drop = TCP_DROPS.code;

/** Deliver the message (trimmed to its data) to the layer above. */
export const DELIVER = 1;
/** Queued data may now be in order: deliver what is. */
export const PULL_QUEUE = 2;
export const SEND_ACK = 4;
export const SEND_SYN_ACK = 8;
/** State lock: copy the segment just queued into the ring (ReassemblyQueue.pending). */
export const COPY_IN = 16;
/** The peer's MSS is known: the largest segment we send may have changed. */
export const MSS_KNOWN = 32;
/** Send the reset input wrote into its Reply (RFC 793 p. 36, "Reset Generation"). */
export const SEND_RST = 64;
/** Send the oldest unacknowledged segment again (or the SYN, before the connection is synchronized). */
export const RETRANSMIT = 128;
/** Send a zero-window probe (persist timer). */
export const SEND_PROBE = 256;
/** Written data waits and the window may let it go: send what it allows (output). */
export const SEND_DATA = 512;
export const DROP_SHIFT = 10;

/** The action that drops for `code` (one of Drop's). */
export function drop(code: number): number {
  return (code + 1) << DROP_SHIFT;
}

/** A segment input answers with that the connection's own state does not give: a reset. */
export interface Reply {
  seq: number;
  ack: number;
  flags: number;
  /** The port it goes to: the offending segment's source port. */
  port: number;
}
