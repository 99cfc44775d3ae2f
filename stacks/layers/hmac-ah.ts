// Today's integrity between the transport and IP, beside the paper's MD5: an IP Authentication
// Header in transport mode (RFC 2402 layout, protocol 51) whose ICV is HMAC-SHA1-96 (RFC 2404,
// `sha1`) or HMAC-SHA-256-128 (RFC 4868, `sha256`). The ICV covers the IP header as RFC 2402
// 3.3.3.1.1.1 says (mutable fields zero, the identification as sent: reserved from IP before it is
// written), the AH header with a zero ICV, and the payload.

import { HMAC_ICV_BYTES } from '../crypto/hmac.js';
import type { HashName, Mac } from '../crypto/provider.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import { CounterBlock } from '../counter-block.js';
import type { Msg } from '../message.js';
import { AhOffset, ahLength, receivedAhLength, writeAhOuterHeader } from '../wire/ah.js';
import { IP_PROTO_AH, IPV4_HEADER_BYTES } from '../wire/ipv4.js';
import type { LayerKind } from '../layer-kind.js';
import { DEFAULT_SPI, EXAMPLE_KEYS } from '../stack-options.js';
import { AH_DROPS } from './md5-ah.js';

const Drop = AH_DROPS.code;

/**
 * AH's ICV (RFC 2402 3.3.3): the truncated HMAC over the IP header as AH covers it (writeAhOuterHeader),
 * then AH (its ICV field zero) and what follows it. The transport-mode layers here and the tunnel's
 * (ipsec.ts) compute it alike.
 */
export class AhIcv {
  private readonly outer = new Uint8Array(IPV4_HEADER_BYTES);
  private readonly outerView = new DataView(this.outer.buffer);

  constructor(
    private readonly mac: Mac,
    private readonly icvBytes: number,
  ) {}

  /** The ICV of the AH at `at` in `msg` (it runs to msg.tail), into out[outAt..]. */
  compute(msg: Msg, at: number, src: number, dst: number, ident: number, out: Uint8Array, outAt: number): void {
    writeAhOuterHeader(this.outerView, 0, src, dst, IPV4_HEADER_BYTES + msg.tail - at, ident);
    const mac = this.mac;
    mac.begin();
    mac.update(this.outer, 0, IPV4_HEADER_BYTES);
    mac.update(msg.bytes, at, msg.tail - at);
    mac.end(out, outAt, this.icvBytes);
  }
}

export interface HmacAhConfig {
  localAddr: number;
  remoteAddr: number;
  spi: number;
  /** False computes and compares every ICV but only counts mismatches (template replay). */
  enforce?: boolean;
}

export class HmacAhLayer extends Layer {
  readonly headerBytes: number;
  override readonly ipProtocol = IP_PROTO_AH;
  private readonly icvBytes: number;
  /** Payload Length: the header's length in 32-bit words, minus 2. */
  private readonly payloadLength: number;
  private nextHeader = 0;
  private readonly icv: AhIcv;
  private readonly received = new Uint8Array(16);
  private readonly computed = new Uint8Array(16);
  private readonly enforce: boolean;

  constructor(
    ctx: LayerContext,
    readonly name: 'sha1' | 'sha256',
    private readonly config: HmacAhConfig,
    mac: Mac,
    /** The sequence counter: shared between threads under packet-level parallelism. */
    readonly sequence = new CounterBlock(),
  ) {
    super(ctx, AH_DROPS);
    this.icvBytes = HMAC_ICV_BYTES[name];
    this.icv = new AhIcv(mac, this.icvBytes);
    this.headerBytes = ahLength(this.icvBytes);
    this.payloadLength = this.headerBytes / 4 - 2;
    this.enforce = config.enforce !== false;
  }

  /** Called by the stack builder with the protocol number of the layer above. */
  override setUpperProtocol(protocol: number): void {
    this.nextHeader = protocol;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.below.control(op, arg) - this.headerBytes;
    if (op === ControlOp.CanSend) return this.below.control(op, arg + this.headerBytes);
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const seq = (this.sequence.next() + 1) >>> 0; // RFC 2402: the first packet is 1
    const at = msg.prepend(this.headerBytes);
    const view = msg.view;
    view.setUint32(at, (this.nextHeader << 24) | (this.payloadLength << 16));
    view.setUint32(at + AhOffset.spi, this.config.spi);
    view.setUint32(at + AhOffset.seq, seq);
    msg.bytes.fill(0, at + AhOffset.icv, at + this.headerBytes);
    const ident = this.below.control(ControlOp.ReserveIdent, 0);
    this.icv.compute(msg, at, this.config.localAddr, this.config.remoteAddr, ident, msg.bytes, at + AhOffset.icv);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    const icvBytes = this.icvBytes;
    const ahBytes = msg.length < AhOffset.icv ? -1 : receivedAhLength(view.getUint8(at + AhOffset.payloadLength), icvBytes);
    if (ahBytes < 0 || msg.length < ahBytes) return this.drops.count(Drop.Length);
    if (view.getUint32(at + AhOffset.spi) !== this.config.spi) return this.drops.count(Drop.Spi);
    const icv = at + AhOffset.icv;
    const bytes = msg.bytes;
    for (let i = 0; i < icvBytes; i++) {
      this.received[i] = bytes[icv + i]!;
      bytes[icv + i] = 0;
    }
    this.icv.compute(msg, at, msg.srcAddr, msg.dstAddr, msg.ipIdent, this.computed, 0);
    let diff = 0;
    for (let i = 0; i < icvBytes; i++) diff |= this.received[i]! ^ this.computed[i]!;
    if (diff !== 0) {
      if (this.enforce) return this.drops.count(Drop.Digest);
      this.mismatchesIgnored++;
    }
    if (view.getUint8(at + AhOffset.nextHeader) !== this.nextHeader) return this.drops.count(Drop.NextHeader);
    msg.strip(ahBytes);
    this.above.pop(msg);
  }
}

function hmacAhKind(name: 'sha1' | 'sha256'): LayerKind {
  const hash: HashName = name;
  return {
    name,
    below: ['ip'],
    top: false,
    gateway: false,
    build: ({ ctx, ends, options, keys, provider }) =>
      new HmacAhLayer(
        ctx,
        name,
        {
          localAddr: ends.localAddr,
          remoteAddr: ends.remoteAddr,
          spi: options.spi ?? DEFAULT_SPI,
          enforce: options.enforceDigest !== false,
        },
        provider.createHmac(hash, keys[name] ?? EXAMPLE_KEYS[name]),
        options.state?.ahSequence ?? new CounterBlock(),
      ),
    drops: AH_DROPS,
    checks: (_spec, run) =>
      run.verify || run.side === 'send'
        ? { enforced: [`${name} icv`], computedOnly: [] }
        : { enforced: [], computedOnly: [`${name} icv (templates replayed with advancing sequence numbers cannot match)`] },
    primitives: () => [name],
    fuzzStacks: [`tcp/${name}/ip/eth`],
  };
}

export const SHA1_KIND = hmacAhKind('sha1');
export const SHA256_KIND = hmacAhKind('sha256');
