// Scaling models of the papers and of the literature, fitted to measured speedups. What a model
// predicts is always labelled as predicted: the report never mixes it with measured figures.
//
// - Benecke's parallel packet screen (seeds/000 §5.2): every processor selects every packet (Bsel)
//   and filters one in n (Bfil): G(n) = (Bsel + Bfil) / (Bsel + Bfil / n), at most (Bsel + Bfil) / Bsel.
// - Amdahl's law: S(n) = 1 / (σ + (1 − σ) / n).
// - Gunther's Universal Scalability Law: S(n) = n / (1 + α(n − 1) + βn(n − 1)).
// - Shieh & Lai's clustered IPsec gateway (seeds/004 §2.3): µ(n, s) = n·P·s / (R(s) + n·Q(s)).

import { summarize } from './stats.js';

/** Benecke's G(n) from the selection and filter times per packet (any one unit, e.g. seconds). */
export function beneckeSpeedup(bsel: number, bfil: number, n: number): number {
  return (bsel + bfil) / (bsel + bfil / n);
}

/** The limit of G(n) as n grows: the selection every processor does on every packet bounds it. */
export function beneckeLimit(bsel: number, bfil: number): number {
  return bsel > 0 ? (bsel + bfil) / bsel : Infinity;
}

/** A measured speedup at n processors. */
export interface SpeedupPoint {
  n: number;
  speedup: number;
}

export interface AmdahlFit {
  /** The serial fraction σ, in [0, 1]. */
  serial: number;
  /** Points the fit used (n > 1). */
  points: number;
}

/**
 * Least squares on the linear form of Amdahl's law: 1/S − 1/n = σ(1 − 1/n). Points at n = 1 carry
 * no information (S(1) = 1 whatever σ). Null without a point at n > 1.
 */
export function fitAmdahl(points: readonly SpeedupPoint[]): AmdahlFit | null {
  let xy = 0;
  let xx = 0;
  let used = 0;
  for (const { n, speedup } of points) {
    if (n <= 1 || !(speedup > 0)) continue;
    const x = 1 - 1 / n;
    xy += x * (1 / speedup - 1 / n);
    xx += x * x;
    used++;
  }
  if (used === 0) return null;
  return { serial: Math.min(1, Math.max(0, xy / xx)), points: used };
}

export function amdahlPredict(fit: AmdahlFit, n: number): number {
  return 1 / (fit.serial + (1 - fit.serial) / n);
}

export interface UslFit {
  /** Contention (the serial part), ≥ 0. */
  alpha: number;
  /** Coherency (crosstalk between processors), ≥ 0. */
  beta: number;
  /** False when the points cannot tell β from α (fewer than two distinct n > 1): β is then 0. */
  betaIdentified: boolean;
  points: number;
}

/**
 * Least squares on the linear form n/S − 1 = α(n − 1) + β·n(n − 1), both parameters kept ≥ 0.
 * With the speedup measured at one n > 1 only, β is not identifiable and is set to 0 (the USL is
 * then Amdahl's law with σ = α).
 */
export function fitUsl(points: readonly SpeedupPoint[]): UslFit | null {
  const rows = points.filter((p) => p.n > 1 && p.speedup > 0).map((p) => ({ a: p.n - 1, b: p.n * (p.n - 1), y: p.n / p.speedup - 1 }));
  if (rows.length === 0) return null;
  const distinct = new Set(rows.map((r) => r.a)).size;
  const alphaOnly = (): number => Math.max(0, rows.reduce((s, r) => s + r.a * r.y, 0) / rows.reduce((s, r) => s + r.a * r.a, 0));
  if (distinct < 2) return { alpha: alphaOnly(), beta: 0, betaIdentified: false, points: rows.length };
  let saa = 0;
  let sab = 0;
  let sbb = 0;
  let say = 0;
  let sby = 0;
  for (const r of rows) {
    saa += r.a * r.a;
    sab += r.a * r.b;
    sbb += r.b * r.b;
    say += r.a * r.y;
    sby += r.b * r.y;
  }
  const det = saa * sbb - sab * sab;
  let alpha = (say * sbb - sby * sab) / det;
  let beta = (saa * sby - sab * say) / det;
  if (beta < 0) {
    beta = 0;
    alpha = alphaOnly();
  } else if (alpha < 0) {
    alpha = 0;
    beta = Math.max(0, sby / sbb);
  }
  return { alpha, beta, betaIdentified: true, points: rows.length };
}

export function uslPredict(fit: UslFit, n: number): number {
  return n / (1 + fit.alpha * (n - 1) + fit.beta * n * (n - 1));
}

/** The processor counts the reports predict for. */
export const PREDICT_AT = [4, 8, 12, 16] as const;

/** A gateway's throughput in bytes per second with n nodes and s-byte packets, in one run. */
export interface GatewayPoint {
  n: number;
  size: number;
  bytesPerSecond: number;
  run: number;
}

export interface ShiehLaiFit {
  /**
   * Units of work a node does per second. The model's scale is free (only R/P and Q/P are seen), so
   * the unit is fixed as the work of one byte: R(s) = s. P is then the bytes per second one node
   * would process with no per-packet overhead; its spread is over every size and run fitted.
   */
  p: { mean: number; low: number; high: number; fits: number };
  /** Q(s): the per-packet overhead every node pays for every packet, in those units (bytes of work). */
  q: { size: number; mean: number; low: number; high: number; fits: number }[];
}

/**
 * Fits µ(n, s) = n·P·s / (R(s) + n·Q(s)) with R(s) = s: 1/µ = (1/P)(1/n) + Q(s)/(P·s), a line in
 * 1/n for each size, fitted per run (runs matched by number across n). Spreads are 90% intervals
 * (Student t) over those per-run fits. Null when no size has two distinct n.
 */
export function fitShiehLai(points: readonly GatewayPoint[]): ShiehLaiFit | null {
  const bySizeRun = new Map<string, GatewayPoint[]>();
  for (const p of points) {
    const key = `${p.size}|${p.run}`;
    const list = bySizeRun.get(key);
    if (list) list.push(p);
    else bySizeRun.set(key, [p]);
  }
  const ps: number[] = [];
  const qs = new Map<number, number[]>();
  for (const list of bySizeRun.values()) {
    if (new Set(list.map((p) => p.n)).size < 2) continue;
    const xs = list.map((p) => 1 / p.n);
    const ys = list.map((p) => 1 / p.bytesPerSecond);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < xs.length; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    const slope = sxy / sxx; // 1/P
    const intercept = my - slope * mx; // Q(s) / (P·s)
    const size = list[0]!.size;
    ps.push(1 / slope);
    const q = qs.get(size) ?? [];
    q.push((intercept * size) / slope);
    qs.set(size, q);
  }
  if (ps.length === 0) return null;
  const spread = (values: number[]) => {
    const s = summarize(values);
    return {
      mean: s.mean,
      low: Number.isFinite(s.low) ? s.low : s.mean,
      high: Number.isFinite(s.high) ? s.high : s.mean,
      fits: values.length,
    };
  };
  return {
    p: spread(ps),
    q: [...qs.entries()].sort((a, b) => a[0] - b[0]).map(([size, values]) => ({ size, ...spread(values) })),
  };
}

/** Shieh & Lai's µ(n, s) in bytes per second from a fit (R(s) = s). */
export function shiehLaiThroughput(p: number, q: number, n: number, size: number): number {
  return (n * p * size) / (size + n * q);
}
