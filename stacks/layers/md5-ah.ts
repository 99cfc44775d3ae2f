// MD5 between the transport and IP, carried in an IP Authentication Header (RFC 2402 layout,
// protocol 51). The digest is plain MD5 as in the paper, or keyed MD5 (RFC 1828: key, fill to a
// 64-byte block, data, key) when a key is given. It covers IP's immutable fields that are known
// above IP (version and header length, total length, protocol, source, destination), the AH header
// with a zero ICV, and the payload. IP's identification is not covered: it is assigned below AH.

import type { Md5Hasher } from '../crypto/provider.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import { CounterBlock } from '../counter-block.js';
import type { Msg } from '../message.js';
import { AH_MD5_BYTES, AH_MD5_PAYLOAD_LENGTH, AhOffset, MD5_ICV_BYTES, writeAhHeader, writeAhPseudoHeader } from '../wire/ah.js';
import { IP_PROTO_AH, IPV4_HEADER_BYTES } from '../wire/ipv4.js';
import type { LayerKind } from '../layer-kind.js';
import { DEFAULT_SPI } from '../stack-options.js';

/** Why this layer drops a message (reported as ah-<reason>). */
export const AH_DROPS = dropGroup('ah', {
  Length: 'length', // too short, or a payload length that is not MD5's
  Spi: 'spi', // no security association with this SPI
  Digest: 'digest',
  NextHeader: 'next-header',
  Replay: 'replay', // as EspReplay, for AH
});
const Drop = AH_DROPS.code;

export interface Md5AhConfig {
  localAddr: number;
  remoteAddr: number;
  spi: number;
  /** Keyed MD5 when present; plain MD5 (the paper's choice) when absent. */
  key?: Uint8Array;
  /**
   * Drop a packet whose digest does not match (default). False computes and compares every digest
   * but only counts mismatches: the paper's receive-side drivers replay templates whose digests
   * cannot match the advancing sequence numbers.
   */
  enforce?: boolean;
}

export class Md5AhLayer extends Layer {
  readonly name = 'md5';
  readonly headerBytes = AH_MD5_BYTES;
  override readonly ipProtocol = IP_PROTO_AH;

  private nextHeader = 0;
  private readonly pseudo = new Uint8Array(12);
  private readonly pseudoView = new DataView(this.pseudo.buffer);
  private readonly received = new Uint8Array(MD5_ICV_BYTES);
  private readonly computed = new Uint8Array(MD5_ICV_BYTES);
  private readonly keyBlock: Uint8Array | null;
  private readonly enforce: boolean;
  /** Digests that did not match but were let through (only when not enforcing). */

  constructor(
    ctx: LayerContext,
    private readonly config: Md5AhConfig,
    private readonly md5: Md5Hasher,
    /** The sequence counter: shared between threads under packet-level parallelism. */
    readonly sequence = new CounterBlock(),
  ) {
    super(ctx, AH_DROPS);
    this.enforce = config.enforce !== false;
    if (config.key !== undefined) {
      if (config.key.length === 0 || config.key.length > 64) throw new RangeError('md5: a key of 1 to 64 bytes is required for keyed MD5');
      this.keyBlock = new Uint8Array(64);
      this.keyBlock.set(config.key);
    } else {
      this.keyBlock = null;
    }
  }

  /** Called by the stack builder with the protocol number of the layer above. */
  override setUpperProtocol(protocol: number): void {
    this.nextHeader = protocol;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.below.control(op, arg) - AH_MD5_BYTES;
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const seq = (this.sequence.next() + 1) >>> 0; // RFC 2402: the first packet is 1
    const at = msg.prepend(AH_MD5_BYTES);
    writeAhHeader(msg.view, at, this.nextHeader, this.config.spi, seq);
    this.digest(msg, at, this.config.localAddr, this.config.remoteAddr, msg.bytes, at + AhOffset.icv);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const view = msg.view;
    const at = msg.head;
    if (msg.length < AH_MD5_BYTES || view.getUint8(at + AhOffset.payloadLength) !== AH_MD5_PAYLOAD_LENGTH) {
      return this.drops.count(Drop.Length);
    }
    if (view.getUint32(at + AhOffset.spi) !== this.config.spi) return this.drops.count(Drop.Spi);
    const icv = at + AhOffset.icv;
    const bytes = msg.bytes;
    for (let i = 0; i < MD5_ICV_BYTES; i++) {
      this.received[i] = bytes[icv + i]!;
      bytes[icv + i] = 0;
    }
    this.digest(msg, at, msg.srcAddr, msg.dstAddr, this.computed, 0);
    let diff = 0;
    for (let i = 0; i < MD5_ICV_BYTES; i++) diff |= this.received[i]! ^ this.computed[i]!;
    if (diff !== 0) {
      if (this.enforce) return this.drops.count(Drop.Digest);
      this.mismatchesIgnored++;
    }
    if (view.getUint8(at + AhOffset.nextHeader) !== this.nextHeader) return this.drops.count(Drop.NextHeader);
    msg.strip(AH_MD5_BYTES);
    this.above.pop(msg);
  }

  /** MD5 over the IP fields, the AH header (ICV zero) and the payload, into out[outAt..]. */
  private digest(msg: Msg, at: number, src: number, dst: number, out: Uint8Array, outAt: number): void {
    writeAhPseudoHeader(this.pseudoView, 0, src, dst, IPV4_HEADER_BYTES + msg.tail - at);
    const md5 = this.md5;
    md5.begin();
    if (this.keyBlock !== null) md5.update(this.keyBlock, 0, 64);
    md5.update(this.pseudo, 0, 12);
    md5.update(msg.bytes, at, msg.tail - at);
    if (this.keyBlock !== null) md5.update(this.config.key!, 0, this.config.key!.length);
    md5.end(out, outAt);
  }
}

export const MD5_KIND: LayerKind = {
  name: 'md5',
  below: ['ip'],
  top: false,
  gateway: false,
  build: ({ ctx, ends, options, keys, provider }) =>
    new Md5AhLayer(
      ctx,
      {
        localAddr: ends.localAddr,
        remoteAddr: ends.remoteAddr,
        spi: options.spi ?? DEFAULT_SPI,
        enforce: options.enforceDigest !== false,
        ...(keys.md5 ? { key: keys.md5 } : {}),
      },
      provider.createMd5(),
      options.state?.ahSequence ?? new CounterBlock(),
    ),
  drops: AH_DROPS,
  checks: (_spec, run) =>
    run.verify || run.side === 'send'
      ? { enforced: ['md5 digest'], computedOnly: [] }
      : { enforced: [], computedOnly: ['md5 digest (templates replayed with advancing sequence numbers cannot match)'] },
  primitives: () => ['md5'],
  fuzzStacks: [],
};
