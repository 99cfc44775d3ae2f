// Calibration: the raw throughput of each primitive the run's stacks use (and of a plain checksum
// pass), timed on this machine before and after the stack runs. A stack's throughput divided by
// its primitive's is a ratio that means something across machines and Node versions, which raw
// Mbit/s does not: the regression check tracks ratios and speedups.

import { summarize } from '../results/stats.js';
import type { CalibrationRow } from '../results/rows.js';
import { type CryptoProviderName, cryptoProvider } from '../stacks/crypto/index.js';
import { PRIMITIVES_BY_COST } from '../stacks/registry.js';
import { cryptoPrimitives, dominantPrimitive } from '../stacks/spec.js';
import { type Primitive, checksumPrimitive, cryptoPrimitive } from './primitives.js';

/** Samples per pass; one pass runs before the stack runs and one after. */
const SAMPLES_PER_PASS = 3;
const SAMPLE_MS = 60;

let sink = 0;

/** The primitives a run of `stacks` with `cryptos` is compared against. */
export function calibrationPrimitives(stacks: readonly string[], cryptos: readonly CryptoProviderName[], packetSize: number): Primitive[] {
  const primitives: Primitive[] = [checksumPrimitive(packetSize)];
  for (const crypto of cryptos) {
    for (const name of PRIMITIVES_BY_COST) {
      if (!cryptoProvider(crypto).supports(name)) continue; // (the options refuse such a run before any work)
      if (stacks.some((s) => cryptoPrimitives(s).includes(name))) primitives.push(cryptoPrimitive(name, crypto, packetSize));
    }
  }
  return primitives;
}

/** Mbit/s of one primitive over about SAMPLE_MS (batches sized so the clock is read rarely). */
export function sampleMbps(primitive: Primitive, packetSize: number, sampleMs = SAMPLE_MS): number {
  let t = performance.now();
  sink = (sink + primitive.run()) | 0;
  const once = Math.max(performance.now() - t, 1e-4);
  const batch = Math.max(1, Math.floor(1 / once)); // about a millisecond per clock reading
  let calls = 0;
  t = performance.now();
  let elapsed = 0;
  while (elapsed < sampleMs) {
    for (let i = 0; i < batch; i++) sink = (sink + primitive.run()) | 0;
    calls += batch;
    elapsed = performance.now() - t;
  }
  return (calls * packetSize * 8) / (elapsed / 1000) / 1e6;
}

/** Times every primitive SAMPLES_PER_PASS times; adds the samples to `samples` (by key). */
export function calibrationPass(
  primitives: readonly Primitive[],
  packetSize: number,
  samples: Map<string, number[]>,
  sampleMs = SAMPLE_MS,
): void {
  for (const p of primitives) {
    sampleMbps(p, packetSize, sampleMs); // warm-up
    const key = calibrationKey(p.name, p.crypto);
    const list = samples.get(key) ?? [];
    for (let i = 0; i < SAMPLES_PER_PASS; i++) list.push(sampleMbps(p, packetSize, sampleMs));
    samples.set(key, list);
  }
  keepSink();
}

/** Reads the sink: the primitives' work stays observable, so the JIT cannot drop it. */
export function keepSink(): void {
  if (sink === 0x7fffffff) process.stderr.write('');
}

/**
 * The primitives a configuration's ratios divide by (the checksum and its stack's dominant
 * primitive), timed just before the configuration runs: the machine's mood of that moment, not
 * of minutes earlier. Answers their rows.
 */
export function calibrateConfiguration(
  primitives: readonly Primitive[],
  stack: string,
  crypto: string,
  packetSize: number,
): CalibrationRow[] {
  const dominant = dominantPrimitive(stack);
  const mine = primitives.filter((p) => p.name === 'checksum' || (p.name === dominant && p.crypto === crypto));
  const samples = new Map<string, number[]>();
  calibrationPass(mine, packetSize, samples, CONFIGURATION_SAMPLE_MS);
  return calibrationRows(mine, samples);
}

const CONFIGURATION_SAMPLE_MS = 40;

export function calibrationKey(name: string, crypto: string | null): string {
  return crypto === null ? name : `${name} [${crypto}]`;
}

export function calibrationRows(primitives: readonly Primitive[], samples: Map<string, number[]>): CalibrationRow[] {
  return primitives.map((p) => {
    const s = summarize(samples.get(calibrationKey(p.name, p.crypto)) ?? []);
    return {
      primitive: p.name,
      crypto: p.crypto,
      meanMbps: s.mean,
      ci90Low: Number.isFinite(s.low) ? s.low : null,
      ci90High: Number.isFinite(s.high) ? s.high : null,
      samples: s.n,
    };
  });
}
