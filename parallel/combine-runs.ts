// The workers' results of a parallel configuration turned into one figure set per run: packets,
// bytes, drops and lock use added up over the workers, per-connection Mbit/s, memory, conservation.

import { combineTransmissions } from '../drivers/transmission.js';
import { type LatencyRun, mergeLatencyRuns } from '../drivers/latency-sampler.js';
import { jainFairness } from '../results/speedup.js';
import { type SharedAccount, sharedAccountProblem } from '../drivers/workload-contract.js';
import type { MemoryBetween } from './memory-trace.js';
import type { LockStats } from './mutex.js';
import { runCpu } from './thread-cpu.js';
import { round } from '../results/rows.js';
import type { ParallelRun } from './parallel-run.js';
import type { WorkerResult } from './worker.js';

export interface CombineOptions {
  connections: number;
  /** Connection numbers each worker owned. */
  owned: number[][];
  plp: boolean;
  gateway: boolean;
  /** Memory traces by run number (1-based). */
  traces: ReadonlyMap<number, { points: MemoryBetween['trace'] }>;
  /** The steady window of run i (0-based) in seconds. */
  secondsOf: (i: number) => number;
}

/** The workers' latency samples as one (null when none timed any). */
function latencyOf(runs: readonly (LatencyRun | null)[]): LatencyRun | null {
  const timed = runs.filter((r): r is LatencyRun => r !== null);
  return timed.length === 0 ? null : mergeLatencyRuns(timed);
}

/** One ParallelRun for each run every worker finished. */
export function combineRuns(results: readonly WorkerResult[], o: CombineOptions): ParallelRun[] {
  const finished = Math.min(...results.map((r) => r.runs.length));
  const runs: ParallelRun[] = [];
  for (let i = 0; i < finished; i++) {
    const seconds = o.secondsOf(i);
    const perConnection = new Array<number>(o.connections).fill(0);
    const lock: LockStats | null = o.plp ? { acquisitions: 0, contended: 0, waitNs: 0, holdNs: 0 } : null;
    const drops: Record<string, number> = {};
    let packets = 0;
    let bytes = 0;
    let dataErrors = 0;
    let digestMismatchesIgnored = 0;
    let observed = 0;
    // PLP workers share one control block, so each saw the same count: take the leader's.
    let outOfOrder = o.plp ? results[0]!.runs[i]!.outOfOrder : 0;
    const transmission = combineTransmissions(
      results.map((r) => r.runs[i]!.transmission),
      o.plp,
    );
    const trace = o.traces.get(i + 1)?.points;
    const memory: MemoryBetween = { heapStart: 0, heapEnd: 0, rssStart: 0, rssEnd: 0, ...(trace?.length ? { trace } : {}) };
    let conservation: string | null = null;
    const accounts: SharedAccount[] = [];
    results.forEach((r, w) => {
      const one = r.runs[i]!;
      packets += one.packets;
      bytes += one.bytes;
      dataErrors += one.dataErrors;
      digestMismatchesIgnored += one.digestMismatchesIgnored;
      observed = (observed + one.observed) | 0;
      if (!o.plp) outOfOrder += one.outOfOrder;
      conservation ??= one.conservation;
      if (one.account !== null) accounts.push(one.account);
      memory.heapStart += one.memory.heapStart;
      memory.heapEnd += one.memory.heapEnd;
      memory.rssStart = Math.max(memory.rssStart, one.memory.rssStart);
      memory.rssEnd = Math.max(memory.rssEnd, one.memory.rssEnd);
      one.perConnection.forEach((b, j) => (perConnection[o.owned[w]![j]!]! += (b * 8) / seconds / 1e6));
      if (lock !== null && one.lock !== null) {
        lock.acquisitions += one.lock.acquisitions;
        lock.contended += one.lock.contended;
        lock.waitNs += one.lock.waitNs;
        lock.holdNs += one.lock.holdNs;
      }
      for (const [name, n] of Object.entries(one.drops)) drops[name] = (drops[name] ?? 0) + n;
    });
    conservation ??= sharedAccountProblem(accounts);
    const gatewayRuns = o.gateway ? results.map((r) => r.runs[i]!.gateway!) : null;
    const cpu = runCpu(
      results.map((r) => r.runs[i]!.cpu),
      seconds,
      packets,
      round,
    );
    runs.push({
      run: i + 1,
      seconds,
      packets,
      bytes,
      cpu,
      perConnectionMbps: perConnection,
      fairness: jainFairness(perConnection),
      drops,
      dataErrors,
      digestMismatchesIgnored,
      outOfOrder,
      transmission,
      observed,
      lock,
      memory,
      conservation,
      latency: latencyOf(results.map((r) => r.runs[i]!.latency)),
      gateway: gatewayRuns,
      crash: results[0]!.runs[i]!.crash,
    });
  }
  return runs;
}
