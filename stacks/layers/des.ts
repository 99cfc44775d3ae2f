// DES or three-key 3DES (EDE) in CBC mode above the transport (the paper's DES/TCP/MD5/IP), in
// records: a 4-byte header (the record's length, header included, then two zero bytes), an 8-byte
// IV, and the message padded to whole blocks (RFC 1423: 1 to 8 bytes, each the pad length),
// encrypted in place. The length lets a receiver find records in a byte stream, as TLS's record
// header does; the padding check catches a wrong key or a damaged last block.
//
// Above TCP, a message larger than a segment is sent as several records, each filling a segment
// (TCP is told to cut there, as TCP_MAXSEG does), so every segment carries whole records and
// whichever thread takes it can decrypt it at once (packet-level parallelism), as TLS stacks size
// records to segments. A message that fits one segment is one record, encrypted in place: over
// FDDI the paper's 4 KB messages stay one message per segment. Records a peer cut or joined
// otherwise are put together from the stream, in order, in a buffer of the layer's own.

import type { CbcCipher } from '../crypto/provider.js';
import { DES_BLOCK_BYTES } from '../crypto/provider.js';
import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import { BufferPool, DEFAULT_HEADROOM, DEFAULT_SLOT_BYTES, type Msg, copyBytes } from '../message.js';
import type { LayerKind } from '../layer-kind.js';

/** Why this layer drops a message (reported as des-<reason>). */
export const DES_DROPS = dropGroup('des', {
  Length: 'length', // a record length that is no whole number of blocks behind a header and IV, or too long
  Padding: 'padding', // padding check failed: wrong key or corrupted ciphertext
  Stream: 'stream', // a record cut off: the rest of it never came (or, under PLP, went to another thread)
});
const Drop = DES_DROPS.code;

const HEADER_BYTES = 4;
const IV_BYTES = DES_BLOCK_BYTES;
/** A record's bytes besides its ciphertext. */
const RECORD_OVERHEAD = HEADER_BYTES + IV_BYTES;
/** The shortest record: one block of ciphertext (padding only). */
const MIN_RECORD = RECORD_OVERHEAD + DES_BLOCK_BYTES;
/** The longest record a receiver puts together: what a message buffer holds behind its headroom. */
export const MAX_RECORD =
  DEFAULT_SLOT_BYTES - DEFAULT_HEADROOM - ((DEFAULT_SLOT_BYTES - DEFAULT_HEADROOM - RECORD_OVERHEAD) % DES_BLOCK_BYTES);

/** Bytes on the wire for a record of `length` message bytes: header, IV and padded data. */
export function desWireLength(length: number): number {
  return RECORD_OVERHEAD + (length - (length % DES_BLOCK_BYTES)) + DES_BLOCK_BYTES;
}

/** The most message bytes one record of at most `wire` bytes carries (-1 when none fit). */
export function recordCapacity(wire: number): number {
  return wire < MIN_RECORD ? -1 : wire - RECORD_OVERHEAD - ((wire - RECORD_OVERHEAD) % DES_BLOCK_BYTES) - 1;
}

/** Bytes on the wire for `length` message bytes in records carrying `perRecord` each (the last carries the rest). */
function recordsWireLength(length: number, perRecord: number): number {
  const whole = Math.floor(length / perRecord);
  const rest = length - whole * perRecord;
  return whole * desWireLength(perRecord) + (rest > 0 ? desWireLength(rest) : 0);
}

export class DesLayer extends Layer {
  readonly headerBytes = RECORD_OVERHEAD;
  override readonly trailerBytes = DES_BLOCK_BYTES;

  /** The buffer a message of several records is built in, and the one a record cut across segments is put together in. */
  private readonly records: Msg;
  private readonly assembly: Msg;
  /** Bytes of a record held in `assembly`; the stream position after them, and the record's start. */
  private held = 0;
  private heldEnd = 0;
  private heldStart = 0;
  /** The transport below is a byte stream (TCP): records may come cut or joined. */
  private stream = false;
  /** A drop was counted for the piece being taken: one piece, however many records it spoils, is one drop. */
  private dropped = false;

  constructor(
    ctx: LayerContext,
    private readonly cipher: CbcCipher,
  ) {
    super(ctx, DES_DROPS);
    const pool = new BufferPool(2);
    this.records = pool.get();
    this.assembly = pool.get();
  }

  get name(): string {
    return this.cipher.name;
  }

  override open(): void {
    this.stream = this.below.control(ControlOp.MaxSegment, 0) > 0;
  }

  /** The largest record on one segment; -1 when the transport below sends datagrams whole. */
  private segmentRecord(): number {
    const segment = this.below.control(ControlOp.MaxSegment, 0);
    return segment < 0 ? -1 : Math.min(segment, MAX_RECORD);
  }

  /** The wire length of a message of `length` bytes: one record, or records that fill segments. */
  private wireLength(length: number): number {
    const single = desWireLength(length);
    const segment = this.segmentRecord();
    if (segment < 0 || single <= segment) return single;
    return recordsWireLength(length, recordCapacity(segment));
  }

  override control(op: ControlOp, arg: number): number {
    switch (op) {
      case ControlOp.MaxPayload: {
        // The most message bytes whose records fit what the layer below takes in one push and a message buffer holds.
        const below = Math.min(this.below.control(op, arg), MAX_RECORD);
        const segment = this.segmentRecord();
        if (segment < 0 || segment >= below) return recordCapacity(below);
        const perRecord = recordCapacity(segment);
        const whole = Math.floor(below / desWireLength(perRecord));
        return whole * perRecord + Math.max(0, recordCapacity(below - whole * desWireLength(perRecord)));
      }
      case ControlOp.CanSend:
        return this.below.control(op, this.wireLength(arg));
      case ControlOp.MaxSegment:
      case ControlOp.LimitSegment:
        return -1; // (records above DES are not cut)
      default:
        return super.control(op, arg);
    }
  }

  push(msg: Msg): SendStatus {
    const length = msg.length;
    const wire = this.wireLength(length);
    if (wire > MAX_RECORD) return SendStatus.TooBig;
    // Ask first: once encrypted in place, the message cannot be handed back unchanged.
    if (this.below.control(ControlOp.CanSend, wire) === 0) {
      return this.below.control(ControlOp.MaxPayload, 0) < wire ? SendStatus.TooBig : SendStatus.WouldBlock;
    }
    if (wire === desWireLength(length)) {
      this.seal(msg, length);
      return this.below.push(msg);
    }
    // Several records, each filling a segment: built one behind the other in a buffer of our own.
    const segment = this.segmentRecord();
    const perRecord = recordCapacity(segment);
    const record = desWireLength(perRecord);
    // TCP cuts where the records end (a record may be a few bytes short of a segment: whole blocks).
    if (record !== segment) this.below.control(ControlOp.LimitSegment, record);
    const out = this.records;
    out.resetPayload(wire);
    let at = out.head;
    for (let from = 0; from < length; from += perRecord) {
      const n = Math.min(perRecord, length - from);
      copyBytes(out.bytes, at + RECORD_OVERHEAD, msg.bytes, msg.head + from, n);
      at += this.sealAt(out.bytes, at, n);
    }
    return this.below.push(out);
  }

  /** Makes the message's `length` bytes one record, in place: padding behind, header and IV in front, encrypted. */
  private seal(msg: Msg, length: number): void {
    const pad = DES_BLOCK_BYTES - (length % DES_BLOCK_BYTES);
    msg.append(pad);
    this.sealAt(msg.bytes, msg.prepend(RECORD_OVERHEAD), length);
  }

  /**
   * Seals the record at `at` whose `length` message bytes stand behind its header and IV (with room
   * for the padding after them); answers its wire length.
   */
  private sealAt(bytes: Uint8Array, at: number, length: number): number {
    const pad = DES_BLOCK_BYTES - (length % DES_BLOCK_BYTES);
    const end = at + RECORD_OVERHEAD + length;
    bytes.fill(pad, end, end + pad);
    const wire = RECORD_OVERHEAD + length + pad;
    bytes[at] = wire >>> 8;
    bytes[at + 1] = wire & 0xff;
    bytes[at + 2] = 0;
    bytes[at + 3] = 0;
    this.cipher.encrypt(bytes, at + HEADER_BYTES, length + pad);
    return wire;
  }

  pop(msg: Msg): void {
    this.dropped = false;
    const head = msg.head;
    const length = msg.length;
    // Whole records, the way our own sender cuts them: opened in place, no copy.
    if (this.held === 0 && length >= HEADER_BYTES && recordLength(msg.bytes, head) === length) return this.openRecord(msg, head, length);
    this.takeStream(msg);
  }

  /**
   * Records from a piece of the stream that does not hold exactly one: whole ones are opened in
   * place, a record cut across pieces is put together in `assembly`. Pieces come in stream order
   * (TCP delivers them so); one that does not follow the held bytes ends the record cut off.
   */
  private takeStream(msg: Msg): void {
    if (!this.stream) return this.drop(Drop.Length); // a datagram is one record, whole
    const bytes = msg.bytes;
    const first = msg.head;
    const tail = msg.tail;
    const seq = msg.streamSeq;
    let at = first;
    if (this.held > 0 && seq !== this.heldEnd) {
      this.drop(Drop.Stream);
      this.held = 0;
    }
    while (at < tail) {
      if (this.held === 0) {
        const rest = tail - at;
        if (rest >= HEADER_BYTES) {
          const record = recordLength(bytes, at);
          if (record < 0) return this.drop(Drop.Length);
          if (record <= rest) {
            const next = at + record;
            const streamAt = (seq + (at - first)) | 0;
            this.openRecord(msg, at, record, streamAt);
            at = next;
            continue;
          }
        }
        this.heldStart = (seq + (at - first)) | 0;
      }
      const a = this.assembly;
      const start = a.slotStart + DEFAULT_HEADROOM;
      // How much of the record to take: its whole length once the header is here, else the header first.
      const want = this.held >= HEADER_BYTES ? recordLength(a.bytes, start) - this.held : HEADER_BYTES - this.held;
      const n = Math.min(want, tail - at);
      copyBytes(a.bytes, start + this.held, bytes, at, n);
      this.held += n;
      at += n;
      if (this.held === HEADER_BYTES && recordLength(a.bytes, start) < 0) {
        this.held = 0;
        return this.drop(Drop.Length);
      }
      if (this.held >= HEADER_BYTES && this.held === recordLength(a.bytes, start)) {
        const record = this.held;
        this.held = 0;
        this.openRecord(a, start, record, this.heldStart);
      }
    }
    this.heldEnd = (seq + (tail - first)) | 0;
  }

  /** Counts a drop for the piece being taken, unless one was counted for it already. */
  private drop(code: number): void {
    if (this.dropped) return;
    this.dropped = true;
    this.drops.count(code);
  }

  /**
   * Decrypts the record [at, at + length) of `msg` (its length checked) and delivers its message
   * up, placed in the stream at `streamAt` (the transport's numbering, for an application that
   * puts pieces in order).
   */
  private openRecord(msg: Msg, at: number, length: number, streamAt = msg.streamSeq): void {
    const cipherBytes = length - RECORD_OVERHEAD;
    if (cipherBytes < DES_BLOCK_BYTES || cipherBytes % DES_BLOCK_BYTES !== 0) return this.drop(Drop.Length);
    const bytes = msg.bytes;
    this.cipher.decrypt(bytes, at + HEADER_BYTES, cipherBytes);
    const end = at + length;
    const pad = bytes[end - 1]!;
    let bad = pad === 0 || pad > DES_BLOCK_BYTES ? 1 : 0;
    for (let i = 2; i <= pad && bad === 0; i++) if (bytes[end - i] !== pad) bad = 1;
    if (bad !== 0) return this.drop(Drop.Padding);
    msg.setRange(at + RECORD_OVERHEAD, end - pad);
    msg.streamSeq = streamAt;
    msg.streamNext = (streamAt + length) | 0;
    this.above.pop(msg);
  }
}

/** The length a record header at `at` gives, or -1 when it is none (too short or long, its reserved bytes set). */
function recordLength(bytes: Uint8Array, at: number): number {
  const length = (bytes[at]! << 8) | bytes[at + 1]!;
  if (bytes[at + 2] !== 0 || bytes[at + 3] !== 0 || length < MIN_RECORD || length > MAX_RECORD) return -1;
  return length;
}

/** DES or 3DES above a transport: the message's padding is what the layer itself checks. */
function desKind(name: 'des' | '3des'): LayerKind {
  return {
    name,
    below: ['tcp', 'udp'],
    top: true,
    gateway: false,
    build: (b) => new DesLayer(b.ctx, b.provider.createCipher(name, name === 'des' ? b.keys.des : b.keys.tdes, b.instance)),
    drops: DES_DROPS,
    checks: () => ({ enforced: [`${name} padding`], computedOnly: [] }),
    primitives: () => [name],
    fuzzStacks: name === 'des' ? ['des/tcp/ip/fddi'] : [],
  };
}

export const DES_KIND = desKind('des');
export const TDES_KIND = desKind('3des');
