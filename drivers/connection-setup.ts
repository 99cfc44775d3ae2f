// What the connection workloads build their stacks from: each connection's two ends, a connected
// pair on a loopback wire, the options that put one end on a shared connection (packet-level
// parallelism), and the sink that takes a receiver's ACK frames.

import type { FrameSink } from '../stacks/layer.js';
import { BufferPool, DEFAULT_SLOT_BYTES, type Msg } from '../stacks/message.js';
import type { TcpLockScope } from '../stacks/stack-options.js';
import { Stack, type StackOptions, endpointPair } from '../stacks/stack.js';
import { Loopback } from './loopback.js';
import { injectsFaults } from './fault-link.js';
import { type SharedConnection, WORKER_MESSAGES } from './shared-connection.js';
import type { WorkloadOptions } from './workload-contract.js';

/**
 * Both ends of connection `connection`. Under packet-level parallelism every worker has its own
 * stacks on the one connection: `worker` keeps their IV nonces apart (no IV is ever reused).
 */
export function endpoints(connection: number, worker = 0): [StackOptions, StackOptions] {
  const [a, b] = endpointPair();
  a.local = { ...a.local, port: a.local.port + 2 * connection };
  a.remote = { ...a.remote, port: a.remote.port + 2 * connection };
  b.local = { ...b.local, port: b.local.port + 2 * connection };
  b.remote = { ...b.remote, port: b.remote.port + 2 * connection };
  a.instance = ((worker << 20) | (2 * connection + 1)) >>> 0;
  b.instance = ((worker << 20) | (2 * connection + 2)) >>> 0;
  return [a, b];
}

/** Options that put a stack's TCP, IP and AH state on the shared connection (one end of it). */
export function onShared(
  shared: SharedConnection,
  end: 'measured' | 'peer',
  scope: TcpLockScope | undefined,
  messages: BufferPool,
): Partial<StackOptions> {
  const measured = end === 'measured';
  return {
    messages,
    state: {
      tcb: measured ? shared.measuredTcb : shared.peerTcb,
      ipIdent: measured ? shared.measuredIdent : shared.peerIdent,
      ahSequence: measured ? shared.measuredSequence : shared.peerSequence,
      ...(measured && shared.backlog !== null ? { backlog: shared.backlog } : {}),
    },
    lock: measured ? shared.lock : shared.peerLock,
    tcpLockScope: scope ?? 'state',
  };
}

/** This worker's message slots in the shared block, as a pool (made once per workload). */
export function sharedMessages(shared: SharedConnection): BufferPool {
  return new BufferPool(WORKER_MESSAGES, DEFAULT_SLOT_BYTES, shared.messages);
}

/** A sender and a receiver of `options.spec` on a loopback wire, connected. */
export function connectedPair(
  options: WorkloadOptions,
  receiverEnforcesDigest: boolean,
  worker = 0,
): { sender: Stack; receiver: Stack; wire: Loopback } {
  const [oa, ob] = endpoints(options.connection ?? 0, worker);
  const arena = options.arena !== undefined ? { arena: options.arena } : {};
  const sender = new Stack(options.spec, { ...oa, crypto: options.crypto, tcpMinRtoMs: options.minRtoMs, ...arena });
  const receiver = new Stack(options.spec, {
    ...ob,
    crypto: options.crypto,
    tcpMinRtoMs: options.minRtoMs,
    enforceDigest: receiverEnforcesDigest,
    ...arena,
  });
  checkPacketSize(sender, options.packetSize);
  const wire = new Loopback(sender, receiver, wireFrames(options));
  if (sender.transport === 'tcp') wire.handshake();
  return { sender, receiver, wire };
}

/**
 * Frames a loopback wire holds: 64, or on a lossy wire 256, where a filled hole releases up to a
 * window of queued segments at once, each answered with an ACK before the wire is pumped again.
 * A clean wire of a connection in an arena takes its frames from the arena's pool for all its wires.
 */
export function wireFrames(options: Pick<WorkloadOptions, 'faults' | 'arena'>): number | BufferPool {
  if (injectsFaults(options.faults)) return 256;
  return options.arena !== undefined ? options.arena.wireFrames() : 64;
}

export function checkPacketSize(stack: Stack, packetSize: number): void {
  if (packetSize > stack.maxPayload) {
    throw new RangeError(
      `packet size ${packetSize} does not fit one ${stack.linkName} frame of stack ${stack.spec}: at most ${stack.maxPayload} bytes`,
    );
  }
}

/** A driver that consumes the receiver's ACK frames, keeping a trace of them. */
export function countingSink(w: { observed: number; tap: ((frame: Msg) => void) | null }): FrameSink {
  return {
    transmit: (frame: Msg) => {
      if (w.tap !== null) w.tap(frame);
      w.observed = (w.observed + frame.length) | 0;
    },
  };
}
