// How figures are rounded for the files and tables people read.

/** Rounds to 4 significant decimals for files people read; keeps small values meaningful. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits + 1, 9)));
}
