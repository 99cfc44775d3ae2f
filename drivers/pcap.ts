// A pcap writer (libpcap format 2.4, microsecond timestamps) for the frames a stack emits, so
// Wireshark or tshark can read them. Written to a temporary file and renamed on close, so the
// capture is whole or absent.

import * as fs from 'node:fs';
import { type Msg, copyBytes } from '../stacks/message.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_FDDI = 10;
const PCAP_MAGIC = 0xa1b2c3d4;
const SNAPLEN = 65535;
const RECORD_HEADER_BYTES = 16;
const CHUNK_BYTES = 1 << 20;

export class PcapWriter {
  private readonly fd: number;
  private readonly tmpPath: string;
  private readonly chunk = new Uint8Array(CHUNK_BYTES);
  private readonly view = new DataView(this.chunk.buffer);
  private used = 0;
  private closed = false;
  frames = 0;

  constructor(
    readonly path: string,
    readonly linkType: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tmpPath = `${path}.${process.pid}.tmp`;
    this.fd = fs.openSync(this.tmpPath, 'w');
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, SNAPLEN, true);
    v.setUint32(20, linkType, true);
    this.used = 24;
  }

  /** Records the frame msg.head..msg.tail. */
  write(frame: Msg): void {
    this.writeBytes(frame.bytes, frame.head, frame.length);
  }

  writeBytes(bytes: Uint8Array, offset: number, length: number): void {
    if (this.closed) throw new Error(`pcap ${this.path} is closed`);
    const captured = Math.min(length, SNAPLEN);
    if (this.used + RECORD_HEADER_BYTES + captured > CHUNK_BYTES) this.flush();
    const ms = this.clock();
    const v = this.view;
    v.setUint32(this.used, Math.floor(ms / 1000), true);
    v.setUint32(this.used + 4, Math.floor((ms % 1000) * 1000), true);
    v.setUint32(this.used + 8, captured, true);
    v.setUint32(this.used + 12, length, true);
    copyBytes(this.chunk, this.used + RECORD_HEADER_BYTES, bytes, offset, captured);
    this.used += RECORD_HEADER_BYTES + captured;
    this.frames++;
  }

  private flush(): void {
    fs.writeSync(this.fd, this.chunk, 0, this.used);
    this.used = 0;
  }

  /** Writes what is buffered and moves the capture into place. */
  close(): void {
    if (this.closed) return;
    this.flush();
    fs.closeSync(this.fd);
    fs.renameSync(this.tmpPath, this.path);
    this.closed = true;
  }

  /** Abandons the capture: nothing is left behind. */
  discard(): void {
    if (this.closed) return;
    fs.closeSync(this.fd);
    fs.rmSync(this.tmpPath, { force: true });
    this.closed = true;
  }
}

export interface PcapRecord {
  seconds: number;
  micros: number;
  frame: Uint8Array;
  originalLength: number;
}

/** Reads a pcap file written by PcapWriter (little-endian, microseconds). */
export function readPcap(data: Uint8Array): { linkType: number; records: PcapRecord[] } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 24 || v.getUint32(0, true) !== PCAP_MAGIC) throw new Error('not a little-endian pcap file');
  const linkType = v.getUint32(20, true);
  const records: PcapRecord[] = [];
  let at = 24;
  while (at + RECORD_HEADER_BYTES <= data.length) {
    const captured = v.getUint32(at + 8, true);
    if (at + RECORD_HEADER_BYTES + captured > data.length) throw new Error(`pcap record at byte ${at} runs past the end`);
    records.push({
      seconds: v.getUint32(at, true),
      micros: v.getUint32(at + 4, true),
      originalLength: v.getUint32(at + 12, true),
      frame: data.slice(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + captured),
    });
    at += RECORD_HEADER_BYTES + captured;
  }
  return { linkType, records };
}
