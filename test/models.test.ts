// The scaling models' arithmetic against hand-computed values, and Benecke's Table 2 from his own
// Bsel and Bfil.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  amdahlPredict,
  beneckeLimit,
  beneckeSpeedup,
  fitAmdahl,
  fitShiehLai,
  fitUsl,
  shiehLaiThroughput,
  uslPredict,
} from '../results/models.js';

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);

test("Benecke's Table 2 comes out of his Bsel = 9.29420e-6 s and Bfil = 6.96224e-5 s", () => {
  const bsel = 9.2942e-6;
  const bfil = 6.96224e-5;
  const table: [number, number][] = [
    [1, 1],
    [2, 1.7893],
    [3, 2.4281],
    [4, 2.9557],
    [5, 3.3988],
    [6, 3.7763],
  ];
  for (const [n, g] of table) close(beneckeSpeedup(bsel, bfil, n), g, 5e-5, `G(${n})`);
  // Equation 4: "a value of ≈ 8.49 as the maximum speedup for this setup"
  close(beneckeLimit(bsel, bfil), 8.491, 5e-4, 'limit');
  assert.is(beneckeLimit(0, bfil), Infinity);
});

test("Amdahl's law: σ = 0.1 is recovered from S(2) and S(4), and predicts S(16) = 6.4", () => {
  // S(2) = 1 / (0.1 + 0.9/2) = 1.818182; S(4) = 1 / (0.1 + 0.9/4) = 3.076923
  const fit = fitAmdahl([
    { n: 1, speedup: 1 },
    { n: 2, speedup: 1 / 0.55 },
    { n: 4, speedup: 1 / 0.325 },
  ])!;
  close(fit.serial, 0.1, 1e-12, 'σ');
  assert.is(fit.points, 2);
  close(amdahlPredict(fit, 16), 1 / (0.1 + 0.9 / 16), 1e-9, 'S(16)');
  close(amdahlPredict(fit, 16), 6.4, 1e-9, 'S(16) by hand');
  assert.is(fitAmdahl([{ n: 1, speedup: 1 }]), null, 'n = 1 alone says nothing');
  // Superlinear measurements clamp to σ = 0.
  assert.is(fitAmdahl([{ n: 2, speedup: 2.1 }])!.serial, 0);
});

test('USL: α = 0.05, β = 0.01 recovered from S(2), S(3), S(4); one n > 1 leaves β unidentified', () => {
  // S(n) = n / (1 + α(n−1) + βn(n−1)): S(2) = 2/1.07, S(3) = 3/1.16, S(4) = 4/1.27
  const points = [
    { n: 2, speedup: 2 / 1.07 },
    { n: 3, speedup: 3 / 1.16 },
    { n: 4, speedup: 4 / 1.27 },
  ];
  const fit = fitUsl(points)!;
  close(fit.alpha, 0.05, 1e-9, 'α');
  close(fit.beta, 0.01, 1e-9, 'β');
  assert.ok(fit.betaIdentified);
  close(uslPredict(fit, 16), 16 / (1 + 0.75 + 2.4), 1e-9, 'S(16) = 3.855');
  const two = fitUsl([
    { n: 1, speedup: 1 },
    { n: 2, speedup: 2 / 1.07 },
  ])!;
  assert.not.ok(two.betaIdentified);
  assert.is(two.beta, 0);
  close(two.alpha, 0.07, 1e-9, 'α from S(2) alone');
  // A retrograde curve keeps both parameters non-negative.
  const retro = fitUsl([
    { n: 2, speedup: 1.9 },
    { n: 4, speedup: 1.5 },
  ])!;
  assert.ok(retro.alpha >= 0 && retro.beta > 0);
});

test('Shieh & Lai: P and Q(s) recovered from µ(n, s) = n·P·s / (s + n·Q(s)); spread over runs', () => {
  const P = 1e8;
  const Q: Record<number, number> = { 512: 100, 1024: 150 };
  const points = [];
  for (const size of [512, 1024])
    for (const n of [1, 2]) points.push({ n, size, run: 1, bytesPerSecond: shiehLaiThroughput(P, Q[size]!, n, size) });
  // µ(1, 512) = 1e8·512/612 = 83 660 130.7 B/s by hand
  close(points[0]!.bytesPerSecond, 83_660_130.7, 0.1, 'µ(1, 512)');
  const fit = fitShiehLai(points)!;
  close(fit.p.mean, P, 1e-3, 'P');
  assert.is(fit.p.fits, 2);
  assert.equal(
    fit.q.map((q) => q.size),
    [512, 1024],
  );
  close(fit.q[0]!.mean, 100, 1e-6, 'Q(512)');
  close(fit.q[1]!.mean, 150, 1e-6, 'Q(1024)');
  // Two runs with P = 1e8 and 1.1e8 (Q(512) = 100): mean 1.05e8, 90% half-width t(0.95,1)·s/√2 = 6.314·0.5e7
  const two = [1e8, 1.1e8].flatMap((p, r) =>
    [1, 2].map((n) => ({ n, size: 512, run: r + 1, bytesPerSecond: shiehLaiThroughput(p, 100, n, 512) })),
  );
  const spread = fitShiehLai(two)!;
  close(spread.p.mean, 1.05e8, 1e-3, 'mean P');
  close(spread.p.high - spread.p.mean, 6.3138 * 0.5e7, 1e4, 'half-width');
  assert.is(fitShiehLai([{ n: 1, size: 512, run: 1, bytesPerSecond: 1 }]), null);
});

test.run();
