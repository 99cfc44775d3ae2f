// What the connection workloads (send, receive, shared verify) have in common: counters summed over
// their stacks, the application data, checking what arrives, and sending with a closed window.

import { SendStatus } from '../stacks/layer.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import type { Stack } from '../stacks/stack.js';
import { DataStream, sameBytes } from './data-stream.js';
import {
  type Enforcement,
  type SharedAccount,
  type Workload,
  type WorkloadCounters,
  type WorkloadOptions,
  enforcementFor,
} from './workload-contract.js';

export abstract class BaseWorkload implements Workload {
  observed = 0;
  tap: ((frame: Msg) => void) | null = null;
  protected packets = 0;
  protected bytes = 0;
  protected dataErrors = 0;
  protected readonly msg: Msg = new BufferPool(1).get();
  protected readonly data: DataStream;

  constructor(readonly options: WorkloadOptions) {
    this.data = new DataStream(options.seed, options.packetSize);
  }

  abstract run(packets: number): number;
  abstract setTap(tap: ((frame: Msg) => void) | null): void;
  protected abstract stacks(): Stack[];

  counters(): WorkloadCounters {
    const drops: Record<string, number> = {};
    for (const stack of this.stacks()) {
      for (const [name, count] of Object.entries(stack.drops.toRecord())) drops[name] = (drops[name] ?? 0) + count;
    }
    let ignored = 0;
    for (const stack of this.stacks()) ignored += stack.mismatchesIgnored;
    const outOfOrder = this.measuredReceiver()?.tcb?.stats().outOfOrder ?? 0;
    return { packets: this.packets, bytes: this.bytes, drops, digestMismatchesIgnored: ignored, dataErrors: this.dataErrors, outOfOrder };
  }

  /** The stack whose receiving TCP is measured (receive side only). */
  protected measuredReceiver(): Stack | null {
    return null;
  }

  enforcement(): Enforcement {
    return enforcementFor(this.options);
  }

  conservation(): string | null {
    return null;
  }

  sharedAccount(): SharedAccount | null {
    return null;
  }

  /** An application that compares what arrives with the data stream the sender used (verify). */
  protected checkingApplication(): { pop(m: Msg): void } {
    const expected = new DataStream(this.options.seed, this.options.packetSize);
    return {
      pop: (m: Msg) => {
        if (!sameBytes(m, expected.next())) this.dataErrors++;
      },
    };
  }

  /** Sends the next message; when the window is closed, lets `settle` deliver ACKs and tries once more. */
  protected sendNext(sender: Stack, settle: () => void): void {
    this.fill();
    let status = sender.send(this.msg);
    // Under packet-level parallelism the window can stay closed a while: other workers' segments are in flight.
    for (let tries = 0; status === SendStatus.WouldBlock; tries++) {
      if (tries === 1_000_000) throw new Error(`${this.options.spec}: the send window stayed closed`);
      settle();
      this.fill(); // a refused message may be half-built: start it again from the data
      status = sender.send(this.msg);
    }
    if (status !== SendStatus.Sent) throw new Error(`${this.options.spec}: the sender answered status ${status}`);
  }

  /** Writes the next slice of application data into the message. */
  protected fill(): void {
    const msg = this.msg;
    msg.resetPayload(this.options.packetSize);
    msg.bytes.set(this.data.next(), msg.head);
  }
}
