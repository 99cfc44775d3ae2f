// A hostile source for the receive path of any stack: genuine frames from a real sender, offered
// as they are, swapped with their successor, or mutated — bit flips, truncation, extension, header
// fields set to edge values (the flips and fields with the IP and transport checksums fixed up half
// the time, so the mutation reaches the layer it aims at), and frames of random bytes. The genuine
// sender is the peer TCP of a connection (reopened if a mutation closes it), a peer UDP, the
// upstream gateway of an IPsec tunnel encapsulating a traffic mix, or, for a packet screen, the
// traffic mix itself. Every frame is accounted for:
// delivered to the application, queued out of order, taken without data (an ACK), blocked by a
// screen, or dropped with a reason; a frame that throws out of the data path is an escape. Nothing
// here allocates per frame except what a failure report needs.

import { internetChecksum, pseudoHeaderSum } from '../stacks/checksum.js';
import type { CryptoProviderName } from '../stacks/crypto/index.js';
import { SendStatus } from '../stacks/layer.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { PAPER_STACKS, stackShape } from '../stacks/spec.js';
import { Stack, endpointPair } from '../stacks/stack.js';
import { AhOffset } from '../stacks/wire/ah.js';
import { EspOffset } from '../stacks/wire/esp.js';
import {
  IPV4_HEADER_BYTES,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  Ipv4Offset,
  ipv4Dst,
  ipv4Protocol,
  ipv4Src,
  refreshIpv4Checksum,
} from '../stacks/wire/ipv4.js';
import { TCP_HEADER_BYTES, TcpOffset, setTcpChecksum } from '../stacks/wire/tcp.js';
import { UDP_HEADER_BYTES, UdpOffset, setUdpChecksum } from '../stacks/wire/udp.js';
import { TcpConnState, TcpStateName, mayReceive } from '../stacks/layers/tcp/control-block.js';
import { LAYER_KINDS } from '../stacks/registry.js';
import { FrameQueue, Loopback, deliverAll } from './loopback.js';
import { Prng } from './prng.js';
import { type TrafficMix, buildTrafficMix } from './traffic-mix.js';

/**
 * Every kind of stack: the paper's over both links, and those each layer's kind names (UDP, DES
 * without MD5, the packet screen, both IPsec tunnels).
 */
export const FUZZ_STACKS: readonly string[] = [
  ...PAPER_STACKS,
  ...PAPER_STACKS.map((s) => s.replace(/fddi$/, 'eth')),
  ...LAYER_KINDS.flatMap((kind) => kind.fuzzStacks),
];

export const MUTATIONS = ['genuine', 'bit-flips', 'truncate', 'extend', 'field-edge', 'random-frame', 'reorder'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface FuzzCounts {
  offered: number;
  /** Frames whose data reached the application (in order, or releasing queued data). */
  delivered: number;
  /** Frames held in the out-of-order queue. */
  queued: number;
  /** Frames taken without data for the application: ACKs, and data the fix-ups made empty. */
  withoutData: number;
  /** Frames a packet screen's rules blocked (not a drop: the screen's verdict). */
  blocked: number;
  dropped: number;
  dropsByReason: Record<string, number>;
  byMutation: Record<Mutation, number>;
  /** Frames that threw out of the data path (must stay 0), and the first few of them. */
  escapes: number;
  escapeSamples: { mutation: Mutation; error: string; frameHex: string }[];
  /** Frames counted twice (a frame must end in exactly one outcome; must stay 0). */
  doubleCounted: number;
  /**
   * Drops of queued segments a frame released (a layer above TCP refusing them: DES, a record the
   * stream spoilt); those frames were counted as queued when they came.
   */
  releasedDrops: number;
  /** Times the connection was reopened after a mutation closed it (a valid RST, say). */
  reconnects: number;
  /** TCP: the receiver's RFC 793 states after the frames offered (ESTABLISHED, CLOSE_WAIT, ...), in state order. */
  statesReached: string[];
}

/** Header fields a mutation may set: offset from the header's start, width in bytes. */
type Header = 'link' | 'ip' | 'ah' | 'esp' | 'tcp' | 'udp';
type Field = [header: Header, offset: number, width: 1 | 2 | 4];
const FIELDS: readonly Field[] = [
  ['link', 0, 1],
  ['link', 12, 2],
  ['ip', Ipv4Offset.versionIhl, 1],
  ['ip', Ipv4Offset.totalLength, 2],
  ['ip', Ipv4Offset.flagsFragment, 2],
  ['ip', Ipv4Offset.ttl, 1],
  ['ip', Ipv4Offset.protocol, 1],
  ['ip', Ipv4Offset.src, 4],
  ['ip', Ipv4Offset.dst, 4],
  ['ah', AhOffset.nextHeader, 1],
  ['ah', AhOffset.payloadLength, 1],
  ['ah', AhOffset.spi, 4],
  ['ah', AhOffset.seq, 4],
  ['tcp', TcpOffset.srcPort, 2],
  ['tcp', TcpOffset.dstPort, 2],
  ['tcp', TcpOffset.seq, 4],
  ['tcp', TcpOffset.ack, 4],
  ['tcp', TcpOffset.dataOffsetFlags, 1],
  ['tcp', TcpOffset.dataOffsetFlags + 1, 1],
  ['tcp', TcpOffset.window, 2],
  ['esp', EspOffset.spi, 4],
  ['esp', EspOffset.seq, 4],
  ['udp', UdpOffset.srcPort, 2],
  ['udp', UdpOffset.dstPort, 2],
  ['udp', UdpOffset.length, 2],
  ['udp', UdpOffset.checksum, 2],
];

/** Where the genuine frames come from (see the top of the file). */
type GenuineSender = 'tcp-peer' | 'udp-peer' | 'ipsec-peer' | 'screen-mix';

const HISTORY = 8;
/** The receiver closes its side about once in this many frames (TCP). */
const CLOSE_EVERY = 2000;

export interface FuzzOptions {
  spec: string;
  crypto: CryptoProviderName;
  seed: number;
  /** Share of genuine frames, 0..1 (default 0.1): they keep the connection moving. */
  genuineShare?: number;
  /** IPsec: drop on a wrong ICV (default), or compute and compare only, as benchmark replay does. */
  enforceIcv?: boolean;
}

/** One receiving stack under fuzzing, and the genuine sender it hears. */
export class FuzzSource {
  readonly counts: FuzzCounts;
  private readonly prng: Prng;
  /** When the receiver closes its side (a draw of its own, so the frames' draws stay as they were until then). */
  private readonly closes: Prng;
  private readonly kind: GenuineSender;
  /** The header fields this stack's frames carry. */
  private readonly fields: readonly Field[];
  private sender: Stack | null = null;
  private receiver!: Stack;
  /** Bytes from the IP header to the transport header in the receiver's frames (IP, and a transport AH); -1 inside a tunnel. */
  private transportFromIp = -1;
  /** Drops by reason of the connections closed so far. */
  private readonly closedDrops: Record<string, number> = {};
  /** tcp-peer: the wire between the two ends (ACKs go back over it). */
  private wire: Loopback | null = null;
  /** udp-peer, ipsec-peer: what the sender transmits. */
  private sent: FrameQueue | null = null;
  /** ipsec-peer, screen-mix: the upstream traffic, taken in turn. */
  private mix: TrafficMix | null = null;
  private mixAt = 0;
  private readonly msg: Msg = new BufferPool(1).get();
  private readonly frame: Msg = new BufferPool(1).get();
  /** A genuine frame held back (by a reorder, or behind a mutated copy of it), offered next. */
  private readonly held: Msg = new BufferPool(1).get();
  private holding = false;
  private readonly data: Uint8Array;
  private appMessages = 0;
  /** The receiver's TCP states seen after a frame, a bit each. */
  private statesSeen = 0;
  private readonly genuineShare: number;
  /** The last HISTORY genuine frames, for mutations and replays. */
  private readonly history: Msg[] = [];
  private readonly historyPool = new BufferPool(HISTORY);

  constructor(private readonly options: FuzzOptions) {
    this.prng = new Prng(options.seed);
    this.closes = new Prng(options.seed ^ 0xc105e);
    this.genuineShare = options.genuineShare ?? 0.1;
    this.data = new Prng(options.seed ^ 0x5eed).fill(new Uint8Array(8192));
    this.counts = {
      offered: 0,
      delivered: 0,
      queued: 0,
      withoutData: 0,
      blocked: 0,
      dropped: 0,
      dropsByReason: {},
      byMutation: Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>,
      escapes: 0,
      escapeSamples: [],
      doubleCounted: 0,
      releasedDrops: 0,
      reconnects: 0,
      statesReached: [],
    };
    const spec = options.spec;
    const shape = stackShape(spec);
    const layers = shape.names;
    this.kind = shape.screen ? 'screen-mix' : shape.ipsec ? 'ipsec-peer' : shape.transport === 'tcp' ? 'tcp-peer' : 'udp-peer';
    const md5 = layers.includes('md5');
    const carried: Record<GenuineSender, Header[]> = {
      'tcp-peer': md5 ? ['link', 'ip', 'ah', 'tcp'] : ['link', 'ip', 'tcp'],
      'udp-peer': md5 ? ['link', 'ip', 'ah', 'udp'] : ['link', 'ip', 'udp'],
      'ipsec-peer': layers[0] === 'esp' ? ['link', 'ip', 'esp'] : ['link', 'ip', 'ah'],
      'screen-mix': ['link', 'ip', 'tcp', 'udp'],
    };
    this.fields = FIELDS.filter(([header]) => carried[this.kind].includes(header));
    this.open();
  }

  /** A fresh receiver and sender (at the start, and after a mutation closed the connection). */
  private open(): void {
    if (this.receiver !== undefined) addDrops(this.closedDrops, this.receiver);
    const { spec, crypto } = this.options;
    const [a, b] = endpointPair();
    this.receiver = new Stack(spec, { ...b, crypto, enforceIcv: this.options.enforceIcv !== false });
    this.receiver.application = { pop: () => void this.appMessages++ };
    const transport = this.receiver.transport;
    const linkBytes = this.receiver.linkHeaderBytes;
    this.transportFromIp =
      this.kind === 'ipsec-peer' ? -1 : transport === null ? IPV4_HEADER_BYTES : this.receiver.headerOffset(transport) - linkBytes;
    if (this.kind === 'tcp-peer') {
      this.sender = new Stack(spec, { ...a, crypto });
      this.wire = new Loopback(this.sender, this.receiver, 64);
      this.wire.handshake();
    } else {
      if (this.kind !== 'udp-peer') this.mix = buildTrafficMix(spec, a, this.options.seed);
      if (this.kind !== 'screen-mix') {
        this.sender = new Stack(spec, { ...a, crypto });
        this.sent = new FrameQueue(new BufferPool(4), this.sender.linkHeaderBytes);
        this.sender.attach(this.sent);
      }
    }
    while (this.history.length > 0) this.historyPool.put(this.history.pop()!);
    this.holding = false;
  }

  /** Offers `frames` frames; answers the counts so far (drops by reason over every connection). */
  run(frames: number): FuzzCounts {
    for (let i = 0; i < frames; i++) this.offerOne();
    this.counts.dropsByReason = addDrops({ ...this.closedDrops }, this.receiver);
    this.counts.statesReached = TcpStateName.filter((_, state) => (this.statesSeen & (1 << state)) !== 0);
    return this.counts;
  }

  private offerOne(): void {
    const c = this.counts;
    if (this.kind === 'tcp-peer' && !this.streamOpen()) {
      this.open();
      c.reconnects++;
    }
    const receiver = this.receiver;
    const mutation = this.nextFrame();
    c.byMutation[mutation]++;
    const dropsBefore = receiver.drops.total;
    const deliveredBefore = this.appMessages;
    const queuedBefore = receiver.tcb?.stats().outOfOrder ?? 0;
    const releasedBefore = receiver.tcb?.stats().reassDelivered ?? 0;
    const blockedBefore = receiver.blocked;
    c.offered++;
    try {
      receiver.receive(this.frame);
    } catch (err) {
      c.escapes++;
      if (c.escapeSamples.length < 5)
        c.escapeSamples.push({
          mutation,
          error: String((err as Error).stack ?? err),
          frameHex: Buffer.from(this.frame.toBytes()).toString('hex'),
        });
      return;
    }
    const dropped = receiver.drops.total - dropsBefore;
    // A frame that fills a gap releases the segments queued behind it, and a layer above TCP may
    // drop each of those (DES: a record the stream spoilt): one drop for the frame, one per release.
    const released = (receiver.tcb?.stats().reassDelivered ?? 0) - releasedBefore;
    if (dropped > 1 + released) c.doubleCounted++;
    else if (dropped > 1) c.releasedDrops += dropped - 1;
    if (dropped > 0) c.dropped++;
    else if (this.appMessages > deliveredBefore) c.delivered++;
    else if ((receiver.tcb?.stats().outOfOrder ?? 0) > queuedBefore) c.queued++;
    else if (receiver.blocked > blockedBefore) c.blocked++;
    else c.withoutData++;
    const state = receiver.tcb?.state;
    if (state !== undefined) this.statesSeen |= 1 << state;
    // Now and then the receiver closes its side: its FIN goes to the sender, which goes on sending,
    // so hostile frames meet FIN_WAIT_1 and FIN_WAIT_2 too (and CLOSING or TIME_WAIT after a FIN).
    if (state === TcpConnState.Established && this.closes.below(CLOSE_EVERY) === 0) receiver.close();
    // The receiver's ACKs go back to the sender, so its window stays open. What the sender answers
    // them with (a challenge ACK, a reset) is not part of the offered stream: it is let go.
    if (this.wire !== null) {
      deliverAll(this.wire.toA, this.sender!);
      const answers = this.wire.toB;
      for (const frame of answers.frames) answers.release(frame);
      answers.drop(answers.frames.length);
    }
  }

  /**
   * TCP: the stream still flows: the sender may send (ESTABLISHED or CLOSE_WAIT) and the receiver
   * may take data (ESTABLISHED, FIN_WAIT_1 or FIN_WAIT_2). Otherwise a mutation ended it (a reset, a
   * FIN) and the connection is opened anew.
   */
  private streamOpen(): boolean {
    const sender = this.sender!.tcb!.state;
    return mayReceive(this.receiver.tcb!.state) && (sender === TcpConnState.Established || sender === TcpConnState.CloseWait);
  }

  /** Puts the next frame in this.frame; answers how it was made. */
  private nextFrame(): Mutation {
    const p = this.prng;
    if (this.holding) {
      // The genuine frame held back by a reorder or a mutated fresh copy, now: it fills the hole.
      this.holding = false;
      this.frame.loadFrame(this.held.bytes, this.held.head, this.held.length, this.receiver.linkHeaderBytes);
      return 'genuine';
    }
    // The first frame of a connection goes as it is: a mutated one would leave a hole at the
    // stream's start that no later frame fills where AH guards every copy of it.
    const genuine = p.next() / 0x1_0000_0000 < this.genuineShare || this.history.length === 0;
    const mutation: Mutation = genuine ? 'genuine' : MUTATIONS[1 + p.below(MUTATIONS.length - 1)]!;
    if (mutation === 'reorder') {
      // Two new genuine frames, the second offered first (TCP queues it out of order; an IPsec
      // replay window takes the first late, within the window); the first comes next.
      this.sendGenuine();
      this.hold(this.history[this.history.length - 1]!);
      this.genuineFrame(true);
      return mutation;
    }
    if (mutation === 'random-frame') {
      const length = p.below(4500);
      this.frame.resetFrame(length, this.receiver.linkHeaderBytes);
      p.fill(this.frame.bytes, this.frame.head, length);
      return mutation;
    }
    // Half the mutations start from a new frame, its genuine copy offered next: a mutation that
    // gets past the checksums then lands in the stream's next place (DES decrypts it, say) instead
    // of being discarded as a duplicate of old data.
    const fresh = !genuine && p.below(2) === 0;
    this.genuineFrame(genuine || fresh);
    if (fresh) this.hold(this.frame);
    const f = this.frame;
    switch (mutation) {
      case 'bit-flips': {
        const flips = 1 + p.below(8);
        for (let i = 0; i < flips && f.length > 0; i++) f.bytes[f.head + p.below(f.length)]! ^= 1 << p.below(8);
        // Half the time past the checksums, so corrupted data reaches what guards it above them
        // (AH's digest, an ESP ICV, or nothing but DES's padding check where there is no MD5).
        if (p.below(2) === 0) this.fixChecksums();
        break;
      }
      case 'truncate':
        f.trimTo(p.below(f.length));
        break;
      case 'extend': {
        const room = f.slotEnd - f.tail;
        const extra = 1 + p.below(Math.max(1, Math.min(room, 512)));
        p.fill(f.bytes, f.tail, Math.min(extra, room));
        f.append(Math.min(extra, room));
        break;
      }
      case 'field-edge':
        this.setField();
        break;
      default:
        break;
    }
    return mutation;
  }

  /**
   * A genuine frame in this.frame: with `advance`, a new one from the sender (kept in the history
   * too, and offered as it is, so a stream has no holes and an IPsec sequence moves on); otherwise
   * a copy of one the history holds, to be mutated or replayed.
   */
  private genuineFrame(advance: boolean): void {
    if (advance || this.history.length === 0) this.sendGenuine();
    const source = advance ? this.history[this.history.length - 1]! : this.history[this.prng.below(this.history.length)]!;
    this.frame.loadFrame(source.bytes, source.head, source.length, this.receiver.linkHeaderBytes);
  }

  /** Keeps a copy of `frame` to be offered as the next frame. */
  private hold(frame: Msg): void {
    this.held.loadFrame(frame.bytes, frame.head, frame.length, this.receiver.linkHeaderBytes);
    this.holding = true;
  }

  /** Has the sender make one more genuine frame and keeps it in the history. */
  private sendGenuine(): void {
    const lhb = this.receiver.linkHeaderBytes;
    const mix = this.mix;
    const slot = this.history.length < HISTORY ? this.historyPool.get() : this.history.shift()!;
    if (this.kind === 'screen-mix') {
      slot.loadFrameView(mix!.frames[this.mixAt++ % mix!.frames.length]!, lhb);
      this.history.push(slot);
      return;
    }
    const sender = this.sender!;
    const msg = this.msg;
    if (this.kind === 'ipsec-peer') {
      // The mix's next IP datagram that fits the tunnel, as the upstream gateway encapsulates it.
      let datagram: Uint8Array;
      do datagram = mix!.frames[this.mixAt++ % mix!.frames.length]!.subarray(mix!.linkHeaderBytes);
      while (datagram.length > sender.maxPayload);
      msg.bytes.set(datagram, msg.resetPayload(datagram.length));
    } else {
      msg.resetPayload(Math.min(1024, sender.maxPayload));
      msg.bytes.set(this.data.subarray(0, msg.length), msg.head);
    }
    const queue = this.wire?.toB ?? this.sent!;
    if (sender.send(msg) === SendStatus.Sent && queue.frames.length > 0) {
      const sent = queue.frames.pop()!;
      slot.loadFrame(sent.bytes, sent.head, sent.length, lhb);
      this.history.push(slot);
      queue.release(sent);
    } else if (this.history.length < HISTORY) {
      this.historyPool.put(slot);
    } else {
      this.history.unshift(slot);
    }
  }

  /** Sets one header field to 0, all ones or random; fixes the checksums up half the time. */
  private setField(): void {
    const p = this.prng;
    const f = this.frame;
    const [header, offset, width] = this.fields[p.below(this.fields.length)]!;
    const ip = f.head + this.receiver.linkHeaderBytes;
    const transport = this.transportAt(ip);
    const at =
      (header === 'link' ? f.head : header === 'ip' ? ip : header === 'ah' || header === 'esp' ? ip + IPV4_HEADER_BYTES : transport) +
      offset;
    if (at + width > f.tail) return;
    const choice = p.below(3);
    const value = choice === 0 ? 0 : choice === 1 ? 0xffffffff : p.next();
    const view = f.view;
    if (width === 1) view.setUint8(at, value & 0xff);
    else if (width === 2) view.setUint16(at, value & 0xffff);
    else view.setUint32(at, value >>> 0);
    if (p.below(2) === 0) this.fixChecksums();
  }

  /** Where the transport header stands: right behind IP (and a transport AH); inside a tunnel, none is visible (-1). */
  private transportAt(ip: number): number {
    return this.transportFromIp < 0 ? -1 : ip + this.transportFromIp;
  }

  /** Recomputes the IPv4 header checksum and (when the frame still holds it) the TCP or UDP checksum. */
  private fixChecksums(): void {
    const f = this.frame;
    const view = f.view;
    const ip = f.head + this.receiver.linkHeaderBytes;
    const transport = this.transportAt(ip);
    if (ip + IPV4_HEADER_BYTES > f.tail) return;
    refreshIpv4Checksum(f.bytes, view, ip);
    const protocol = ipv4Protocol(view, ip);
    const tcp = protocol === IP_PROTO_TCP;
    const headerBytes = tcp ? TCP_HEADER_BYTES : protocol === IP_PROTO_UDP ? UDP_HEADER_BYTES : -1;
    if (transport < 0 || headerBytes < 0 || transport + headerBytes > f.tail) return;
    const length = f.tail - transport;
    const setChecksum = tcp ? setTcpChecksum : setUdpChecksum;
    setChecksum(view, transport, 0);
    const sum = internetChecksum(f.bytes, transport, length, pseudoHeaderSum(ipv4Src(view, ip), ipv4Dst(view, ip), protocol, length));
    setChecksum(view, transport, !tcp && sum === 0 ? 0xffff : sum);
  }
}

function addDrops(into: Record<string, number>, stack: Stack): Record<string, number> {
  for (const [name, n] of Object.entries(stack.drops.toRecord())) into[name] = (into[name] ?? 0) + n;
  return into;
}

/** What is wrong with the counts, or null: offered = delivered + queued + without data + blocked + dropped, each once. */
export function accountingProblem(c: FuzzCounts): string | null {
  if (c.escapes > 0) return `${c.escapes} frame(s) escaped the data path as exceptions`;
  if (c.doubleCounted > 0) return `${c.doubleCounted} frame(s) counted as more than one drop`;
  const accounted = c.delivered + c.queued + c.withoutData + c.blocked + c.dropped;
  if (accounted !== c.offered) return `offered ${c.offered} but accounted for ${accounted}`;
  const byReason = Object.values(c.dropsByReason).reduce((a, b) => a + b, 0);
  if (byReason !== c.dropped + c.releasedDrops)
    return `dropped ${c.dropped} (and ${c.releasedDrops} released from the queue) but the counters by reason add up to ${byReason}`;
  return null;
}
