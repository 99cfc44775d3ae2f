// IPsec in tunnel mode on a gateway (Shieh & Lai): ESP with DES or 3DES-CBC and HMAC-MD5-96
// (RFC 2406, 2405/2451, 2403), and AH with HMAC-MD5-96 (RFC 2402, 2403). What the layer carries is
// a whole inner IP datagram (next header 4). The SA's sequence number sits in a counter block and
// the receive side's 64-packet anti-replay window in a window block: private to a worker, or
// shared under the SA's lock when workers take packets from one queue.
//
// Inbound order, as RFC 2406 §3.4.3 says: the window is checked first (cheap), then the ICV, and
// only a verified packet moves the window (checked again under the lock, so two workers cannot
// both accept one sequence number).

import { HMAC_MD5_96_BYTES } from '../crypto/hmac.js';
import type { Mac } from '../crypto/provider.js';
import { type CbcCipher, DES_BLOCK_BYTES } from '../crypto/provider.js';
import { type DropGroup, dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, type SecurityAssociation, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { AH_HMAC_BYTES, AH_HMAC_PAYLOAD_LENGTH, AhOffset, writeAhOuterHeader } from '../wire/ah.js';
import { IP_PROTO_AH, IPV4_HEADER_BYTES } from '../wire/ipv4.js';
import {
  ESP_HEADER_BYTES,
  ESP_ICV_BYTES,
  ESP_IV_BYTES,
  ESP_TRAILER_BYTES,
  EspOffset,
  IP_PROTO_ESP,
  IP_PROTO_IPIP,
  espOverhead,
  espPadding,
} from '../wire/esp.js';
import { CounterBlock } from '../counter-block.js';
import type { Checks, LayerBuild, LayerKind, RunKind } from '../layer-kind.js';
import { ReplayVerdict, ReplayWindow } from '../replay-window.js';
import { DEFAULT_SPI, EXAMPLE_KEYS } from '../stack-options.js';
import { AH_DROPS } from './md5-ah.js';

/** Why this layer drops a message (reported as esp-<reason>). */
export const ESP_DROPS = dropGroup('esp', {
  Length: 'length', // too short, or ciphertext that is not whole 8-byte blocks
  Spi: 'spi', // no security association with this SPI
  Replay: 'replay', // sequence number 0, already received, or older than the 64-packet window
  Icv: 'icv', // HMAC-MD5-96 does not match
  Padding: 'padding', // padding, pad length or next header wrong after decryption
});
const Drop = ESP_DROPS.code;

export interface SaConfig {
  spi: number;
  /** The tunnel's outer addresses (AH's ICV covers them). */
  localAddr: number;
  remoteAddr: number;
  /**
   * Drop a packet whose ICV does not match (default). False computes and compares every ICV but
   * only counts mismatches: the benchmark's receive side replays frames with new sequence numbers,
   * which their ICVs cannot cover.
   */
  enforceIcv?: boolean;
}

abstract class IpsecLayer extends Layer implements SecurityAssociation {
  protected readonly computed = new Uint8Array(16);
  protected readonly enforce: boolean;

  constructor(
    ctx: LayerContext,
    protected readonly sa: SaConfig,
    protected readonly hmac: Mac,
    /** The SA's outbound sequence counter. */
    readonly sequence: CounterBlock,
    /** The SA's inbound anti-replay window. */
    readonly window: ReplayWindow,
    dropGroup: DropGroup,
    private readonly replayDrop: number,
  ) {
    super(ctx, dropGroup);
    this.enforce = sa.enforceIcv !== false;
  }

  /** The outbound sequence number for the next packet (RFC 2402/2406: the first is 1). */
  protected nextSequence(): number {
    return (this.sequence.next() + 1) >>> 0;
  }

  /** Where the sequence number sits, from the start of this layer's header. */
  abstract readonly sequenceOffset: number;

  /**
   * What a dispatch replica does with a packet another worker processes (Shieh & Lai: "update
   * IPsec SA database"): inbound, move the window past its sequence number; outbound, use one.
   */
  trackInbound(view: DataView, at: number): void {
    const seq = view.getUint32(at + this.sequenceOffset);
    if (this.window.check(seq) === ReplayVerdict.Fresh) this.window.accept(seq);
  }

  trackOutbound(): void {
    this.sequence.next();
  }

  setPacketsSent(count: number): void {
    this.sequence.set(count);
  }

  /** The window's verdict on `seq` (under the SA's lock). */
  protected replayed(seq: number): boolean {
    const lock = this.ctx.lock;
    lock.acquire();
    const verdict = this.window.check(seq);
    lock.release();
    if (verdict === ReplayVerdict.Fresh) return false;
    this.drops.count(this.replayDrop);
    return true;
  }

  /** Accepts a verified `seq`, unless another thread accepted it meanwhile (then a replay drop). */
  protected acceptOnce(seq: number): boolean {
    const lock = this.ctx.lock;
    lock.acquire();
    const fresh = this.window.check(seq) === ReplayVerdict.Fresh;
    if (fresh) this.window.accept(seq);
    lock.release();
    if (!fresh) this.drops.count(this.replayDrop);
    return fresh;
  }

  /** Compares the ICV at bytes[at..] with `computed`; answers true when the packet may go on. */
  protected icvAccepted(bytes: Uint8Array, at: number, drop: number): boolean {
    let diff = 0;
    for (let i = 0; i < HMAC_MD5_96_BYTES; i++) diff |= bytes[at + i]! ^ this.computed[i]!;
    if (diff === 0) return true;
    if (!this.enforce) {
      this.mismatchesIgnored++;
      return true;
    }
    this.drops.count(drop);
    return false;
  }
}

export class EspLayer extends IpsecLayer {
  override readonly ipProtocol = IP_PROTO_ESP;
  readonly headerBytes = ESP_HEADER_BYTES + ESP_IV_BYTES;
  override readonly trailerBytes = DES_BLOCK_BYTES + ESP_TRAILER_BYTES + ESP_ICV_BYTES;
  readonly sequenceOffset = EspOffset.seq;

  constructor(
    ctx: LayerContext,
    sa: SaConfig,
    private readonly cipher: CbcCipher,
    hmac: Mac,
    sequence: CounterBlock,
    window: ReplayWindow,
  ) {
    super(ctx, sa, hmac, sequence, window, ESP_DROPS, Drop.Replay);
  }

  get name(): string {
    return `esp(${this.cipher.name},md5)`;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) {
      const below = this.below.control(op, arg) - ESP_HEADER_BYTES - ESP_IV_BYTES - ESP_ICV_BYTES;
      return below - (below % DES_BLOCK_BYTES) - ESP_TRAILER_BYTES;
    }
    if (op === ControlOp.CanSend) return this.below.control(op, arg + espOverhead(arg));
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const payload = msg.length;
    if (this.below.control(ControlOp.MaxPayload, 0) < payload + espOverhead(payload)) return SendStatus.TooBig;
    const pad = espPadding(payload);
    const bytes = msg.bytes;
    const padAt = msg.append(pad + ESP_TRAILER_BYTES);
    for (let k = 0; k < pad; k++) bytes[padAt + k] = k + 1;
    bytes[padAt + pad] = pad;
    bytes[padAt + pad + 1] = IP_PROTO_IPIP;
    const ivAt = msg.prepend(ESP_IV_BYTES);
    this.cipher.encrypt(bytes, ivAt, payload + pad + ESP_TRAILER_BYTES);
    const at = msg.prepend(ESP_HEADER_BYTES);
    msg.view.setUint32(at + EspOffset.spi, this.sa.spi);
    msg.view.setUint32(at + EspOffset.seq, this.nextSequence());
    const icvAt = msg.append(ESP_ICV_BYTES);
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(bytes, icvAt);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const sealed = msg.length - ESP_HEADER_BYTES - ESP_IV_BYTES - ESP_ICV_BYTES;
    if (sealed < DES_BLOCK_BYTES || sealed % DES_BLOCK_BYTES !== 0) return this.drops.count(Drop.Length);
    const view = msg.view;
    if (view.getUint32(at + EspOffset.spi) !== this.sa.spi) return this.drops.count(Drop.Spi);
    const seq = view.getUint32(at + EspOffset.seq);
    if (this.replayed(seq)) return;
    const bytes = msg.bytes;
    const icvAt = msg.tail - ESP_ICV_BYTES;
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(this.computed, 0);
    if (!this.icvAccepted(bytes, icvAt, Drop.Icv) || !this.acceptOnce(seq)) return;
    const ivAt = at + ESP_HEADER_BYTES;
    this.cipher.decrypt(bytes, ivAt, sealed);
    const pad = bytes[icvAt - 2]!;
    if (pad + ESP_TRAILER_BYTES > sealed || bytes[icvAt - 1] !== IP_PROTO_IPIP) return this.drops.count(Drop.Padding);
    const padAt = icvAt - ESP_TRAILER_BYTES - pad;
    for (let k = 0; k < pad; k++) if (bytes[padAt + k] !== k + 1) return this.drops.count(Drop.Padding);
    msg.strip(ESP_HEADER_BYTES + ESP_IV_BYTES);
    msg.trimTo(padAt - msg.head);
    this.above.pop(msg);
  }
}

export class AhTunnelLayer extends IpsecLayer {
  readonly name = 'ah(md5)';
  override readonly ipProtocol = IP_PROTO_AH;
  readonly headerBytes = AH_HMAC_BYTES;
  readonly sequenceOffset = AhOffset.seq;
  /** The outer IP header as the ICV covers it (writeAhOuterHeader). */
  private readonly outer = new Uint8Array(IPV4_HEADER_BYTES);
  private readonly outerView = new DataView(this.outer.buffer);
  private readonly received = new Uint8Array(HMAC_MD5_96_BYTES);

  constructor(ctx: LayerContext, sa: SaConfig, hmac: Mac, sequence: CounterBlock, window: ReplayWindow) {
    super(ctx, sa, hmac, sequence, window, AH_DROPS, AH_DROPS.code.Replay);
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.below.control(op, arg) - AH_HMAC_BYTES;
    if (op === ControlOp.CanSend) return this.below.control(op, arg + AH_HMAC_BYTES);
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    if (this.below.control(ControlOp.MaxPayload, 0) < msg.length + AH_HMAC_BYTES) return SendStatus.TooBig;
    const at = msg.prepend(AH_HMAC_BYTES);
    const view = msg.view;
    view.setUint32(at, (IP_PROTO_IPIP << 24) | (AH_HMAC_PAYLOAD_LENGTH << 16));
    view.setUint32(at + AhOffset.spi, this.sa.spi);
    view.setUint32(at + AhOffset.seq, this.nextSequence());
    msg.bytes.fill(0, at + AhOffset.icv, at + AH_HMAC_BYTES);
    this.mac(msg, at, this.sa.localAddr, this.sa.remoteAddr, this.below.control(ControlOp.ReserveIdent, 0));
    msg.bytes.set(this.computed.subarray(0, HMAC_MD5_96_BYTES), at + AhOffset.icv);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const view = msg.view;
    if (msg.length < AH_HMAC_BYTES || view.getUint8(at + AhOffset.payloadLength) !== AH_HMAC_PAYLOAD_LENGTH)
      return this.drops.count(AH_DROPS.code.Length);
    if (view.getUint32(at + AhOffset.spi) !== this.sa.spi) return this.drops.count(AH_DROPS.code.Spi);
    const seq = view.getUint32(at + AhOffset.seq);
    if (this.replayed(seq)) return;
    // The ICV is computed with the ICV field zero: the received one is kept aside meanwhile.
    const bytes = msg.bytes;
    const icv = at + AhOffset.icv;
    for (let i = 0; i < HMAC_MD5_96_BYTES; i++) {
      this.received[i] = bytes[icv + i]!;
      bytes[icv + i] = 0;
    }
    this.mac(msg, at, msg.srcAddr, msg.dstAddr, msg.ipIdent);
    bytes.set(this.received, icv);
    if (!this.icvAccepted(bytes, icv, AH_DROPS.code.Digest)) return;
    if (view.getUint8(at + AhOffset.nextHeader) !== IP_PROTO_IPIP) return this.drops.count(AH_DROPS.code.NextHeader);
    if (!this.acceptOnce(seq)) return;
    msg.strip(AH_HMAC_BYTES);
    this.above.pop(msg);
  }

  /** HMAC-MD5 over the outer IP header (mutable fields zero), AH (ICV zero) and the inner datagram, into `computed`. */
  private mac(msg: Msg, at: number, src: number, dst: number, ident: number): void {
    writeAhOuterHeader(this.outerView, 0, src, dst, IPV4_HEADER_BYTES + msg.tail - at, ident);
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(this.outer, 0, IPV4_HEADER_BYTES);
    hmac.update(msg.bytes, at, msg.tail - at);
    hmac.end(this.computed, 0, 16);
  }
}

/** The security association both ends of a tunnel share, and its HMAC-MD5-96 key. */
function sa(b: LayerBuild): SaConfig {
  return {
    spi: b.options.spi ?? DEFAULT_SPI,
    localAddr: b.ends.localAddr,
    remoteAddr: b.ends.remoteAddr,
    enforceIcv: b.options.enforceIcv !== false,
  };
}

function hmac(b: LayerBuild): Mac {
  return b.provider.createHmacMd5(b.keys.hmac ?? EXAMPLE_KEYS.hmac);
}

/** The SA's sequence counter and replay window: shared ones under packet-level parallelism. */
function saState(b: LayerBuild): [CounterBlock, ReplayWindow] {
  return [b.options.state?.saSequence ?? new CounterBlock(), b.options.state?.replay ?? new ReplayWindow()];
}

/** A gateway's received tunnel packets: replayed templates carry ICVs their new sequence numbers break. */
function icvChecks(header: 'esp' | 'ah', run: RunKind): Checks {
  const icv = `${header} icv (hmac-md5-96)`;
  const replayed = run.side === 'recv' && !run.verify;
  return {
    enforced: [`${header} spi and anti-replay window`, ...(replayed ? [] : [icv])],
    computedOnly: replayed ? [`${icv} (templates replayed with advancing sequence numbers cannot match)`] : [],
  };
}

export const ESP_KIND: LayerKind = {
  name: 'esp',
  form: 'esp(cipher,auth): esp(3des,md5) or esp(des,md5) (CBC with HMAC-MD5-96)',
  parseSetting: (setting) => {
    const [cipher, auth, ...rest] = setting.split(',').map((a) => a.trim());
    return (cipher === 'des' || cipher === '3des') && auth === 'md5' && rest.length === 0 ? { cipher, auth } : 'is not a transform';
  },
  below: ['ip'],
  top: true,
  gateway: true,
  securityAssociation: true,
  build: (b) =>
    new EspLayer(
      b.ctx,
      sa(b),
      b.provider.createCipher(b.spec.cipher!, b.spec.cipher === 'des' ? b.keys.des : b.keys.tdes, b.instance),
      hmac(b),
      ...saState(b),
    ),
  drops: ESP_DROPS,
  checks: (_spec, run) => {
    const { enforced, computedOnly } = icvChecks('esp', run);
    return { enforced: [...enforced, 'esp padding'], computedOnly };
  },
  primitives: (spec) => [spec.cipher!, 'md5'],
  fuzzStacks: ['esp(3des,md5)/ip/eth', 'esp(des,md5)/ip/fddi'],
};

export const AH_KIND: LayerKind = {
  name: 'ah',
  form: 'ah(auth): ah(md5) (HMAC-MD5-96)',
  parseSetting: (setting) => (setting.trim() === 'md5' ? { auth: 'md5' } : 'is not a transform'),
  below: ['ip'],
  top: true,
  gateway: true,
  securityAssociation: true,
  build: (b) => new AhTunnelLayer(b.ctx, sa(b), hmac(b), ...saState(b)),
  drops: AH_DROPS,
  checks: (_spec, run) => icvChecks('ah', run),
  primitives: () => ['md5'],
  fuzzStacks: ['ah(md5)/ip/eth'],
};
