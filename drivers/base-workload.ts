// What the connection workloads (send, receive, shared verify) have in common: counters summed over
// their stacks, the application data, checking what arrives, and sending with a closed window.

import { SendStatus } from '../stacks/layer.js';
import { BufferPool, DEFAULT_SLOT_BYTES, type Msg, type PoolRegion, memmoveOf, wholeBytesOf } from '../stacks/message.js';
import type { Copier } from '../stacks/native-memory.js';
import type { Stack } from '../stacks/stack.js';
import type { ConnectionArena } from '../stacks/connection-arena.js';
import { DataStream, StreamCheck } from './data-stream.js';
import { CoarseClock } from './coarse-clock.js';
import type { LatencySampler } from './latency-sampler.js';
import { type FaultCounts, injectsFaults, noFaultCounts } from './fault-link.js';
import { transmissionOf } from './transmission.js';
import { Tcb, type TcpStats } from '../stacks/layers/tcp/control-block.js';
import type { Loopback } from './loopback.js';
import { STALL_MS } from './plp-commit.js';
import { APPLICATION_BYTES } from './shared-connection.js';
import {
  type Enforcement,
  type SharedAccount,
  type Workload,
  type WorkloadCounters,
  type WorkloadOptions,
  enforcementFor,
} from './workload-contract.js';

/** What a data sender reports of its retransmissions (a TCP's statistics, or a replay source's own). */
export type SenderCounts = Pick<TcpStats, 'retransmits' | 'fastRetransmits' | 'timeouts' | 'probes' | 'cwnd'>;

/** Tries of a refused send before the driver naps between tries, and the nap (ms). */
const SPINS_BEFORE_SLEEP = 256;
const NAP_MS = 0.02;

/**
 * The application's messages, one to write from and one for the frames a source feeds in, shared by
 * the connections of an arena (their thread's): a connection is done with them when its turn ends.
 */
const arenaMessages = new WeakMap<ConnectionArena, { application: Msg; frame: Msg }>();
export function threadMessages(arena: ConnectionArena): { application: Msg; frame: Msg } {
  let messages = arenaMessages.get(arena);
  if (messages === undefined) {
    const pool = arena.messages(2);
    arenaMessages.set(arena, (messages = { application: pool.get(), frame: pool.get() }));
  }
  return messages;
}

/**
 * The application's data (a stream of its own for each connection, so each sends and checks its
 * messages in order). Connections of one arena send the same bytes, made from the first one's seed,
 * as a server sends one file to many clients: what the connections cost is then the stack's, not
 * the application's 64 KiB each.
 */
const arenaData = new WeakMap<ConnectionArena, Uint8Array>();
function dataStreamOf(options: WorkloadOptions): DataStream {
  const { arena, seed, packetSize } = options;
  if (arena === undefined) return new DataStream(seed, packetSize);
  let bytes = arenaData.get(arena);
  if (bytes === undefined || bytes.length !== DataStream.MESSAGES * packetSize)
    arenaData.set(arena, (bytes = DataStream.data(seed, packetSize)));
  return new DataStream(seed, packetSize, bytes);
}

export abstract class BaseWorkload implements Workload {
  observed = 0;
  tap: ((frame: Msg) => void) | null = null;
  protected packets = 0;
  protected bytes = 0;
  protected dataErrors = 0;
  /** The application's message: in the connection's arena, beside the send ring it is copied into. */
  protected readonly msg: Msg;
  protected readonly data: DataStream;
  /** The clock TCP's timers run on (a lossy wire only). */
  protected readonly clock = new CoarseClock();
  /** A word nobody changes: Atomics.wait on it is a nap. */
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  /** Whether the wire injects faults (then the TCP timers run on the clock). */
  protected readonly lossy: boolean;
  /** The thread's latency sampler, where this workload has a point its sampled packets are recorded at; else null. */
  protected sampler: LatencySampler | null = null;
  /** The stacks whose timers run when the wire settles (stacks(), made once: settling is per refused send). */
  private timerStacks: readonly Stack[] | null = null;

  /**
   * `application`: where this thread's message and data go instead (a PLP worker's region of the
   * shared block, beside the send ring: copies between them are then native, stacks/native-memory.ts).
   */
  constructor(
    readonly options: WorkloadOptions,
    application: PoolRegion | null = null,
  ) {
    const { packetSize, seed } = options;
    const dataBytes = DataStream.MESSAGES * packetSize;
    if (application !== null && DEFAULT_SLOT_BYTES + dataBytes <= APPLICATION_BYTES) {
      this.msg = new BufferPool(1, DEFAULT_SLOT_BYTES, application).get();
      const dataAt = application.byteOffset + DEFAULT_SLOT_BYTES;
      const data = wholeBytesOf(application.buffer).subarray(dataAt, dataAt + dataBytes);
      data.set(DataStream.data(seed, packetSize));
      this.data = new DataStream(seed, packetSize, data);
      this.move = memmoveOf(this.msg.bytes);
    } else {
      this.msg = options.arena !== undefined ? threadMessages(options.arena).application : new BufferPool(1).get();
      this.data = dataStreamOf(options);
    }
    this.lossy = injectsFaults(options.faults);
  }

  /** Processes `packets` application messages (the workload's own loop); answers the payload bytes. */
  protected abstract drive(packets: number): number;

  run(packets: number): number {
    if (!this.timed) return this.drive(packets);
    // The timers' clock runs only while the workload does (see CoarseClock).
    this.clock.resume();
    const bytes = this.drive(packets);
    this.clock.pause();
    return bytes;
  }
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
    const transmission = transmissionOf(this.senderCounts(), this.faultCounts());
    return {
      packets: this.packets,
      bytes: this.bytes,
      drops,
      digestMismatchesIgnored: ignored,
      dataErrors: this.dataErrors,
      outOfOrder,
      transmission,
    };
  }

  /** The stack whose receiving TCP is measured (receive side only). */
  protected measuredReceiver(): Stack | null {
    return null;
  }

  /** The data sender's retransmission counts and cwnd (reported), or null (no TCP sender). */
  protected senderCounts(): SenderCounts | null {
    return null;
  }

  /** What the wire's faults did so far (nothing on a perfect wire). */
  faultCounts(): FaultCounts {
    return noFaultCounts();
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

  /** One stamp a message, at the application's hand-off (sendNext). */
  get stampsPerPacket(): number {
    return 1;
  }

  /**
   * An application that compares what arrives, in pieces as the transport cut it, with the data
   * stream the sender used (verify), and counts it.
   */
  protected checkingApplication(): { pop(m: Msg): void } {
    const expected = new StreamCheck(dataStreamOf(this.options));
    return {
      pop: (m: Msg) => {
        this.checkedBytes += m.length;
        if (!expected.take(m)) this.dataErrors++;
      },
    };
  }

  /** Bytes the checking application took. */
  protected checkedBytes = 0;

  /**
   * Lossy wire, verify: lets the wire and the timers run until the sender has everything
   * acknowledged (or STALL_MS pass), then answers whether the stream arrived whole: every byte
   * sent, taken by the checking application. Null when it did.
   */
  protected drainAndCompare(wire: Loopback, sender: Stack): string | null {
    if (sender.transport !== 'tcp') return null;
    const f = sender.tcb!.f;
    const deadline = Date.now() + STALL_MS;
    this.clock.resume();
    while (f[Tcb.sndUna] !== f[Tcb.sndMax] && Date.now() < deadline) {
      this.settleWire(wire);
      Atomics.wait(this.nap, 0, 0, NAP_MS);
      this.clock.expire();
    }
    this.clock.pause();
    const sent = this.packets * this.options.packetSize;
    if (f[Tcb.sndUna] !== f[Tcb.sndMax])
      return `${(f[Tcb.sndMax]! - f[Tcb.sndUna]!) | 0} bytes still unacknowledged after ${STALL_MS / 1000} s`;
    return this.checkedBytes === sent ? null : `${sent} bytes sent, ${this.checkedBytes} arrived`;
  }

  /**
   * Sends the next message; when the window is closed, lets `settle` deliver ACKs (and, on a lossy
   * wire, the timers retransmit) and tries again, for at most STALL_MS.
   */
  protected sendNext(sender: Stack, settle: () => void): void {
    this.fill();
    // Timed from the first try: a wait for the window is part of the packet's latency.
    if (this.sampler !== null) this.sampler.stamp(this.msg);
    let status = sender.send(this.msg);
    // Under packet-level parallelism the window can stay closed a while: other workers' segments are
    // in flight; on a lossy wire, until the retransmission timer fires.
    let deadline = 0;
    for (let tries = 1; status === SendStatus.WouldBlock; tries++) {
      if ((tries & 0xfff) === 0) {
        const now = Date.now();
        if (deadline === 0) deadline = now + STALL_MS;
        else if (now > deadline) throw new Error(`${this.options.spec}: the send window stayed closed for ${STALL_MS / 1000} s`);
      }
      // A long wait is for a timer (a lossy wire's RTO): sleep a little between looks instead of
      // spinning, which would take a core from the other threads.
      if (tries > SPINS_BEFORE_SLEEP && this.lossy) {
        Atomics.wait(this.nap, 0, 0, NAP_MS);
        if ((tries & 15) === 0) this.clock.expire();
      }
      settle();
      this.fill(true); // a refused message may be half-built: build the same one again from the data
      status = sender.send(this.msg);
    }
    if (status !== SendStatus.Sent) throw new Error(`${this.options.spec}: the sender answered status ${status}`);
  }

  /** Whether TCP timers run on this workload's clock (a lossy wire, unless a replay source plays the sender). */
  protected get timed(): boolean {
    return this.lossy;
  }

  /**
   * The wire's quiet moment: delivers what is queued, then runs the stacks' timers (on a lossy
   * wire with the clock, so retransmissions go out; else only the delayed ACK) and delivers what
   * they sent.
   */
  protected settleWire(wire: Loopback): void {
    wire.pump();
    const now = this.lossy ? this.clock.now() : undefined;
    let sent = false;
    for (const stack of (this.timerStacks ??= this.stacks())) if (stack.tick(now)) sent = true;
    if (sent) wire.pump();
  }

  /** The memmove of the buffer the data and the message share (an application region); null when they do not. */
  private readonly move: Copier | null = null;
  /** The data of the message being sent (kept for a refused message's second try). */
  private current: Uint8Array | null = null;

  /** Writes the next slice of application data into the message (`again`: the same slice as last time). */
  protected fill(again = false): void {
    const msg = this.msg;
    if (!again || this.current === null) this.current = this.data.next();
    msg.resetPayload(this.options.packetSize);
    // In one buffer (the data's views lie in it, the message's view is all of it), its memmove on absolute offsets.
    if (this.move !== null) this.move(msg.head, this.current.byteOffset, this.current.length);
    else msg.bytes.set(this.current, msg.head);
  }
}
