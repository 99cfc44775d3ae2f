// One run of a single-thread configuration, measured in slices on the main thread in alternation
// with the parallel configurations and primitives of its group: warm() builds the run's drivers and
// warms them up, slice() drives them for a few tens of milliseconds, endRun() turns the slices
// into the run's figures (drops, conservation, memory) as a whole run has them.

import { connectionSeed, countsSince } from '../drivers/run-counts.js';
import { performance } from 'node:perf_hooks';
import { createWorkload } from '../drivers/workload.js';
import { LatencySampler, OPEN_LOOP_SAMPLE_EVERY, SAMPLE_EVERY } from '../drivers/latency-sampler.js';
import { ConnectionTurns } from '../parallel/connection-turns.js';
import { OPEN_LOOP_WARMUP_MS, OpenLoop } from '../parallel/open-loop.js';
import { type Workload, type WorkloadCounters, firstBroken } from '../drivers/workload-contract.js';
import { MemoryTrace, memoryBetween } from '../parallel/memory-trace.js';
import { batchFor } from '../parallel/shared-run.js';
import { CpuAccount, ThreadCpu, runCpu } from '../parallel/thread-cpu.js';
import { round } from '../results/rows.js';
import type { SliceFigures } from '../parallel/sliced-session.js';
import type { Msg } from '../stacks/message.js';
import type { BenchConfig } from './config.js';
import type { Measurement } from './measurement.js';
import { type Configuration, faultsFor } from './plan.js';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SingleSession {
  private workloads: Workload[] = [];
  private before: WorkloadCounters[] = [];
  private memoryStart: NodeJS.MemoryUsage = process.memoryUsage();
  private trace = new MemoryTrace(0);
  private usPerPacket = 10;
  private current = { seconds: 0, packets: 0, bytes: 0 };
  private ended: Measurement | null = null;
  private readonly account = new CpuAccount(new ThreadCpu());
  private sampler: LatencySampler | null = null;
  /** An open loop (--load): the schedule the steady window's packets are offered on; null: closed loop. */
  private openLoop: { loop: OpenLoop; turns: ConnectionTurns } | null = null;

  constructor(
    private readonly c: Configuration,
    private readonly config: BenchConfig,
    /** Run k uses seed + k - 1. */
    private readonly run: number,
    private readonly stopRequested: () => boolean,
    /** Sees the frames of the warm-up (pcap). */
    private readonly tap: ((frame: Msg) => void) | null = null,
  ) {}

  /** Builds the run's drivers and warms them up; false when stopped. */
  async warm(): Promise<boolean> {
    const seed = (this.config.seed + this.run - 1) >>> 0;
    const open = this.c.offeredPps !== undefined;
    const sampler = (this.sampler = new LatencySampler(seed, open ? OPEN_LOOP_SAMPLE_EVERY : SAMPLE_EVERY));
    this.workloads = Array.from({ length: this.c.connections }, (_, k) =>
      createWorkload({
        spec: this.c.stack,
        side: this.c.side,
        packetSize: this.config.packetSize,
        crypto: this.c.crypto,
        seed: connectionSeed(seed, k),
        verify: this.config.verify,
        connection: k,
        faults: faultsFor(this.c, this.config, connectionSeed(seed, k)),
        minRtoMs: this.config.minRtoMs,
        latency: sampler,
      }),
    );
    const tap = this.tap;
    if (tap !== null) for (const w of this.workloads) w.setTap(tap);
    // Warm-up by work (at least --warmup, and until this thread has had --warmup-cpu), in pieces of
    // about 50 ms, so that signals and the progress line get through.
    const end = performance.now() + this.config.warmupSeconds * 1000;
    this.account.startWarmup();
    let packets = 0;
    for (;;) {
      const piece = this.drive(Math.max(1, Math.min(50, end - performance.now())));
      packets += piece.packets;
      if (piece.packets > 0) this.usPerPacket = (piece.seconds * 1e6) / piece.packets;
      const warmed = this.account.warmedUp(packets, this.config.warmupCpuSeconds * 1000);
      await yieldToEventLoop();
      if (this.stopRequested()) return false;
      if (warmed && performance.now() >= end) break;
    }
    if (tap !== null) for (const w of this.workloads) w.setTap(null);
    if (open) {
      // The open loop's own warm-up (parallel/open-loop.ts), through the calls the window makes;
      // then the schedule the window is measured on.
      const turns = new ConnectionTurns(this.workloads);
      this.openLoop = { loop: new OpenLoop(this.c.offeredPps!, sampler, turns.stampsPerPacket), turns };
      this.drive(OPEN_LOOP_WARMUP_MS);
      this.openLoop = { loop: new OpenLoop(this.c.offeredPps!, sampler, turns.stampsPerPacket), turns };
    }
    this.before = this.workloads.map((w) => w.counters());
    this.memoryStart = process.memoryUsage();
    this.trace = new MemoryTrace(this.config.durationSeconds);
    this.current = { seconds: 0, packets: 0, bytes: 0 };
    sampler.reset();
    return true;
  }

  async slice(ms: number): Promise<SliceFigures | null> {
    this.account.startSlice();
    const figures = this.drive(ms);
    this.account.endSlice(figures.packets);
    this.current.seconds += figures.seconds;
    this.current.packets += figures.packets;
    this.current.bytes += figures.bytes;
    if (this.trace.due(this.current.seconds)) {
      const now = process.memoryUsage();
      this.trace.add(this.current.seconds, now.heapUsed, now.rss);
    }
    return figures;
  }

  /** The run's figures from its slices. */
  async endRun(): Promise<boolean> {
    const memoryEnd = process.memoryUsage();
    const w = this.workloads;
    this.ended = {
      ...this.current,
      ...countsSince(this.workloads, this.before),
      observed: w.reduce((sum, x) => (sum + x.observed) | 0, 0),
      fairness: null,
      perConnectionMbps: null,
      lock: null,
      conservation: firstBroken(
        w,
        w.map((_, k) => k),
      ),
      memory: memoryBetween(this.memoryStart, memoryEnd, this.trace),
      gateway: null,
      cpu: runCpu([this.account.figures], this.current.seconds, this.current.packets, round),
      latency: this.sampler?.run() ?? null,
    };
    return true;
  }

  /** The run's figures, once it ended. */
  async close(): Promise<Measurement[]> {
    this.account.close();
    return this.ended === null ? [] : [this.ended];
  }

  /** Nothing runs between slices on this thread. */
  stop(): void {}

  /** Drives the connections in turn for `ms`, reading the clock about every 200 µs (or, an open loop, on its schedule). */
  private drive(ms: number): SliceFigures {
    if (this.openLoop !== null) {
      const { loop, turns } = this.openLoop;
      const start = performance.now();
      const end = start + ms;
      const done = loop.run(
        (packets) => turns.offer(packets, null),
        () => performance.now() >= end,
      );
      return { seconds: (performance.now() - start) / 1000, ...done };
    }
    const batch = batchFor(this.usPerPacket);
    const start = performance.now();
    const end = start + ms;
    let packets = 0;
    let bytes = 0;
    let now = start;
    let k = 0;
    while (now < end) {
      bytes += this.workloads[k]!.run(batch);
      packets += batch;
      k = k + 1 === this.workloads.length ? 0 : k + 1;
      now = performance.now();
    }
    if (packets > 0) this.usPerPacket = ((now - start) * 1000) / packets;
    return { seconds: (now - start) / 1000, packets, bytes };
  }
}
