// --verify under packet-level parallelism, and any run with a lossy wire under it: the shared
// connection's two ends in every worker, the stream checked for arriving whole, once and in order.

import { Tcb } from '../stacks/layers/tcp/control-block.js';
import type { Msg } from '../stacks/message.js';
import { Stack } from '../stacks/stack.js';
import { BaseWorkload, type SenderCounts } from './base-workload.js';
import type { FaultCounts } from './fault-link.js';
import { checkPacketSize, endpoints, onShared, sharedMessages, wireFrames } from './connection-setup.js';
import { type Label, fillLabelled, readLabel } from './data-stream.js';
import { Loopback } from './loopback.js';
import { inOrderApplication } from './plp-commit.js';
import { type SharedConnection, SharedWord } from './shared-connection.js';
import type { WorkloadOptions } from './workload-contract.js';

/**
 * --verify under packet-level parallelism: every worker has a sender and a receiver, each on the
 * shared connection's two ends, and a private wire between them, so the segments of one TCP
 * stream reach the shared receiver from several threads, out of order. Each message is labelled
 * content (data-stream.ts): every piece of it names its message and its place there. The receiver
 * checks each piece as it comes and, through the in-order application, that the committed stream
 * is whole messages one after another, once each.
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
    if (options.packetSize < 8)
      throw new RangeError('--verify with several workers needs packets of at least 8 bytes (each piece names its message)');
    this.wire = new Loopback(this.sender, this.receiver, wireFrames(options));
    if (shared.leader) {
      if (this.sender.transport === 'tcp') this.wire.handshake();
      Atomics.store(shared.words, SharedWord.committed, this.receiver.tcb?.f[Tcb.rcvNxt] ?? 0);
      Atomics.store(shared.words, SharedWord.parked, 0);
      Atomics.store(shared.words, SharedWord.committedWaiters, 0);
      Atomics.store(shared.words, SharedWord.messageIndex, 0);
      Atomics.store(shared.words, SharedWord.streamIndex, 0);
      Atomics.store(shared.words, SharedWord.streamOffset, 0);
    }
    if (this.lossy) this.wire.injectFaults({ ...options.faults!, seed: options.faults!.seed + 2 * shared.worker });
    const size = options.packetSize;
    const label: Label = { index: 0, offset: 0 };
    const check = (m: Msg): number => {
      const read = readLabel(m, size, label);
      if (read === 0) this.dataErrors++;
      return read === 1 ? tagOf(label) : UNLABELLED;
    };
    const credit = (bytes: number): void => void (this.delivered += bytes);
    const inOrder = (tag: number, length: number): void => {
      // Under the reorder lock, in stream order: each piece goes on where the last one stopped.
      const words = shared.words;
      let offset = words[SharedWord.streamOffset]!;
      if (tag !== UNLABELLED) {
        if ((tag & OFFSET_MASK) !== offset || (offset > 0 && tag >>> OFFSET_BITS !== words[SharedWord.streamIndex])) this.dataErrors++;
        words[SharedWord.streamIndex] = tag >>> OFFSET_BITS;
      }
      offset += length;
      if (offset >= size) {
        if (offset > size) this.dataErrors++;
        offset = 0;
      }
      words[SharedWord.streamOffset] = offset;
    };
    this.receiver.application =
      this.receiver.transport === 'tcp'
        ? inOrderApplication(shared, check, credit, () => void this.dataErrors++, inOrder)
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
    fillLabelled(msg.bytes, msg.head, size, index);
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

/** A piece's tag for the in-order check: its message number (mod 2^18) and offset; UNLABELLED when too short to read. */
const OFFSET_BITS = 13;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
const UNLABELLED = -1;

function tagOf(label: Label): number {
  return ((label.index & 0x3ffff) << OFFSET_BITS) | label.offset;
}
