// --verify under packet-level parallelism, and any run with a lossy wire under it: the shared
// connection's two ends in every worker, the stream checked for arriving once and in order.

import { Tcb } from '../stacks/layers/tcp/control-block.js';
import type { Msg } from '../stacks/message.js';
import { Stack } from '../stacks/stack.js';
import { BaseWorkload, type SenderCounts } from './base-workload.js';
import type { FaultCounts } from './fault-link.js';
import { checkPacketSize, endpoints, onShared, sharedMessages, wireFrames } from './connection-setup.js';
import { sameBytes } from './data-stream.js';
import { Loopback } from './loopback.js';
import { inOrderApplication } from './plp-commit.js';
import { type SharedConnection, SharedWord } from './shared-connection.js';
import type { WorkloadOptions } from './workload-contract.js';

/**
 * --verify under packet-level parallelism: every worker has a sender and a receiver, each on the
 * shared connection's two ends, and a private wire between them, so the segments of one TCP
 * stream reach the shared receiver from several threads, out of order. Each message carries its
 * number in its first 4 bytes and data derived from it; the receiver checks each message and,
 * through the in-order application, that the stream arrives once and in order.
 */
export class SharedVerifyWorkload extends BaseWorkload {
  private readonly sender: Stack;
  private readonly receiver: Stack;
  private readonly wire: Loopback;
  private delivered = 0;
  private readonly settle = (): void => this.settleWire(this.wire);

  constructor(
    options: WorkloadOptions,
    private readonly shared: SharedConnection,
  ) {
    super(options);
    const [oa, ob] = endpoints(options.connection ?? 0, shared.worker);
    const messages = sharedMessages(shared);
    this.sender = new Stack(options.spec, {
      ...oa,
      crypto: options.crypto,
      tcpMinRtoMs: options.minRtoMs,
      ...onShared(shared, 'measured', options.tcpLockScope, messages),
    });
    this.receiver = new Stack(options.spec, {
      ...ob,
      crypto: options.crypto,
      tcpMinRtoMs: options.minRtoMs,
      ...onShared(shared, 'peer', options.tcpLockScope, messages),
    });
    checkPacketSize(this.sender, options.packetSize);
    if (options.packetSize < 4)
      throw new RangeError('--verify with several workers needs packets of at least 4 bytes (each carries its number)');
    this.wire = new Loopback(this.sender, this.receiver, wireFrames(options));
    if (shared.leader) {
      if (this.sender.transport === 'tcp') this.wire.handshake();
      Atomics.store(shared.words, SharedWord.committed, this.receiver.tcb?.f[Tcb.rcvNxt] ?? 0);
      Atomics.store(shared.words, SharedWord.parked, 0);
      Atomics.store(shared.words, SharedWord.messageIndex, 0);
    }
    if (this.lossy) this.wire.injectFaults({ ...options.faults!, seed: options.faults!.seed + 2 * shared.worker });
    const size = options.packetSize;
    const check = (m: Msg): void => {
      const index = m.length === size ? m.view.getUint32(m.head) : -1;
      // Bytes 0-3 carry the message number; the rest is the data stream at that message's place.
      if (index < 0 || !sameBytes(m, this.data.message(index), 4)) this.dataErrors++;
    };
    const credit = (bytes: number): void => void (this.delivered += bytes);
    this.receiver.application =
      this.receiver.transport === 'tcp'
        ? inOrderApplication(shared, check, credit, () => void this.dataErrors++)
        : { pop: (m: Msg) => (check(m), credit(m.length)) };
  }

  /** The number of the message being sent (kept for a refused message's second try). */
  private index = 0;

  protected override fill(again = false): void {
    const msg = this.msg;
    const size = this.options.packetSize;
    if (!again) this.index = Atomics.add(this.shared.words, SharedWord.messageIndex, 1) >>> 0;
    const index = this.index;
    msg.resetPayload(size);
    msg.bytes.set(this.data.message(index), msg.head);
    msg.view.setUint32(msg.head, index);
  }

  protected drive(packets: number): number {
    const before = this.delivered;
    for (let i = 0; i < packets; i++) {
      while (this.receiver.deliverQueued());
      this.sendNext(this.sender, this.settle);
      this.wire.pump();
    }
    const bytes = this.options.side === 'send' ? packets * this.options.packetSize : this.delivered - before;
    this.packets += packets;
    this.bytes += bytes;
    return bytes;
  }

  setTap(tap: ((frame: Msg) => void) | null): void {
    this.tap = tap;
    this.wire.toB.tap = tap;
    this.wire.toA.tap = tap;
  }

  protected stacks(): Stack[] {
    return [this.sender, this.receiver];
  }

  override faultCounts(): FaultCounts {
    return this.wire.faultCounts();
  }

  protected override senderCounts(): SenderCounts | null {
    return this.sender.transport === 'tcp' ? this.sender.tcb!.stats() : null;
  }
}
