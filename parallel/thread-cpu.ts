// The calling thread's own CPU time, for CPU accounting that explains a speedup: from Linux's
// scheduler statistics (/proc/thread-self/schedstat: ns on the CPU, ns waiting on a run queue,
// time slices), or from process.threadCpuUsage() where Node has it (on-CPU only), or nothing.
// Read a few times a second (each slice's start and end), never per packet: the file stays open
// and is read into one buffer, so a reading allocates nothing.

import * as fs from 'node:fs';

export type CpuSource = 'schedstat' | 'threadCpuUsage' | 'none';

/** What a reading answers: ns on the CPU and ns runnable but waiting for one (NaN when unknown). */
export interface CpuReading {
  onCpuNs: number;
  runQueueNs: number;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';

// Node 23.9+ (not in Node 20's types): this thread's user and system µs.
type ThreadCpuUsage = () => { user: number; system: number };

export class ThreadCpu {
  readonly source: CpuSource;
  private fd: number;
  private readonly bytes = Buffer.alloc(96);
  private readonly usage: ThreadCpuUsage | null;

  /** Opens the calling thread's statistics: construct it on the thread it is to measure. */
  constructor() {
    this.fd = openSchedstat();
    this.usage = this.fd < 0 ? ((process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage ?? null) : null;
    this.source = this.fd >= 0 ? 'schedstat' : this.usage !== null ? 'threadCpuUsage' : 'none';
  }

  /** Reads into `into`; NaN fields when the source does not know them. */
  read(into: CpuReading): CpuReading {
    if (this.fd >= 0) {
      const n = fs.readSync(this.fd, this.bytes, 0, this.bytes.length, 0);
      let at = 0;
      [into.onCpuNs, at] = decimalAt(this.bytes, at, n);
      [into.runQueueNs] = decimalAt(this.bytes, at, n);
    } else if (this.usage !== null) {
      const u = this.usage.call(process);
      into.onCpuNs = (u.user + u.system) * 1000;
      into.runQueueNs = Number.NaN;
    } else {
      into.onCpuNs = Number.NaN;
      into.runQueueNs = Number.NaN;
    }
    return into;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** The statistics file of the calling thread, opened, or -1 where there is none (not Linux, no schedstats). */
function openSchedstat(): number {
  try {
    return fs.openSync(SCHEDSTAT, 'r');
  } catch {
    return -1;
  }
}

/** The decimal number at or after `at` in bytes[0, end), and where it ended; NaN when there is none. */
export function decimalAt(bytes: Uint8Array, at: number, end: number): [number, number] {
  while (at < end && (bytes[at]! < 48 || bytes[at]! > 57)) at++;
  if (at >= end) return [Number.NaN, at];
  let value = 0;
  while (at < end && bytes[at]! >= 48 && bytes[at]! <= 57) value = value * 10 + (bytes[at++]! - 48);
  return [value, at];
}

/** Where this process's threads get their CPU figures from (for meta; read on the main thread). */
export function cpuSource(): CpuSource {
  const probe = new ThreadCpu();
  probe.close();
  return probe.source;
}

/** One thread's CPU over one run: its steady window (the slices) and its warm-up. */
export interface ThreadCpuFigures {
  /** ns on the CPU and ns waiting on a run queue over the window (NaN when unknown). */
  onCpuNs: number;
  runQueueNs: number;
  /** Packets over the window. */
  packets: number;
  /** CPU µs per packet: the warm-up's first packets (cold), the window's first slice and its last. */
  coldUs: number;
  startUs: number;
  endUs: number;
  /** What the warm-up took on this thread: ms on the CPU and packets. */
  warmupCpuMs: number;
  warmupPackets: number;
}

/** The warm-up's first packets, whose cost is the cold cost (before any JIT). */
const COLD_PACKETS = 16;
/** The least packets a warm-up gives each thread, whatever the CPU time. */
const MIN_WARMUP_PACKETS = 64;

/**
 * Accounts one thread's CPU over a run: the warm-up (until it has had its share of the CPU) and
 * each slice of the window. Allocates nothing after construction.
 */
export class CpuAccount {
  private readonly a: CpuReading = { onCpuNs: 0, runQueueNs: 0 };
  private readonly b: CpuReading = { onCpuNs: 0, runQueueNs: 0 };
  private warmStartNs = 0;
  private warmStartMs = 0;
  private slices = 0;
  readonly figures: ThreadCpuFigures = {
    onCpuNs: 0,
    runQueueNs: 0,
    packets: 0,
    coldUs: Number.NaN,
    startUs: Number.NaN,
    endUs: Number.NaN,
    warmupCpuMs: 0,
    warmupPackets: 0,
  };

  constructor(private readonly cpu: ThreadCpu) {}

  /** A new run: its warm-up starts. */
  startWarmup(): void {
    const f = this.figures;
    f.onCpuNs = 0;
    f.runQueueNs = 0;
    f.packets = 0;
    f.coldUs = Number.NaN;
    f.startUs = Number.NaN;
    f.endUs = Number.NaN;
    this.slices = 0;
    this.warmStartNs = this.cpu.read(this.a).onCpuNs;
    this.warmStartMs = performance.now();
  }

  /**
   * After some warm-up work, `packets` in all so far: whether this thread has had `minCpuMs` on the
   * CPU (its own elapsed time where the CPU time is unknown) and at least MIN_WARMUP_PACKETS.
   */
  warmedUp(packets: number, minCpuMs: number): boolean {
    const f = this.figures;
    const spent = this.cpu.read(this.b).onCpuNs - this.warmStartNs;
    const ms = Number.isNaN(spent) ? performance.now() - this.warmStartMs : spent / 1e6;
    if (Number.isNaN(f.coldUs) && packets >= COLD_PACKETS) f.coldUs = (ms * 1000) / packets;
    f.warmupCpuMs = ms;
    f.warmupPackets = packets;
    return ms >= minCpuMs && packets >= MIN_WARMUP_PACKETS;
  }

  /** Before a slice (or a whole window). */
  startSlice(): void {
    this.cpu.read(this.a);
  }

  /** After it, with its packets. */
  endSlice(packets: number): void {
    const b = this.cpu.read(this.b);
    const f = this.figures;
    const onCpu = b.onCpuNs - this.a.onCpuNs;
    f.onCpuNs += onCpu;
    f.runQueueNs += b.runQueueNs - this.a.runQueueNs;
    f.packets += packets;
    const us = packets > 0 ? onCpu / 1000 / packets : Number.NaN;
    if (this.slices++ === 0) f.startUs = us;
    f.endUs = us;
  }

  close(): void {
    this.cpu.close();
  }
}

/** A run's CPU figures over its threads (results.json `runs[].cpu`). */
export interface RunCpu {
  source: CpuSource;
  /** Σ over threads of on-CPU time ÷ the window: how many threads were busy on average. */
  busyThreads: number | null;
  /** On-CPU µs per packet over all threads (netperf's service demand). */
  usPerPacket: number | null;
  /** Σ run-queue wait ÷ (threads × window): the share of the window a thread waited for a CPU. */
  runQueueShare: number | null;
  /** Per thread: on-CPU ÷ window, and CPU µs per packet cold (the warm-up's first packets), in the window's first slice and in its last. */
  utilisation: (number | null)[];
  coldUs: (number | null)[];
  startUs: (number | null)[];
  endUs: (number | null)[];
  /** Per thread: the warm-up's CPU ms. */
  warmupCpuMs: (number | null)[];
}

/** A run's CPU figures from its threads' over a window of `seconds` in which they processed `packets`. */
export function runCpu(
  threads: readonly ThreadCpuFigures[],
  seconds: number,
  packets: number,
  round: (x: number) => number = (x) => x,
): RunCpu {
  const known = (x: number): number | null => (Number.isFinite(x) ? round(x) : null);
  const onCpu = threads.reduce((s, t) => s + t.onCpuNs, 0);
  const runQueue = threads.reduce((s, t) => s + t.runQueueNs, 0);
  const windowNs = seconds * 1e9;
  const source: CpuSource = Number.isNaN(onCpu) ? 'none' : Number.isNaN(runQueue) ? 'threadCpuUsage' : 'schedstat';
  return {
    source,
    busyThreads: known(onCpu / windowNs),
    usPerPacket: known(onCpu / 1000 / packets),
    runQueueShare: known(runQueue / (threads.length * windowNs)),
    utilisation: threads.map((t) => known(t.onCpuNs / windowNs)),
    coldUs: threads.map((t) => known(t.coldUs)),
    startUs: threads.map((t) => known(t.startUs)),
    endUs: threads.map((t) => known(t.endUs)),
    warmupCpuMs: threads.map((t) => known(t.warmupCpuMs)),
  };
}
