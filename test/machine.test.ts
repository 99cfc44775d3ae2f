import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuChecksumNs, cpuListCount, describeMachine, handOffNs, noiseOf } from '../bench/machine.js';
import { machineChanged, machineLine } from '../results/machine-line.js';
import { withinLimit } from './time-limit.js';
import * as os from 'node:os';

test("the kernel's CPU lists are counted as it writes them", () => {
  assert.is(cpuListCount('0'), 1);
  assert.is(cpuListCount('0-1'), 2);
  assert.is(cpuListCount('0-3,8,10-11'), 7);
  assert.is(cpuListCount(''), 0);
});

test('noise: steady rates vary 0%; a known series gives its coefficient of variation and neighbour spread', () => {
  assert.equal(noiseOf([5, 5, 5, 5], 0.05, 1), { probeSeconds: 1, sliceMs: 50, slices: 4, variationPercent: 0, pairVariationPercent: 0 });
  // Mean 100, sample sd 10 (90, 110, 90, 110): 10%. Pairs (90 → 110) twice: no spread of their log ratio.
  const n = noiseOf([90, 110, 90, 110], 0.05, 1);
  assert.is(n.variationPercent, 11.55); // sd with n - 1: sqrt(400 / 3)
  assert.is(n.pairVariationPercent, 0);
  // Log ratios ln 2 and 0: their sd is ln 2 / sqrt 2.
  assert.is(noiseOf([1, 2, 1, 1], 0.05, 1).pairVariationPercent, Math.round(10000 * (Math.LN2 / Math.SQRT2)) / 100);
  assert.is(noiseOf([1], 0.05, 1).variationPercent, null, 'one slice says nothing');
});

test('this machine is described from the kernel, and said in one line', () => {
  const m = describeMachine();
  assert.ok(m.logicalCpus >= 1);
  assert.type(m.cpu, 'string');
  const line = machineLine({ ...m, noise: null });
  assert.ok(line.startsWith(`${m.cpu} (`), line);
  assert.match(line, 'noise not probed');
});

test("a cache line's hand-off between cores: said in the machine line, and a change of half or more under the run warned of", () => {
  const m = { ...describeMachine(), noise: null };
  assert.match(machineLine({ ...m, coreHandOff: { beforeNs: 65, afterNs: null } }), /hand-off between cores 65 ns$/);
  assert.match(machineLine({ ...m, coreHandOff: { beforeNs: 65, afterNs: 70 } }), /65 ns before the runs, 70 ns after$/);
  assert.equal(machineChanged({ ...m, coreHandOff: { beforeNs: 65, afterNs: 90 } }), []);
  assert.match(
    machineChanged({ ...m, coreHandOff: { beforeNs: 225, afterNs: 65 } })[0]!,
    /machine changed under the run.*225 ns before.*65 ns after/,
  );
  assert.equal(machineChanged(m), [], 'not probed: nothing said');
});

test("the CPUs' checksum times: said in the machine line, and CPUs 15% apart or more warned of", () => {
  const m = { ...describeMachine(), noise: null };
  assert.match(machineLine({ ...m, cpuChecksumNs: { before: [300, 310], after: null } }), /a 4 KB checksum on each CPU 300, 310 ns$/);
  assert.match(
    machineLine({ ...m, cpuChecksumNs: { before: [300, 310], after: [305, 300] } }),
    /300, 310 ns before the runs, 305, 300 ns after$/,
  );
  assert.equal(machineChanged({ ...m, cpuChecksumNs: { before: [300, 340], after: [300, 300] } }), [], '1.13× apart: alike');
  const [warning] = machineChanged({ ...m, cpuChecksumNs: { before: [300, 300], after: [290, 420] } });
  assert.match(warning!, /CPUs are not alike.*290, 420 ns after them.*1\.45× apart/);
  assert.not.match(warning!, /before the runs/, 'only the reading that differed');
});

test('each CPU computes the same checksum in a process pinned to it (taskset): one finite time per CPU', async () => {
  if (os.cpus().length < 2) return;
  const ns = await withinLimit('per-CPU checksum probe', 60_000, cpuChecksumNs());
  assert.ok(ns !== null, 'taskset is there (util-linux): the probe ran');
  assert.is(ns.length, os.cpus().length);
  for (const t of ns) assert.ok(Number.isFinite(t) && t > 0, `${t} ns`);
});

test('two threads hand a line back and forth: the hand-off takes a positive, finite time', async () => {
  const ns = await withinLimit('hand-off probe', 60_000, handOffNs());
  assert.ok(Number.isFinite(ns) && ns > 0, `${ns} ns`);
});

test.run();
