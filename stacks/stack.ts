// Builds a protocol stack from a spec and wires it x-kernel style: each layer's `below` is the
// next one down, each `above` the next one up; the link layer transmits through a driver and the
// top layer delivers to the application.

import { CounterBlock } from './counter-block.js';
import { cryptoProvider, type CryptoProviderName } from './crypto/index.js';
import { DropCounters } from './drops.js';
import { ControlOp, type FrameSink, type Layer, type Lock, NO_LOCK, SendStatus, type Upper } from './layer.js';
import { DesLayer } from './layers/des.js';
import { IpLayer } from './layers/ipv4.js';
import { EthernetLayer, FddiLayer, type LinkLayer } from './layers/link.js';
import { Md5AhLayer } from './layers/md5-ah.js';
import { ScreenLayer } from './layers/screen.js';
import { AhTunnelLayer, EspLayer } from './layers/ipsec.js';
import { ReplayWindow } from './replay-window.js';
import { RuleTable, type ScreenRule, benchmarkRules } from './screen-rules.js';
import type { TcpControlBlock } from './layers/tcp-control-block.js';
import { TcpLayer, type TcpLockScope } from './layers/tcp.js';
import { UdpLayer } from './layers/udp.js';
import type { BufferPool, Msg } from './message.js';
import { type LayerName, type LayerSpec, parseStackLayers } from './spec.js';
import { parseIpv4, parseMac } from './wire/address.js';

export interface Endpoint {
  mac: string;
  ip: string;
  port: number;
}

export interface StackKeys {
  /** 8 bytes. */
  des: Uint8Array;
  /** 24 bytes: K1, K2, K3 for EDE. */
  tdes: Uint8Array;
  /** Keyed MD5 when set; plain MD5 (the paper's choice) when absent. */
  md5?: Uint8Array;
  /** IPsec's HMAC-MD5-96 key (esp, ah): 16 bytes. */
  hmac?: Uint8Array;
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** Keys of the published examples (FIPS 81, NIST SP 800-67): for tests and benchmarks, not secrets. */
export const EXAMPLE_KEYS: StackKeys = {
  des: hex('0123456789abcdef'),
  tdes: hex('0123456789abcdef23456789abcdef01456789abcdef0123'),
  hmac: hex('000102030405060708090a0b0c0d0e0f'),
};

export interface StackOptions {
  local: Endpoint;
  remote: Endpoint;
  crypto?: CryptoProviderName;
  keys?: StackKeys;
  /** AH security parameter index (both ends use the same SA). */
  spi?: number;
  /** TCP initial send sequence number. */
  iss?: number;
  /** Keeps the IVs of senders sharing a key apart (a worker id). */
  instance?: number;
  drops?: DropCounters;
  /** False: MD5 digests are computed and compared but mismatches only counted (template replay). */
  enforceDigest?: boolean;
  /** Guards shared state under packet-level parallelism; a no-op otherwise. */
  lock?: Lock;
  /** What TCP's lock covers: its state only (default) or all its work on a segment. */
  tcpLockScope?: TcpLockScope;
  /** State blocks to use instead of private ones (shared memory under packet-level parallelism). */
  state?: { tcb?: TcpControlBlock; ipIdent?: CounterBlock; ahSequence?: CounterBlock; saSequence?: CounterBlock; replay?: ReplayWindow };
  /** IPsec receive side: false computes ICVs but only counts mismatches (template replay). */
  enforceIcv?: boolean;
  /** Where TCP takes its own two messages from (beside a shared control block's ring, under PLP). */
  messages?: BufferPool;
  /** screen(N): these rules instead of the benchmark's N (tests); their count must be N. */
  screenRules?: readonly ScreenRule[];
}

/** Two ends of one point-to-point link, for tests and drivers. */
export function endpointPair(): [StackOptions, StackOptions] {
  const a: Endpoint = { mac: '02:00:00:00:00:01', ip: '10.0.0.1', port: 5001 };
  const b: Endpoint = { mac: '02:00:00:00:00:02', ip: '10.0.0.2', port: 5002 };
  return [
    { local: a, remote: b, iss: 0x1000_0000, instance: 1 },
    { local: b, remote: a, iss: 0x7000_0000, instance: 2 },
  ];
}

export const DEFAULT_SPI = 0x100;

export class Stack {
  /** Top first, as in the spec. */
  readonly layers: Layer[];
  readonly names: LayerName[];
  readonly link: LinkLayer;
  /** Null for a gateway stack (a packet screen), which ends no connection. */
  readonly transport: TcpLayer | UdpLayer | null;
  readonly tcp: TcpLayer | null;
  readonly md5: Md5AhLayer | null;
  readonly screen: ScreenLayer | null;
  readonly ipsec: EspLayer | AhTunnelLayer | null;
  readonly drops: DropCounters;

  constructor(readonly spec: string, options: StackOptions) {
    const specs = parseStackLayers(spec);
    this.names = specs.map((l) => l.name);
    const drops = options.drops ?? new DropCounters();
    const ctx = { drops, lock: options.lock ?? NO_LOCK };
    const provider = cryptoProvider(options.crypto ?? 'cryptojs');
    const keys = options.keys ?? EXAMPLE_KEYS;
    const localAddr = parseIpv4(options.local.ip);
    const remoteAddr = parseIpv4(options.remote.ip);
    const ports = { localAddr, remoteAddr, localPort: options.local.port, remotePort: options.remote.port };
    const macs = { localMac: parseMac(options.local.mac), remoteMac: parseMac(options.remote.mac) };

    const sa = () => ({ spi: options.spi ?? DEFAULT_SPI, localAddr, remoteAddr, enforceIcv: options.enforceIcv !== false });
    const hmac = () => provider.createHmacMd5(keys.hmac ?? EXAMPLE_KEYS.hmac!);
    const saSequence = () => options.state?.saSequence ?? new CounterBlock();
    const replay = () => options.state?.replay ?? new ReplayWindow();
    const make = ({ name, rules, cipher }: LayerSpec): Layer => {
      switch (name) {
        case 'esp':
          return new EspLayer(ctx, sa(), provider.createCipher(cipher!, cipher === 'des' ? keys.des : keys.tdes, options.instance ?? 0), hmac(), saSequence(), replay());
        case 'ah':
          return new AhTunnelLayer(ctx, sa(), hmac(), saSequence(), replay());
        case 'des':
          return new DesLayer(ctx, provider.createCipher('des', keys.des, options.instance ?? 0));
        case '3des':
          return new DesLayer(ctx, provider.createCipher('3des', keys.tdes, options.instance ?? 0));
        case 'tcp':
          return new TcpLayer(ctx, { ...ports, iss: options.iss ?? 0, lockScope: options.tcpLockScope ?? 'state' }, options.state?.tcb, options.messages);
        case 'udp':
          return new UdpLayer(ctx, ports);
        case 'md5':
          return new Md5AhLayer(
            ctx,
            {
              localAddr,
              remoteAddr,
              spi: options.spi ?? DEFAULT_SPI,
              enforce: options.enforceDigest !== false,
              ...(keys.md5 ? { key: keys.md5 } : {}),
            },
            provider.createMd5(),
            options.state?.ahSequence ?? new CounterBlock(),
          );
        case 'screen': {
          const list = options.screenRules ?? benchmarkRules(rules!);
          if (list.length !== rules) throw new RangeError(`screen(${rules}) was given ${list.length} rules`);
          return new ScreenLayer(ctx, new RuleTable(list));
        }
        case 'ip':
          return new IpLayer(ctx, { localAddr, remoteAddr }, options.state?.ipIdent ?? new CounterBlock());
        case 'fddi':
          return new FddiLayer(ctx, macs);
        case 'eth':
          return new EthernetLayer(ctx, macs);
      }
    };
    this.layers = specs.map(make);
    for (let i = 0; i + 1 < this.layers.length; i++) {
      const upper = this.layers[i]!;
      const lower = this.layers[i + 1]!;
      upper.below = lower;
      lower.above = upper;
      if (lower instanceof IpLayer || lower instanceof Md5AhLayer) lower.setUpperProtocol(upper.ipProtocol);
    }
    this.link = this.layers[this.layers.length - 1] as LinkLayer;
    this.transport = this.layers.find((l): l is TcpLayer | UdpLayer => l instanceof TcpLayer || l instanceof UdpLayer) ?? null;
    this.tcp = this.transport instanceof TcpLayer ? this.transport : null;
    this.screen = this.layers.find((l): l is ScreenLayer => l instanceof ScreenLayer) ?? null;
    this.ipsec = this.layers.find((l): l is EspLayer | AhTunnelLayer => l instanceof EspLayer || l instanceof AhTunnelLayer) ?? null;
    this.md5 = this.layers.find((l): l is Md5AhLayer => l instanceof Md5AhLayer) ?? null;
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

  /** The largest application message one push carries. */
  get maxPayload(): number {
    return this.top.control(ControlOp.MaxPayload, 0);
  }

  /** Sends the message's payload (msg.head..msg.tail) down the stack. */
  send(msg: Msg): SendStatus {
    return this.top.push(msg);
  }

  /** True when a message of `length` bytes would be sent now. */
  canSend(length: number): boolean {
    return this.top.control(ControlOp.CanSend, length) === 1;
  }

  /** Takes a frame off the wire (msg.head is the first byte of the link header). */
  receive(frame: Msg): void {
    this.link.pop(frame);
  }

  /** The fast timer: sends a delayed ACK still owed. Answers true when one was sent. */
  tick(): boolean {
    return this.top.control(ControlOp.Tick, 0) === 1;
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
}

export { SendStatus };
