// Which ratios a group of slices gives, worked by hand: speedup, PLP ÷ CLP, lock scope, ÷ checksum,
// ÷ primitive, ÷ primitives one after the other, and one stack's speedup ÷ another's; and how they
// land in the summary rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPairedRatios, pairedRatios, type SliceGroup } from '../results/paired-ratios.js';
import { type ConfigFields, type SummaryRow, configKey } from '../results/rows.js';
import { cryptoPrimitives } from '../stacks/spec.js';

const fields = (stack: string, mode: string, workers: number, extra: Partial<ConfigFields> = {}): ConfigFields => ({
  stack,
  side: 'send',
  mode,
  workers,
  connections: mode === 'clp' ? 12 : 1,
  packetSize: 4096,
  crypto: 'cryptojs',
  ...(mode === 'plp' ? { tcpLockScope: 'state' } : {}),
  ...extra,
});

/** A group whose members run at fixed multiples of a drifting machine speed, two runs of three rounds. */
function group(stack: string, members: [ConfigFields, number][], primitives: [string, number][]): SliceGroup {
  const speed = [1, 0.8, 1.2, 0.9, 1.1, 1];
  const series = [
    ...members.map(([config, rate]) => ({ key: configKey(config), config, mbps: speed.map((s) => rate * s) })),
    ...primitives.map(([key, rate]) => ({ key, mbps: speed.map((s) => rate * s) })),
  ];
  return { stack, side: 'send', crypto: 'cryptojs', sliceMs: 50, rounds: 6, runOfRound: [1, 1, 1, 2, 2, 2], series };
}

test('a stack with a cipher and a digest: every ratio, exact when the drift cancels', () => {
  const stack = '3des/tcp/md5/ip/fddi';
  assert.equal(cryptoPrimitives(stack), ['3des', 'md5']);
  const g = group(
    stack,
    [
      [fields(stack, 'plp', 1), 10],
      [fields(stack, 'plp', 2), 19],
      [fields(stack, 'plp', 2, { tcpLockScope: 'segment' }), 17.1],
      [fields(stack, 'clp', 1), 9],
      [fields(stack, 'clp', 2), 18],
      [fields(stack, 'single', 1), 12.5],
    ],
    [
      ['checksum', 1000],
      ['3des [cryptojs]', 12],
      ['md5 [cryptojs]', 60],
    ],
  );
  const ratios = pairedRatios([g], 5);
  const find = (kind: string, label: RegExp) => ratios.find((r) => r.kind === kind && label.test(r.label));
  const close = (x: number | undefined, y: number) => assert.ok(x !== undefined && Math.abs(x - y) < 1e-3, `${x} against ${y}`);
  close(find('speedup', /plp ×2 ÷ ×1/)?.ratio, 1.9);
  close(find('speedup', /clp ×2 12 conns ÷ ×1/)?.ratio, 2);
  close(find('plp-clp', /plp ×2 ÷ .* clp ×2/)?.ratio, 19 / 18);
  close(find('plp-single', /plp ×1 ÷ .*single/)?.ratio, 10 / 12.5);
  assert.not.ok(find('plp-single', /plp ×2/), 'only at one worker');
  close(find('lock-scope', /plp\/segment ×2 ÷ state lock/)?.ratio, 0.9);
  close(find('checksum', /plp ×1 ÷ checksum pass/)?.ratio, 0.01);
  close(find('primitive', /plp ×1 ÷ 3des alone/)?.ratio, 10 / 12);
  // 3DES then MD5 on each packet: 1 ÷ (1/12 + 1/60) = 10 Mbit/s, so the stack at 10 reaches 100%.
  close(find('primitives', /plp ×1 ÷ 3des \+ md5 alone/)?.ratio, 1);
  const speedup = find('speedup', /plp ×2 ÷ ×1/)!;
  assert.equal(
    [speedup.pairs, speedup.method, speedup.halfWidthPercent, speedup.metTarget],
    [6, "paired t on the runs' mean log ratios", 0, true],
  );
  assert.ok(
    ratios.every((r) => r.halfWidthPercent !== null && r.halfWidthPercent < 1e-9 && r.metTarget),
    'the drift cancels in every pair: no width, every target met',
  );
});

test("one stack's speedup ÷ another's; the summary takes the paired figures, its pairs and method", () => {
  const udp = group(
    'udp/ip/fddi',
    [
      [fields('udp/ip/fddi', 'plp', 1), 50],
      [fields('udp/ip/fddi', 'plp', 2), 95],
    ],
    [['checksum', 1000]],
  );
  const tcp = group(
    'tcp/ip/fddi',
    [
      [fields('tcp/ip/fddi', 'plp', 1), 30],
      [fields('tcp/ip/fddi', 'plp', 2), 45],
    ],
    [['checksum', 1000]],
  );
  const ratios = pairedRatios([udp, tcp]);
  const vs = ratios.find((r) => r.kind === 'speedup-vs-stack')!;
  assert.is(vs.label, 'speedup of tcp/ip/fddi send plp ×2 ÷ of udp/ip/fddi');
  assert.ok(Math.abs(vs.ratio - 1.5 / 1.9) < 1e-3);
  assert.is(vs.metTarget, undefined, 'no target, no verdict');
  const row = { ...fields('tcp/ip/fddi', 'plp', 2), meanMbps: 45, speedup: 1.4, speedupLow: 1, speedupHigh: 2 } as SummaryRow;
  applyPairedRatios([row], ratios);
  assert.equal(
    [row.speedup, row.speedupLow, row.speedupHigh, row.pairs, row.method],
    [1.5, 1.5, 1.5, 6, "paired t on the runs' mean log ratios"],
  );
  assert.ok(Math.abs(row.checksumRatio! - 0.045) < 1e-9);
});

test('a ratio with a member missing in some rounds pairs only the rounds both have', () => {
  const g = group(
    'tcp/ip/fddi',
    [
      [fields('tcp/ip/fddi', 'plp', 1), 30],
      [fields('tcp/ip/fddi', 'plp', 2), 45],
    ],
    [],
  );
  g.series[1]!.mbps[0] = null; // a failed slice
  const speedup = pairedRatios([g]).find((r) => r.kind === 'speedup')!;
  assert.is(speedup.pairs, 5);
});

test.run();
