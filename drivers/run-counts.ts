// What a run's connections counted, as one difference: the single-thread runner and every worker
// take a run's drops, data errors, ignored digests, out-of-order arrivals and transmission figures
// the same way (after the warm-up, summed over the connections), and seed the connections alike.

import { type Transmission, combineTransmissions, transmissionSince } from './transmission.js';
import type { Workload, WorkloadCounters } from './workload-contract.js';

/** A run's counts besides packets and bytes. */
export interface RunCounts {
  drops: Record<string, number>;
  dataErrors: number;
  digestMismatchesIgnored: number;
  outOfOrder: number;
  transmission: Transmission;
}

/** Connection k's seed in a run seeded `runSeed`: far apart for neighbouring k (the golden ratio's step). */
export function connectionSeed(runSeed: number, k: number): number {
  return (runSeed + k * 0x9e3779b9) >>> 0;
}

/** What the workloads counted since `before` (their counters at the window's start), summed over them. */
export function countsSince(workloads: readonly Workload[], before: readonly WorkloadCounters[]): RunCounts {
  const drops: Record<string, number> = {};
  let dataErrors = 0;
  let digestMismatchesIgnored = 0;
  let outOfOrder = 0;
  const transmissions: Transmission[] = [];
  workloads.forEach((w, k) => {
    const c = w.counters();
    const b = before[k]!;
    outOfOrder += c.outOfOrder - b.outOfOrder;
    transmissions.push(transmissionSince(c.transmission, b.transmission));
    for (const [name, n] of Object.entries(c.drops)) drops[name] = (drops[name] ?? 0) + n - (b.drops[name] ?? 0);
    dataErrors += c.dataErrors - b.dataErrors;
    digestMismatchesIgnored += c.digestMismatchesIgnored - b.digestMismatchesIgnored;
  });
  for (const name of Object.keys(drops)) if (drops[name] === 0) delete drops[name];
  return { drops, dataErrors, digestMismatchesIgnored, outOfOrder, transmission: combineTransmissions(transmissions) };
}
