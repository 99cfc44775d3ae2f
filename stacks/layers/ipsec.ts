// IPsec in tunnel mode on a gateway (Shieh & Lai): ESP with DES or 3DES-CBC and HMAC-MD5-96
// (RFC 2406, 2405/2451, 2403), and AH with HMAC-MD5-96 (RFC 2402, 2403). What the layer carries is
// a whole inner IP datagram (next header 4). The SA's sequence number sits in a counter block and
// the receive side's 64-packet anti-replay window in a window block: private to a worker, or
// shared under the SA's lock when workers take packets from one queue.
//
// Inbound order, as RFC 2406 §3.4.3 says: the window is checked first (cheap), then the ICV, and
// only a verified packet moves the window (checked again under the lock, so two workers cannot
// both accept one sequence number).

import { HMAC_MD5_96_BYTES } from '../crypto/hmac-md5.js';
import type { Mac } from '../crypto/provider.js';
import { type CbcCipher, DES_BLOCK_BYTES } from '../crypto/provider.js';
import type { CounterBlock } from '../counter-block.js';
import { DropReason } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { ReplayVerdict, type ReplayWindow } from '../replay-window.js';
import { AH_HMAC_BYTES, AH_HMAC_PAYLOAD_LENGTH, AhOffset, writeAhPseudoHeader } from '../wire/ah.js';
import { IP_PROTO_AH, IPV4_HEADER_BYTES } from '../wire/ipv4.js';
import { ESP_HEADER_BYTES, ESP_ICV_BYTES, ESP_IV_BYTES, ESP_TRAILER_BYTES, EspOffset, IP_PROTO_ESP, IP_PROTO_IPIP, espOverhead, espPadding } from '../wire/esp.js';

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

abstract class IpsecLayer extends Layer {
  /** ICVs that did not match but were let through (only when not enforcing). */
  mismatchesIgnored = 0;
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
    private readonly replayDrop: DropReason,
  ) {
    super(ctx);
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

  /** The window's verdict on `seq` (under the SA's lock). */
  protected replayed(seq: number): boolean {
    const lock = this.ctx.lock;
    lock.acquire();
    const verdict = this.window.check(seq);
    lock.release();
    if (verdict === ReplayVerdict.Fresh) return false;
    this.ctx.drops.count(this.replayDrop);
    return true;
  }

  /** Accepts a verified `seq`, unless another thread accepted it meanwhile (then a replay drop). */
  protected acceptOnce(seq: number): boolean {
    const lock = this.ctx.lock;
    lock.acquire();
    const fresh = this.window.check(seq) === ReplayVerdict.Fresh;
    if (fresh) this.window.accept(seq);
    lock.release();
    if (!fresh) this.ctx.drops.count(this.replayDrop);
    return fresh;
  }

  /** Compares the ICV at bytes[at..] with `computed`; answers true when the packet may go on. */
  protected icvAccepted(bytes: Uint8Array, at: number, drop: DropReason): boolean {
    let diff = 0;
    for (let i = 0; i < HMAC_MD5_96_BYTES; i++) diff |= bytes[at + i]! ^ this.computed[i]!;
    if (diff === 0) return true;
    if (!this.enforce) {
      this.mismatchesIgnored++;
      return true;
    }
    this.ctx.drops.count(drop);
    return false;
  }
}

export class EspLayer extends IpsecLayer {
  override readonly ipProtocol = IP_PROTO_ESP;
  readonly headerBytes = ESP_HEADER_BYTES + ESP_IV_BYTES;
  override readonly trailerBytes = DES_BLOCK_BYTES + ESP_TRAILER_BYTES + ESP_ICV_BYTES;
  readonly sequenceOffset = EspOffset.seq;

  constructor(ctx: LayerContext, sa: SaConfig, private readonly cipher: CbcCipher, hmac: Mac, sequence: CounterBlock, window: ReplayWindow) {
    super(ctx, sa, hmac, sequence, window, DropReason.EspReplay);
  }

  get name(): string {
    return `esp(${this.cipher.name},md5)`;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) {
      const below = this.below!.control(op, arg) - ESP_HEADER_BYTES - ESP_IV_BYTES - ESP_ICV_BYTES;
      return below - (below % DES_BLOCK_BYTES) - ESP_TRAILER_BYTES;
    }
    if (op === ControlOp.CanSend) return this.below!.control(op, arg + espOverhead(arg));
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const payload = msg.length;
    if (this.below!.control(ControlOp.MaxPayload, 0) < payload + espOverhead(payload)) return SendStatus.TooBig;
    const pad = espPadding(payload);
    const bytes = msg.bytes;
    const padAt = msg.append(pad + ESP_TRAILER_BYTES);
    for (let k = 0; k < pad; k++) bytes[padAt + k] = k + 1;
    bytes[padAt + pad] = pad;
    bytes[padAt + pad + 1] = IP_PROTO_IPIP;
    const ivAt = msg.push(ESP_IV_BYTES);
    this.cipher.encrypt(bytes, ivAt, payload + pad + ESP_TRAILER_BYTES);
    const at = msg.push(ESP_HEADER_BYTES);
    msg.view.setUint32(at + EspOffset.spi, this.sa.spi);
    msg.view.setUint32(at + EspOffset.seq, this.nextSequence());
    const icvAt = msg.append(ESP_ICV_BYTES);
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(bytes, icvAt);
    return this.below!.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const sealed = msg.length - ESP_HEADER_BYTES - ESP_IV_BYTES - ESP_ICV_BYTES;
    if (sealed < DES_BLOCK_BYTES || sealed % DES_BLOCK_BYTES !== 0) return this.ctx.drops.count(DropReason.EspLength);
    const view = msg.view;
    if (view.getUint32(at + EspOffset.spi) !== this.sa.spi) return this.ctx.drops.count(DropReason.EspSpi);
    const seq = view.getUint32(at + EspOffset.seq);
    if (this.replayed(seq)) return;
    const bytes = msg.bytes;
    const icvAt = msg.tail - ESP_ICV_BYTES;
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(this.computed, 0);
    if (!this.icvAccepted(bytes, icvAt, DropReason.EspIcv) || !this.acceptOnce(seq)) return;
    const ivAt = at + ESP_HEADER_BYTES;
    this.cipher.decrypt(bytes, ivAt, sealed);
    const pad = bytes[icvAt - 2]!;
    if (pad + ESP_TRAILER_BYTES > sealed || bytes[icvAt - 1] !== IP_PROTO_IPIP) return this.ctx.drops.count(DropReason.EspPadding);
    const padAt = icvAt - ESP_TRAILER_BYTES - pad;
    for (let k = 0; k < pad; k++) if (bytes[padAt + k] !== k + 1) return this.ctx.drops.count(DropReason.EspPadding);
    msg.head = ivAt + ESP_IV_BYTES;
    msg.tail = padAt;
    this.above.pop(msg);
  }
}

export class AhTunnelLayer extends IpsecLayer {
  readonly name = 'ah(md5)';
  override readonly ipProtocol = IP_PROTO_AH;
  readonly headerBytes = AH_HMAC_BYTES;
  readonly sequenceOffset = AhOffset.seq;
  private readonly pseudo = new Uint8Array(12);
  private readonly pseudoView = new DataView(this.pseudo.buffer);
  private readonly received = new Uint8Array(HMAC_MD5_96_BYTES);

  constructor(ctx: LayerContext, sa: SaConfig, hmac: Mac, sequence: CounterBlock, window: ReplayWindow) {
    super(ctx, sa, hmac, sequence, window, DropReason.AhReplay);
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.below!.control(op, arg) - AH_HMAC_BYTES;
    if (op === ControlOp.CanSend) return this.below!.control(op, arg + AH_HMAC_BYTES);
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    if (this.below!.control(ControlOp.MaxPayload, 0) < msg.length + AH_HMAC_BYTES) return SendStatus.TooBig;
    const at = msg.push(AH_HMAC_BYTES);
    const view = msg.view;
    view.setUint32(at, (IP_PROTO_IPIP << 24) | (AH_HMAC_PAYLOAD_LENGTH << 16));
    view.setUint32(at + AhOffset.spi, this.sa.spi);
    view.setUint32(at + AhOffset.seq, this.nextSequence());
    msg.bytes.fill(0, at + AhOffset.icv, at + AH_HMAC_BYTES);
    this.mac(msg, at, this.sa.localAddr, this.sa.remoteAddr);
    msg.bytes.set(this.computed.subarray(0, HMAC_MD5_96_BYTES), at + AhOffset.icv);
    return this.below!.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const view = msg.view;
    if (msg.length < AH_HMAC_BYTES || view.getUint8(at + AhOffset.payloadLength) !== AH_HMAC_PAYLOAD_LENGTH) return this.ctx.drops.count(DropReason.AhLength);
    if (view.getUint32(at + AhOffset.spi) !== this.sa.spi) return this.ctx.drops.count(DropReason.AhSpi);
    const seq = view.getUint32(at + AhOffset.seq);
    if (this.replayed(seq)) return;
    // The ICV is computed with the ICV field zero: the received one is kept aside meanwhile.
    const bytes = msg.bytes;
    const icv = at + AhOffset.icv;
    for (let i = 0; i < HMAC_MD5_96_BYTES; i++) {
      this.received[i] = bytes[icv + i]!;
      bytes[icv + i] = 0;
    }
    this.mac(msg, at, msg.srcAddr, msg.dstAddr);
    bytes.set(this.received, icv);
    if (!this.icvAccepted(bytes, icv, DropReason.AhDigest)) return;
    if (view.getUint8(at + AhOffset.nextHeader) !== IP_PROTO_IPIP) return this.ctx.drops.count(DropReason.AhNextHeader);
    if (!this.acceptOnce(seq)) return;
    msg.head = at + AH_HMAC_BYTES;
    this.above.pop(msg);
  }

  /** HMAC-MD5 over the outer header's immutable fields, AH (ICV zero) and the inner datagram, into `computed`. */
  private mac(msg: Msg, at: number, src: number, dst: number): void {
    writeAhPseudoHeader(this.pseudoView, 0, src, dst, IPV4_HEADER_BYTES + msg.tail - at);
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(this.pseudo, 0, 12);
    hmac.update(msg.bytes, at, msg.tail - at);
    hmac.end(this.computed, 0, 16);
  }
}
