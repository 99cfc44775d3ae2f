// The drivers for one connection or one gateway: which workload a run's options ask for. Each
// workload is its own file (send-workload.ts, receive-workload.ts, shared-verify-workload.ts,
// gateway.ts); what they promise the engines is workload-contract.ts.

import { ConnectionArena } from '../stacks/connection-arena.js';
import { isGatewaySpec } from '../stacks/spec.js';
import { injectsFaults } from './fault-link.js';
import { GatewayWorkload } from './gateway.js';
import { ReceiveWorkload } from './receive-workload.js';
import { SendWorkload } from './send-workload.js';
import type { SharedConnection } from './shared-connection.js';
import { SharedVerifyWorkload } from './shared-verify-workload.js';
import type { Workload, WorkloadOptions } from './workload-contract.js';

/**
 * The drivers for one connection. With `shared`, this worker's part of a connection that several
 * workers process at once (packet-level parallelism); build the leader's first.
 */
export function createWorkload(options: WorkloadOptions, shared: SharedConnection | null = null): Workload {
  if (isGatewaySpec(options.spec)) return new GatewayWorkload(options);
  // A connection of its own takes its memory from its thread's arena, or from one of its own.
  if (shared === null && options.arena === undefined) options = { ...options, arena: new ConnectionArena(1) };
  // A lossy wire under packet-level parallelism needs a real receiver and sender at both ends of the shared connection.
  if (shared !== null && (options.verify || injectsFaults(options.faults))) return new SharedVerifyWorkload(options, shared);
  return options.side === 'send' ? new SendWorkload(options, shared) : new ReceiveWorkload(options, shared);
}
