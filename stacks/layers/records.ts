// Records above a transport, the framing every confidentiality layer shares (DES and AES in CBC
// mode, cbc-records.ts; the AEADs, aead-records.ts): a 4-byte header (the record's length, header
// included, then two zero bytes), what the format puts in front of the data (an IV, a nonce), the
// sealed data and what it puts behind (padding, a tag). The length lets a receiver find records in
// a byte stream, as TLS's record header does.
//
// Above TCP, a message larger than a segment is sent as several records, each filling a segment
// (TCP is told to cut there, as TCP_MAXSEG does), so every segment carries whole records and
// whichever thread takes it can open it at once (packet-level parallelism), as TLS stacks size
// records to segments. A message that fits one segment is one record, sealed in place: over FDDI
// the paper's 4 KB messages stay one message per segment. Records a peer cut or joined otherwise
// are put together from the stream, in order, in a buffer of the layer's own.

import type { DropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import { BufferPool, DEFAULT_HEADROOM, DEFAULT_SLOT_BYTES, type Msg, copyBytes } from '../message.js';

export const RECORD_HEADER_BYTES = 4;
/** The longest record a message buffer holds behind its headroom (a format rounds it down to whole blocks). */
export const RECORD_LIMIT = DEFAULT_SLOT_BYTES - DEFAULT_HEADROOM;

/** How one kind of record seals and opens its data: the cipher's part; the framing is RecordLayer's. */
export interface RecordFormat {
  readonly name: string;
  /** Bytes in front of the data: the header and the IV or nonce. */
  readonly front: number;
  /** Bytes behind the data at most (padding, tag): the room a message needs past its tail. */
  readonly trailer: number;
  /** The shortest and longest records the format makes. */
  readonly minRecord: number;
  readonly maxRecord: number;
  /** Bytes on the wire for a record of `length` message bytes. */
  wireLength(length: number): number;
  /** The most message bytes one record of at most `wire` bytes carries (-1 when none fit). */
  capacity(wire: number): number;
  /** A record's length that is no record of this format (not whole blocks, say). */
  badLength(length: number): boolean;
  /**
   * Seals the record at `at` whose `length` message bytes stand at `at + front` (with room for its
   * trailer behind them): writes its header, IV or nonce, and trailer; answers its wire length.
   */
  seal(bytes: Uint8Array, at: number, length: number): number;
  /** Opens the record [at, at + length) in place: answers where its message ends, or -1 when it fails its check. */
  open(bytes: Uint8Array, at: number, length: number): number;
}

/** The reasons every record layer drops for, and the one its format's check fails with. */
export interface RecordDrops {
  group: DropGroup;
  /** A record length that is no record, or too long. */
  length: number;
  /** A record cut off: the rest of it never came (or, under PLP, went to another thread). */
  stream: number;
  /** The format's check failed: padding, or the AEAD's tag. */
  check: number;
}

/** Writes a record's header: its length, then two zero bytes. */
export function writeRecordHeader(bytes: Uint8Array, at: number, wire: number): void {
  bytes[at] = wire >>> 8;
  bytes[at + 1] = wire & 0xff;
  bytes[at + 2] = 0;
  bytes[at + 3] = 0;
}

/** Bytes on the wire for `length` message bytes in records carrying `perRecord` each (the last carries the rest). */
function recordsWireLength(format: RecordFormat, length: number, perRecord: number): number {
  const whole = Math.floor(length / perRecord);
  const rest = length - whole * perRecord;
  return whole * format.wireLength(perRecord) + (rest > 0 ? format.wireLength(rest) : 0);
}

export class RecordLayer extends Layer {
  readonly headerBytes: number;
  override readonly trailerBytes: number;

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
    protected readonly format: RecordFormat,
    private readonly reasons: RecordDrops,
  ) {
    super(ctx, reasons.group);
    this.headerBytes = format.front;
    this.trailerBytes = format.trailer;
    const pool = new BufferPool(2);
    this.records = pool.get();
    this.assembly = pool.get();
  }

  get name(): string {
    return this.format.name;
  }

  override open(): void {
    this.stream = this.below.control(ControlOp.MaxSegment, 0) > 0;
  }

  /** The largest record on one segment; -1 when the transport below sends datagrams whole. */
  private segmentRecord(): number {
    const segment = this.below.control(ControlOp.MaxSegment, 0);
    return segment < 0 ? -1 : Math.min(segment, this.format.maxRecord);
  }

  /** The wire length of a message of `length` bytes: one record, or records that fill segments. */
  private wireLength(length: number): number {
    const format = this.format;
    const single = format.wireLength(length);
    const segment = this.segmentRecord();
    if (segment < 0 || single <= segment) return single;
    return recordsWireLength(format, length, format.capacity(segment));
  }

  override control(op: ControlOp, arg: number): number {
    const format = this.format;
    switch (op) {
      case ControlOp.MaxPayload: {
        // The most message bytes whose records fit what the layer below takes in one push and a message buffer holds.
        const below = Math.min(this.below.control(op, arg), format.maxRecord);
        const segment = this.segmentRecord();
        if (segment < 0 || segment >= below) return format.capacity(below);
        const perRecord = format.capacity(segment);
        const whole = Math.floor(below / format.wireLength(perRecord));
        return whole * perRecord + Math.max(0, format.capacity(below - whole * format.wireLength(perRecord)));
      }
      case ControlOp.CanSend:
        return this.below.control(op, this.wireLength(arg));
      case ControlOp.MaxSegment:
      case ControlOp.LimitSegment:
        return -1; // (records above a record layer are not cut)
      default:
        return super.control(op, arg);
    }
  }

  push(msg: Msg): SendStatus {
    const format = this.format;
    const length = msg.length;
    const wire = this.wireLength(length);
    if (wire > format.maxRecord) return SendStatus.TooBig;
    // Ask first: once sealed in place, the message cannot be handed back unchanged.
    if (this.below.control(ControlOp.CanSend, wire) === 0) {
      return this.below.control(ControlOp.MaxPayload, 0) < wire ? SendStatus.TooBig : SendStatus.WouldBlock;
    }
    if (wire === format.wireLength(length)) {
      msg.append(wire - format.front - length);
      format.seal(msg.bytes, msg.prepend(format.front), length);
      return this.below.push(msg);
    }
    // Several records, each filling a segment: built one behind the other in a buffer of our own.
    const segment = this.segmentRecord();
    const perRecord = format.capacity(segment);
    const record = format.wireLength(perRecord);
    // TCP cuts where the records end (a record may be a few bytes short of a segment: whole blocks).
    if (record !== segment) this.below.control(ControlOp.LimitSegment, record);
    const out = this.records;
    out.resetPayload(wire);
    let at = out.head;
    for (let from = 0; from < length; from += perRecord) {
      const n = Math.min(perRecord, length - from);
      copyBytes(out.bytes, at + format.front, msg.bytes, msg.head + from, n);
      at += format.seal(out.bytes, at, n);
    }
    out.sampledAt = msg.sampledAt;
    return this.below.push(out);
  }

  pop(msg: Msg): void {
    this.dropped = false;
    const head = msg.head;
    const length = msg.length;
    // Whole records, the way our own sender cuts them: opened in place, no copy.
    if (this.held === 0 && length >= RECORD_HEADER_BYTES && this.recordLength(msg.bytes, head) === length)
      return this.openRecord(msg, head, length);
    this.takeStream(msg);
  }

  /**
   * Records from a piece of the stream that does not hold exactly one: whole ones are opened in
   * place, a record cut across pieces is put together in `assembly`. Pieces come in stream order
   * (TCP delivers them so); one that does not follow the held bytes ends the record cut off.
   */
  private takeStream(msg: Msg): void {
    if (!this.stream) return this.drop(this.reasons.length); // a datagram is one record, whole
    const bytes = msg.bytes;
    const first = msg.head;
    const tail = msg.tail;
    const seq = msg.streamSeq;
    let at = first;
    if (this.held > 0 && seq !== this.heldEnd) {
      this.drop(this.reasons.stream);
      this.held = 0;
    }
    while (at < tail) {
      if (this.held === 0) {
        const rest = tail - at;
        if (rest >= RECORD_HEADER_BYTES) {
          const record = this.recordLength(bytes, at);
          if (record < 0) return this.drop(this.reasons.length);
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
      const want = this.held >= RECORD_HEADER_BYTES ? this.recordLength(a.bytes, start) - this.held : RECORD_HEADER_BYTES - this.held;
      const n = Math.min(want, tail - at);
      copyBytes(a.bytes, start + this.held, bytes, at, n);
      this.held += n;
      at += n;
      if (this.held === RECORD_HEADER_BYTES && this.recordLength(a.bytes, start) < 0) {
        this.held = 0;
        return this.drop(this.reasons.length);
      }
      if (this.held >= RECORD_HEADER_BYTES && this.held === this.recordLength(a.bytes, start)) {
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
   * Opens the record [at, at + length) of `msg` (its length checked) and delivers its message up,
   * placed in the stream at `streamAt` (the transport's numbering, for an application that puts
   * pieces in order).
   */
  private openRecord(msg: Msg, at: number, length: number, streamAt = msg.streamSeq): void {
    const format = this.format;
    if (format.badLength(length)) return this.drop(this.reasons.length);
    const end = format.open(msg.bytes, at, length);
    if (end < 0) return this.drop(this.reasons.check);
    msg.setRange(at + format.front, end);
    msg.streamSeq = streamAt;
    msg.streamNext = (streamAt + length) | 0;
    this.above.pop(msg);
  }

  /** The length a record header at `at` gives, or -1 when it is none (too short or long, its reserved bytes set). */
  private recordLength(bytes: Uint8Array, at: number): number {
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (bytes[at + 2] !== 0 || bytes[at + 3] !== 0 || length < this.format.minRecord || length > this.format.maxRecord) return -1;
    return length;
  }
}
