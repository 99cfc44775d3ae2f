// IPsec in tunnel mode on a gateway (Shieh & Lai): ESP with DES or 3DES-CBC and HMAC-MD5-96
// (RFC 2406, 2405/2451, 2403), and AH with HMAC-MD5-96 (RFC 2402, 2403). What the layer carries is
// a whole inner IP datagram (next header 4). The SA's sequence number sits in a counter block and
// the receive side's 64-packet anti-replay window in a window block: private to a worker, or
// shared under the SA's lock when workers take packets from one queue.
//
// Inbound order, as RFC 2406 §3.4.3 says: the window is checked first (cheap), then the ICV, and
// only a verified packet moves the window (checked again under the lock, so two workers cannot
// both accept one sequence number).

import { HMAC_ICV_BYTES, HMAC_MD5_96_BYTES } from '../crypto/hmac.js';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, type Aead, type CbcCipher, type Mac, writeNonceBlock } from '../crypto/provider.js';
import { type DropGroup, dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, type SecurityAssociation, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { AhOffset, ahLength, receivedAhLength } from '../wire/ah.js';
import { IP_PROTO_AH } from '../wire/ipv4.js';
import {
  ESP_HEADER_BYTES,
  ESP_TRAILER_BYTES,
  EspOffset,
  IP_PROTO_ESP,
  IP_PROTO_IPIP,
  espCapacity,
  espOverhead,
  espPadding,
} from '../wire/esp.js';
import { CounterBlock } from '../counter-block.js';
import type { Checks, IpsecAuth, LayerBuild, LayerKind, LayerSpec, RunKind } from '../layer-kind.js';
import { ReplayVerdict, ReplayWindow } from '../replay-window.js';
import { DEFAULT_SPI, EXAMPLE_KEYS } from '../stack-options.js';
import { AhIcv } from './hmac-ah.js';
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

  /** Compares the `icvBytes`-byte ICV at bytes[at..] with `computed`; answers true when the packet may go on. */
  protected icvAccepted(bytes: Uint8Array, at: number, drop: number, icvBytes = HMAC_MD5_96_BYTES): boolean {
    let diff = 0;
    for (let i = 0; i < icvBytes; i++) diff |= bytes[at + i]! ^ this.computed[i]!;
    if (diff === 0) return true;
    if (!this.enforce) {
      this.mismatchesIgnored++;
      return true;
    }
    this.drops.count(drop);
    return false;
  }
}

/**
 * ESP with a CBC cipher and an HMAC (RFC 2406): DES or 3DES with HMAC-MD5-96 (the paper's era),
 * AES-128 with HMAC-SHA-256-128 (RFC 3602, 4868). The IV is one cipher block; the padding fills
 * whole blocks.
 */
export class EspLayer extends IpsecLayer {
  override readonly ipProtocol = IP_PROTO_ESP;
  readonly headerBytes: number;
  override readonly trailerBytes: number;
  readonly sequenceOffset = EspOffset.seq;
  private readonly block: number;
  private readonly icvBytes: number;

  constructor(
    ctx: LayerContext,
    sa: SaConfig,
    private readonly cipher: CbcCipher,
    hmac: Mac,
    private readonly auth: IpsecAuth,
    sequence: CounterBlock,
    window: ReplayWindow,
  ) {
    super(ctx, sa, hmac, sequence, window, ESP_DROPS, Drop.Replay);
    this.block = cipher.blockBytes;
    this.icvBytes = HMAC_ICV_BYTES[auth];
    this.headerBytes = ESP_HEADER_BYTES + this.block;
    this.trailerBytes = this.block + ESP_TRAILER_BYTES + this.icvBytes;
  }

  get name(): string {
    return `esp(${this.cipher.name},${this.auth})`;
  }

  /** Bytes ESP adds around a payload in all. */
  private overhead(payload: number): number {
    return espOverhead(payload, this.block, this.headerBytes, this.icvBytes);
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return espCapacity(this.below.control(op, arg), this.block, this.headerBytes, this.icvBytes);
    if (op === ControlOp.CanSend) return this.below.control(op, arg + this.overhead(arg));
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const payload = msg.length;
    if (this.below.control(ControlOp.MaxPayload, 0) < payload + this.overhead(payload)) return SendStatus.TooBig;
    const pad = espPadding(payload, this.block);
    const bytes = msg.bytes;
    writeEspTrailer(bytes, msg.append(pad + ESP_TRAILER_BYTES), pad);
    const ivAt = msg.prepend(this.block);
    this.cipher.encrypt(bytes, ivAt, payload + pad + ESP_TRAILER_BYTES);
    const at = msg.prepend(ESP_HEADER_BYTES);
    msg.view.setUint32(at + EspOffset.spi, this.sa.spi);
    msg.view.setUint32(at + EspOffset.seq, this.nextSequence());
    const icvAt = msg.append(this.icvBytes);
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(bytes, icvAt, this.icvBytes);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const block = this.block;
    const sealed = msg.length - this.headerBytes - this.icvBytes;
    if (sealed < block || sealed % block !== 0) return this.drops.count(Drop.Length);
    const view = msg.view;
    if (view.getUint32(at + EspOffset.spi) !== this.sa.spi) return this.drops.count(Drop.Spi);
    const seq = view.getUint32(at + EspOffset.seq);
    if (this.replayed(seq)) return;
    const bytes = msg.bytes;
    const icvAt = msg.tail - this.icvBytes;
    const hmac = this.hmac;
    hmac.begin();
    hmac.update(bytes, at, icvAt - at);
    hmac.end(this.computed, 0, this.icvBytes);
    if (!this.icvAccepted(bytes, icvAt, Drop.Icv, this.icvBytes) || !this.acceptOnce(seq)) return;
    this.cipher.decrypt(bytes, at + ESP_HEADER_BYTES, sealed);
    const padAt = espTrailerStart(bytes, icvAt, sealed);
    if (padAt < 0) return this.drops.count(Drop.Padding);
    msg.strip(this.headerBytes);
    msg.trimTo(padAt - msg.head);
    this.above.pop(msg);
  }
}

/** Writes ESP's padding (1, 2, 3, …: RFC 2406 2.4), its length and the next header (4: a tunnelled datagram) at `padAt`. */
function writeEspTrailer(bytes: Uint8Array, padAt: number, pad: number): void {
  for (let k = 0; k < pad; k++) bytes[padAt + k] = k + 1;
  bytes[padAt + pad] = pad;
  bytes[padAt + pad + 1] = IP_PROTO_IPIP;
}

/** Where the padding of the decrypted payload ending at `end` starts, or -1 when padding or next header are wrong. */
function espTrailerStart(bytes: Uint8Array, end: number, sealed: number): number {
  const pad = bytes[end - 2]!;
  if (pad + ESP_TRAILER_BYTES > sealed || bytes[end - 1] !== IP_PROTO_IPIP) return -1;
  const padAt = end - ESP_TRAILER_BYTES - pad;
  for (let k = 0; k < pad; k++) if (bytes[padAt + k] !== k + 1) return -1;
  return padAt;
}

/** RFC 4106's explicit IV: 8 bytes on the wire; the nonce is the SA's 4-byte salt, then it. */
const GCM_IV_BYTES = 8;
const GCM_SALT_BYTES = 4;

/**
 * ESP with AES-128-GCM (RFC 4106): SPI and sequence number, an 8-byte IV ([instance, counter], never
 * repeated under the key), the ciphertext of payload, padding (to 4 bytes), pad length and next
 * header, then the 16-byte tag. The nonce is the SA's salt and the IV; SPI and sequence number are
 * the associated data. No separate MAC: a tag that does not match is an ICV failure.
 */
export class EspGcmLayer extends IpsecLayer {
  override readonly ipProtocol = IP_PROTO_ESP;
  readonly name = 'esp(aes128gcm)';
  readonly headerBytes = ESP_HEADER_BYTES + GCM_IV_BYTES;
  override readonly trailerBytes = 3 + ESP_TRAILER_BYTES + AEAD_TAG_BYTES;
  readonly sequenceOffset = EspOffset.seq;
  /** The nonce being built: salt, then the IV. */
  private readonly nonce = new Uint8Array(AEAD_NONCE_BYTES);
  private counter = 0;

  constructor(
    ctx: LayerContext,
    sa: SaConfig,
    private readonly aead: Aead,
    salt: Uint8Array,
    private readonly instance: number,
    sequence: CounterBlock,
    window: ReplayWindow,
  ) {
    // No HMAC: the tag is the ICV (IpsecLayer's MAC is unused).
    super(ctx, sa, NO_MAC, sequence, window, ESP_DROPS, Drop.Replay);
    if (salt.length !== GCM_SALT_BYTES)
      throw new RangeError(`esp(aes128gcm): a ${GCM_SALT_BYTES}-byte salt is required, got ${salt.length}`);
    this.nonce.set(salt, 0);
  }

  /** Bytes ESP adds around a payload in all (GCM pads to 4 bytes: RFC 4106 3). */
  private overhead(payload: number): number {
    return espOverhead(payload, 4, this.headerBytes, AEAD_TAG_BYTES);
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return espCapacity(this.below.control(op, arg), 4, this.headerBytes, AEAD_TAG_BYTES);
    if (op === ControlOp.CanSend) return this.below.control(op, arg + this.overhead(arg));
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    const payload = msg.length;
    if (this.below.control(ControlOp.MaxPayload, 0) < payload + this.overhead(payload)) return SendStatus.TooBig;
    const pad = espPadding(payload, 4);
    const bytes = msg.bytes;
    const dataAt = msg.head;
    writeEspTrailer(bytes, msg.append(pad + ESP_TRAILER_BYTES), pad);
    const sealed = payload + pad + ESP_TRAILER_BYTES;
    msg.append(AEAD_TAG_BYTES);
    const ivAt = msg.prepend(GCM_IV_BYTES);
    writeNonceBlock(bytes, ivAt, GCM_IV_BYTES, this.instance, this.counter);
    this.counter = (this.counter + 1) >>> 0;
    const at = msg.prepend(ESP_HEADER_BYTES);
    msg.view.setUint32(at + EspOffset.spi, this.sa.spi);
    msg.view.setUint32(at + EspOffset.seq, this.nextSequence());
    this.nonce.set(bytes.subarray(ivAt, ivAt + GCM_IV_BYTES), GCM_SALT_BYTES);
    this.aead.sealWithNonce(this.nonce, 0, bytes, at, ESP_HEADER_BYTES, dataAt, sealed);
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const sealed = msg.length - this.headerBytes - AEAD_TAG_BYTES;
    if (sealed < ESP_TRAILER_BYTES || sealed % 4 !== 0) return this.drops.count(Drop.Length);
    const view = msg.view;
    if (view.getUint32(at + EspOffset.spi) !== this.sa.spi) return this.drops.count(Drop.Spi);
    const seq = view.getUint32(at + EspOffset.seq);
    if (this.replayed(seq)) return;
    const bytes = msg.bytes;
    const ivAt = at + ESP_HEADER_BYTES;
    const dataAt = ivAt + GCM_IV_BYTES;
    this.nonce.set(bytes.subarray(ivAt, ivAt + GCM_IV_BYTES), GCM_SALT_BYTES);
    if (!this.aead.open(this.nonce, 0, bytes, at, ESP_HEADER_BYTES, dataAt, sealed, !this.enforce)) {
      if (this.enforce) return this.drops.count(Drop.Icv);
      this.mismatchesIgnored++;
    }
    if (!this.acceptOnce(seq)) return;
    const padAt = espTrailerStart(bytes, dataAt + sealed, sealed);
    if (padAt < 0) return this.drops.count(Drop.Padding);
    msg.strip(this.headerBytes);
    msg.trimTo(padAt - msg.head);
    this.above.pop(msg);
  }
}

/** The MAC of a transform whose ICV is its AEAD's tag: never used. */
const NO_MAC: Mac = {
  begin() {
    throw new Error('an AEAD transform has no separate MAC');
  },
  update() {
    throw new Error('an AEAD transform has no separate MAC');
  },
  end() {
    throw new Error('an AEAD transform has no separate MAC');
  },
};

/** AH in tunnel mode with HMAC-MD5-96 (ah(md5)) or HMAC-SHA-256-128 (ah(sha256)). */
export class AhTunnelLayer extends IpsecLayer {
  override readonly ipProtocol = IP_PROTO_AH;
  readonly headerBytes: number;
  readonly sequenceOffset = AhOffset.seq;
  private readonly icvBytes: number;
  /** Payload Length: the header's length in 32-bit words, minus 2. */
  private readonly payloadLength: number;
  private readonly icv: AhIcv;
  private readonly received = new Uint8Array(16);

  constructor(
    ctx: LayerContext,
    sa: SaConfig,
    hmac: Mac,
    private readonly auth: IpsecAuth,
    sequence: CounterBlock,
    window: ReplayWindow,
  ) {
    super(ctx, sa, hmac, sequence, window, AH_DROPS, AH_DROPS.code.Replay);
    this.icvBytes = HMAC_ICV_BYTES[auth];
    this.icv = new AhIcv(hmac, this.icvBytes);
    this.headerBytes = ahLength(this.icvBytes);
    this.payloadLength = this.headerBytes / 4 - 2;
  }

  get name(): string {
    return `ah(${this.auth})`;
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.MaxPayload) return this.below.control(op, arg) - this.headerBytes;
    if (op === ControlOp.CanSend) return this.below.control(op, arg + this.headerBytes);
    return super.control(op, arg);
  }

  push(msg: Msg): SendStatus {
    if (this.below.control(ControlOp.MaxPayload, 0) < msg.length + this.headerBytes) return SendStatus.TooBig;
    const at = msg.prepend(this.headerBytes);
    const view = msg.view;
    view.setUint32(at, (IP_PROTO_IPIP << 24) | (this.payloadLength << 16));
    view.setUint32(at + AhOffset.spi, this.sa.spi);
    view.setUint32(at + AhOffset.seq, this.nextSequence());
    msg.bytes.fill(0, at + AhOffset.icv, at + this.headerBytes);
    this.icv.compute(
      msg,
      at,
      this.sa.localAddr,
      this.sa.remoteAddr,
      this.below.control(ControlOp.ReserveIdent, 0),
      msg.bytes,
      at + AhOffset.icv,
    );
    return this.below.push(msg);
  }

  pop(msg: Msg): void {
    const at = msg.head;
    const view = msg.view;
    const ahBytes = msg.length < AhOffset.icv ? -1 : receivedAhLength(view.getUint8(at + AhOffset.payloadLength), this.icvBytes);
    if (ahBytes < 0 || msg.length < ahBytes) return this.drops.count(AH_DROPS.code.Length);
    if (view.getUint32(at + AhOffset.spi) !== this.sa.spi) return this.drops.count(AH_DROPS.code.Spi);
    const seq = view.getUint32(at + AhOffset.seq);
    if (this.replayed(seq)) return;
    // The ICV is computed with the ICV field zero: the received one is kept aside meanwhile.
    const bytes = msg.bytes;
    const icv = at + AhOffset.icv;
    for (let i = 0; i < this.icvBytes; i++) {
      this.received[i] = bytes[icv + i]!;
      bytes[icv + i] = 0;
    }
    this.icv.compute(msg, at, msg.srcAddr, msg.dstAddr, msg.ipIdent, this.computed, 0);
    for (let i = 0; i < this.icvBytes; i++) bytes[icv + i] = this.received[i]!; // a subarray would be an object a packet
    if (!this.icvAccepted(bytes, icv, AH_DROPS.code.Digest, this.icvBytes)) return;
    if (view.getUint8(at + AhOffset.nextHeader) !== IP_PROTO_IPIP) return this.drops.count(AH_DROPS.code.NextHeader);
    if (!this.acceptOnce(seq)) return;
    msg.strip(ahBytes);
    this.above.pop(msg);
  }
}

/** The security association both ends of a tunnel share. */
function sa(b: LayerBuild): SaConfig {
  return {
    spi: b.options.spi ?? DEFAULT_SPI,
    localAddr: b.ends.localAddr,
    remoteAddr: b.ends.remoteAddr,
    enforceIcv: b.options.enforceIcv !== false,
  };
}

/** The transform's HMAC under the SA's key: HMAC-MD5 (keys.hmac) or HMAC-SHA-256 (keys.sha256). */
function hmac(b: LayerBuild, auth: IpsecAuth): Mac {
  return auth === 'md5'
    ? b.provider.createHmac('md5', b.keys.hmac ?? EXAMPLE_KEYS.hmac)
    : b.provider.createHmac('sha256', b.keys.sha256 ?? EXAMPLE_KEYS.sha256);
}

/** The SA's sequence counter and replay window: shared ones under packet-level parallelism. */
function saState(b: LayerBuild): [CounterBlock, ReplayWindow] {
  return [b.options.state?.saSequence ?? new CounterBlock(), b.options.state?.replay ?? new ReplayWindow()];
}

const AUTH_NAMES: Record<IpsecAuth, string> = { md5: 'hmac-md5-96', sha256: 'hmac-sha-256-128' };

/** A gateway's received tunnel packets: replayed templates carry ICVs their new sequence numbers break. */
function icvChecks(header: 'esp' | 'ah', spec: LayerSpec, run: RunKind): Checks {
  const icv = `${header} icv (${spec.cipher === 'aes128gcm' ? 'aes-128-gcm tag' : AUTH_NAMES[spec.auth ?? 'md5']})`;
  const replayed = run.side === 'recv' && !run.verify;
  return {
    enforced: [`${header} spi and anti-replay window`, ...(replayed ? [] : [icv])],
    computedOnly: replayed ? [`${icv} (templates replayed with advancing sequence numbers cannot match)`] : [],
  };
}

function cbcKey(b: LayerBuild, cipher: CbcName): Uint8Array {
  if (cipher === 'des') return b.keys.des;
  if (cipher === '3des') return b.keys.tdes;
  return b.keys.aes128 ?? EXAMPLE_KEYS.aes128;
}

type CbcName = 'des' | '3des' | 'aes128';

export const ESP_KIND: LayerKind = {
  name: 'esp',
  form:
    'esp(cipher,auth) or esp(aead): esp(3des,md5), esp(des,md5) (CBC with HMAC-MD5-96), ' +
    'esp(aes128,sha256) (with HMAC-SHA-256-128), esp(aes128gcm) (RFC 4106)',
  parseSetting: (setting) => {
    const [cipher, auth, ...rest] = setting.split(',').map((a) => a.trim());
    if (cipher === 'aes128gcm' && auth === undefined) return { cipher };
    if (rest.length > 0) return 'is not a transform';
    if ((cipher === 'des' || cipher === '3des') && auth === 'md5') return { cipher, auth };
    if (cipher === 'aes128' && (auth === 'sha256' || auth === 'md5')) return { cipher, auth };
    return 'is not a transform';
  },
  below: ['ip'],
  top: true,
  gateway: true,
  securityAssociation: true,
  build: (b) => {
    const cipher = b.spec.cipher!;
    if (cipher === 'aes128gcm')
      return new EspGcmLayer(
        b.ctx,
        sa(b),
        b.provider.createAead('aes128gcm', b.keys.aes128gcm ?? EXAMPLE_KEYS.aes128gcm, b.instance),
        b.keys.gcmSalt ?? EXAMPLE_KEYS.gcmSalt,
        b.instance,
        ...saState(b),
      );
    const auth = b.spec.auth ?? 'md5';
    return new EspLayer(b.ctx, sa(b), b.provider.createCipher(cipher, cbcKey(b, cipher), b.instance), hmac(b, auth), auth, ...saState(b));
  },
  drops: ESP_DROPS,
  checks: (spec, run) => {
    const { enforced, computedOnly } = icvChecks('esp', spec, run);
    return { enforced: [...enforced, 'esp padding'], computedOnly };
  },
  primitives: (spec) => (spec.cipher === 'aes128gcm' ? ['aes128gcm'] : [spec.cipher!, spec.auth ?? 'md5']),
  fuzzStacks: ['esp(3des,md5)/ip/eth', 'esp(des,md5)/ip/fddi', 'esp(aes128,sha256)/ip/eth', 'esp(aes128gcm)/ip/eth'],
};

export const AH_KIND: LayerKind = {
  name: 'ah',
  form: 'ah(auth): ah(md5) (HMAC-MD5-96) or ah(sha256) (HMAC-SHA-256-128)',
  parseSetting: (setting) =>
    setting.trim() === 'md5' || setting.trim() === 'sha256' ? { auth: setting.trim() as IpsecAuth } : 'is not a transform',
  below: ['ip'],
  top: true,
  gateway: true,
  securityAssociation: true,
  build: (b) => new AhTunnelLayer(b.ctx, sa(b), hmac(b, b.spec.auth ?? 'md5'), b.spec.auth ?? 'md5', ...saState(b)),
  drops: AH_DROPS,
  checks: (spec, run) => icvChecks('ah', spec, run),
  primitives: (spec) => [spec.auth ?? 'md5'],
  fuzzStacks: ['ah(md5)/ip/eth', 'ah(sha256)/ip/eth'],
};
