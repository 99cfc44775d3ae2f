// Builds a protocol stack from a spec and wires it x-kernel style: each layer's `below` is the
// next one down, each `above` the next one up; the link layer transmits through a driver and the
// top layer delivers to the application. What a driver needs of the layers it reaches through a
// named method here, never by holding a layer.

import { cryptoProvider } from './crypto/index.js';
import { DropCounters } from './drops.js';
import { ControlOp, type FrameSink, type Layer, NO_LOCK, NO_TIME, type SecurityAssociation, SendStatus, type Upper } from './layer.js';
import type { LayerKind } from './layer-kind.js';
import type { LinkLayer } from './layers/link.js';
import type { TcpControlBlock } from './layers/tcp/control-block.js';
import type { TcpLayer } from './layers/tcp/tcp-layer.js';
import { MAX_MESSAGE_PAYLOAD, type Msg } from './message.js';
import { kindOf } from './registry.js';
import { stackShape } from './spec.js';
import { EXAMPLE_KEYS, type StackOptions } from './stack-options.js';
import { parseIpv4, parseMac } from './wire/address.js';

export { DEFAULT_SPI, EXAMPLE_KEYS, endpointPair, type Endpoint, type StackKeys, type StackOptions } from './stack-options.js';

export class Stack {
  /** Top first, as in the spec. */
  readonly layers: Layer[];
  readonly names: string[];
  /** The transport the stack ends connections with; null for a gateway (it forwards packets). */
  readonly transport: 'tcp' | 'udp' | null;
  readonly drops: DropCounters;
  private readonly kinds: LayerKind[];
  private readonly link: LinkLayer;
  private readonly tcp: TcpLayer | null;
  private readonly sa: SecurityAssociation | null;

  constructor(
    readonly spec: string,
    options: StackOptions,
  ) {
    const specs = stackShape(spec).layers;
    this.names = specs.map((l) => l.name);
    this.kinds = specs.map((l) => kindOf(l.name));
    const drops = options.drops ?? new DropCounters();
    const localAddr = parseIpv4(options.local.ip);
    const remoteAddr = parseIpv4(options.remote.ip);
    const shared = {
      ctx: { drops, lock: options.lock ?? NO_LOCK },
      options,
      provider: cryptoProvider(options.crypto ?? 'cryptojs'),
      keys: options.keys ?? EXAMPLE_KEYS,
      ends: { localAddr, remoteAddr, localPort: options.local.port, remotePort: options.remote.port },
      macs: { localMac: parseMac(options.local.mac), remoteMac: parseMac(options.remote.mac) },
      instance: options.instance ?? 0,
    };
    this.layers = specs.map((layerSpec, i) => this.kinds[i]!.build({ ...shared, spec: layerSpec }));
    for (let i = 0; i + 1 < this.layers.length; i++) {
      const upper = this.layers[i]!;
      const lower = this.layers[i + 1]!;
      upper.below = lower;
      lower.above = upper;
      lower.setUpperProtocol(upper.ipProtocol);
    }
    this.link = this.layers[this.layers.length - 1] as LinkLayer;
    const transportAt = this.kinds.findIndex((kind) => kind.transport !== undefined);
    this.transport = this.kinds[transportAt]?.transport ?? null;
    this.tcp = this.transport === 'tcp' ? (this.layers[transportAt] as TcpLayer) : null;
    const saAt = this.kinds.findIndex((kind) => kind.securityAssociation === true);
    this.sa = saAt < 0 ? null : (this.layers[saAt] as Layer & SecurityAssociation);
    this.drops = drops;
    for (let i = this.layers.length - 1; i >= 0; i--) this.layers[i]!.open();
  }

  /** Where the link layer's frames go. */
  attach(driver: FrameSink): this {
    this.link.driver = driver;
    return this;
  }

  /** Where delivered application data goes. */
  set application(app: Upper) {
    this.layers[0]!.above = app;
  }

  get top(): Layer {
    return this.layers[0]!;
  }

  /** Bytes of link header in front of the network header (drivers place frames with it). */
  get linkHeaderBytes(): number {
    return this.link.headerBytes;
  }

  /** The link layer's name as the spec writes it (fddi, eth). */
  get linkName(): string {
    return this.link.name;
  }

  /** pcap LINKTYPE_* of the frames this stack sends. */
  get linkType(): number {
    return this.link.linkType;
  }

  /** The largest network datagram one frame carries. */
  get mtu(): number {
    return this.link.mtu;
  }

  /**
   * Bytes in front of the named layer's header in a frame this stack sends: the headers of the
   * layers below it (for tcp over md5 over ip over eth, 14 + 20 + 24). -1 when it has no such layer.
   */
  headerOffset(name: string): number {
    const at = this.names.indexOf(name);
    if (at < 0) return -1;
    let bytes = 0;
    for (let i = at + 1; i < this.layers.length; i++) bytes += this.layers[i]!.headerBytes;
    return bytes;
  }

  /** The largest application message one push carries: what the top layer takes, and a message buffer holds. */
  get maxPayload(): number {
    return Math.min(this.top.control(ControlOp.MaxPayload, 0), MAX_MESSAGE_PAYLOAD);
  }

  /** The largest segment the transport sends (TCP's MSS, or less when a layer above limits it); -1 without one that cuts messages. */
  get maxSegment(): number {
    return this.top.control(ControlOp.MaxSegment, 0);
  }

  /** Sends the message's payload (msg.head..msg.tail) down the stack. */
  send(msg: Msg): SendStatus {
    return this.top.push(msg);
  }

  /** Sends a whole network datagram (msg.head is its first byte) out through the link layer. */
  sendDatagram(msg: Msg): SendStatus {
    return this.link.push(msg);
  }

  /** True when a message of `length` bytes would be sent now. */
  canSend(length: number): boolean {
    return this.top.control(ControlOp.CanSend, length) === 1;
  }

  /** Takes a frame off the wire (msg.head is the first byte of the link header). */
  receive(frame: Msg): void {
    this.link.pop(frame);
  }

  /**
   * The stack's clock at `now` (ms, 0 or later): TCP's timers run from it, never from setTimeout.
   * Sends a delayed ACK still owed and ends TIME_WAIT when due. Without `now` no clock is read (a
   * driver's tick per packet costs nothing): only the delayed ACK goes out. Answers true when a
   * segment was sent.
   */
  tick(now?: number): boolean {
    return this.top.control(ControlOp.Tick, now === undefined ? NO_TIME : Math.floor(now)) === 1;
  }

  /** The application is done sending: TCP sends its FIN (UDP has nothing to close). Answers true when it did. */
  close(): boolean {
    return this.top.control(ControlOp.Close, 0) === 1;
  }

  /** The TCP connection's RFC 793 state (ESTABLISHED, TIME_WAIT, ...); null without TCP. */
  get state(): string | null {
    return this.tcp?.tcb.stateName ?? null;
  }

  /** Delivers one segment the out-of-order queue holds that is now in order; true if it did. */
  deliverQueued(): boolean {
    return this.top.control(ControlOp.DeliverQueued, 0) === 1;
  }

  /** TCP active open (UDP stacks are ready at once). */
  connect(): void {
    this.tcp?.connect();
  }

  /** TCP passive open. */
  listen(): void {
    this.tcp?.listen();
  }

  get connected(): boolean {
    return this.tcp === null || this.tcp.established;
  }

  /**
   * The TCP connection's state block (null without TCP): read its fields by name (`Tcb.rcvNxt`).
   * Packet-level parallelism shares it between threads; drivers copy it whole between ends.
   */
  get tcb(): TcpControlBlock | null {
    return this.tcp?.tcb ?? null;
  }

  /**
   * For a driver that plays the receiving peer: takes everything TCP received below `seq` as
   * consumed, and sends the ACK for it.
   */
  acknowledgeUpTo(seq: number): void {
    this.tcp?.acknowledgeUpTo(seq);
  }

  /** Digests and ICVs computed but not enforced (template replay) that did not match. */
  get mismatchesIgnored(): number {
    let sum = 0;
    for (const layer of this.layers) sum += layer.mismatchesIgnored;
    return sum;
  }

  /** Packets the stack's rules blocked (a packet screen); 0 for a stack without rules. */
  get blocked(): number {
    return Math.max(0, this.top.control(ControlOp.Blocked, 0));
  }

  /** Packets the stack's rules passed (a packet screen); 0 for a stack without rules. */
  get passed(): number {
    return Math.max(0, this.top.control(ControlOp.Passed, 0));
  }

  /** The IPsec tunnel's security association (esp, ah); null for a stack without one. */
  get securityAssociation(): SecurityAssociation | null {
    return this.sa;
  }
}

export { SendStatus };
