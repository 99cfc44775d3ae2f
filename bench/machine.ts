// Which machine measured a run: the CPU as the kernel names it, how its logical CPUs share cores
// and caches (as far as /sys/devices/system/cpu tells; a VM's kernel may list no caches), and how
// much the machine's speed varied just before the runs (a short probe of slice-to-slice variation),
// so a reader can tell an AMD run from an Intel one and a quiet machine from a noisy one.

import { Worker } from 'node:worker_threads';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { onesSum } from '../stacks/checksum.js';
import type { MachineCache, MachineDescription, MachineNoise } from '../results/schema.js';

const SYS_CPU = '/sys/devices/system/cpu';

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** How many CPUs a kernel CPU list names ("0-3,8" is 5). */
export function cpuListCount(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    if (part.trim() === '') continue;
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    n += to === undefined || Number.isNaN(to) ? 1 : to - from + 1;
  }
  return n;
}

/** The first value of a /proc/cpuinfo field, or null. */
function cpuinfoField(cpuinfo: string, name: string): string | null {
  const line = cpuinfo.split('\n').find((l) => l.split(':')[0]!.trim() === name);
  return line === undefined ? null : line.slice(line.indexOf(':') + 1).trim();
}

function caches(): MachineCache[] {
  const found: MachineCache[] = [];
  for (let index = 0; ; index++) {
    const dir = `${SYS_CPU}/cpu0/cache/index${index}`;
    const level = read(`${dir}/level`);
    if (level === null) break;
    const shared = read(`${dir}/shared_cpu_list`) ?? '';
    found.push({
      level: Number(level),
      type: read(`${dir}/type`) ?? 'unknown',
      size: read(`${dir}/size`) ?? 'unknown',
      sharedWith: shared,
      sharedBy: shared === '' ? 1 : cpuListCount(shared),
    });
  }
  return found;
}

/** The CPU and its topology, from /proc/cpuinfo and /sys (fields the kernel does not give are null). */
export function describeMachine(): Omit<MachineDescription, 'noise'> {
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const number = (name: string) => {
    const v = cpuinfoField(cpuinfo, name);
    return v === null || Number.isNaN(Number(v)) ? null : Number(v);
  };
  const siblings = read(`${SYS_CPU}/cpu0/topology/thread_siblings_list`);
  const flags = (cpuinfoField(cpuinfo, 'flags') ?? '').split(' ');
  const list = caches();
  const logical = os.cpus().length;
  const threadsPerCore = siblings === null ? null : cpuListCount(siblings);
  const l3 = list.find((c) => c.level === 3);
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    vendor: cpuinfoField(cpuinfo, 'vendor_id'),
    family: number('cpu family'),
    model: number('model'),
    stepping: number('stepping'),
    logicalCpus: logical,
    threadsPerCore,
    smtSiblings: threadsPerCore === null ? null : threadsPerCore > 1,
    virtualized: flags.includes('hypervisor'),
    caches: list,
    cpuinfoCache: cpuinfoField(cpuinfo, 'cache size'),
    l3SharedByAll: l3 === undefined ? null : l3.sharedBy >= logical,
  };
}

/**
 * Runs a fixed piece of work (the Internet checksum of 4 KB, as every stack computes it) on this
 * thread in back-to-back slices of `sliceSeconds` for `seconds`, and says how much the rate varied:
 * across all slices (coefficient of variation) and between neighbours (the spread of the log ratio
 * of each pair), which is the noise that ratios measured in alternation, slice against slice, face.
 */
export function probeNoise(sliceSeconds: number, seconds: number): MachineNoise {
  const data = new Uint8Array(4096);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  const rates: number[] = [];
  let sink = 0;
  const end = performance.now() + seconds * 1000;
  // One slice to settle the JIT, not counted.
  for (let first = true; performance.now() < end; first = false) {
    const start = performance.now();
    const stop = start + sliceSeconds * 1000;
    let done = 0;
    let now = start;
    while (now < stop) {
      for (let k = 0; k < 16; k++) sink = (sink + onesSum(data, 0, data.length)) | 0;
      done += 16;
      now = performance.now();
    }
    if (!first) rates.push(done / (now - start));
  }
  if (sink === 0.5) console.error(sink); // keeps the work observable, so the JIT cannot drop it
  return noiseOf(rates, sliceSeconds, seconds);
}

/** The figures of a series of per-slice rates (split out for the tests). */
export function noiseOf(rates: readonly number[], sliceSeconds: number, seconds: number): MachineNoise {
  const n = rates.length;
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = n > 1 ? Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1)) : 0;
  const logs: number[] = [];
  for (let i = 0; i + 1 < n; i += 2) logs.push(Math.log(rates[i + 1]! / rates[i]!));
  const logMean = logs.reduce((a, b) => a + b, 0) / Math.max(1, logs.length);
  const pairSd = logs.length > 1 ? Math.sqrt(logs.reduce((a, l) => a + (l - logMean) ** 2, 0) / (logs.length - 1)) : 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    probeSeconds: seconds,
    sliceMs: Math.round(sliceSeconds * 1000),
    slices: n,
    variationPercent: n > 1 ? round((100 * sd) / mean) : null,
    pairVariationPercent: logs.length > 1 ? round(100 * pairSd) : null,
  };
}

/**
 * One-way latency of handing a cache line from one thread to another (ns), the best of three runs
 * of 100 000 hand-offs: what a line written by one PLP worker and read by the other costs. On a
 * virtual machine it follows where the host puts the two vCPUs (65 to 265 ns on one 2-vCPU AMD EPYC
 * within minutes), and PLP's speedup with it.
 */
export async function handOffNs(): Promise<number> {
  const HANDOFFS = 100_000;
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const w = new Int32Array(workerData.buffer);
    Atomics.add(w, 32, 1);
    while (Atomics.load(w, 32) < 2);
    const started = process.hrtime.bigint();
    for (let i = 0; i < ${HANDOFFS}; i++) {
      const mine = 2 * i + workerData.me;
      while (Atomics.load(w, 0) !== mine);
      Atomics.store(w, 0, mine + 1);
    }
    parentPort.postMessage(Number(process.hrtime.bigint() - started));`;
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const buffer = new SharedArrayBuffer(256);
    const workers = [0, 1].map((me) => new Worker(code, { eval: true, workerData: { buffer, me } }));
    try {
      const ns = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<number>((resolve, reject) => {
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
      );
      best = Math.min(best, ns[0]! / (2 * HANDOFFS));
    } finally {
      // (one that failed would leave the other waiting for it for ever)
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }
  return best;
}

/** Whether util-linux's taskset, which pins a process to CPUs, is on this machine. */
export function tasksetFound(): boolean {
  return spawnSync('taskset', ['--version']).error === undefined;
}

/**
 * How long the Internet checksum of 4 KB takes on each CPU (ns, the best of its batches over
 * about 0.3 s), all CPUs at once, each in a process pinned to it (taskset); null without taskset
 * or with one CPU. A virtual machine's CPUs need not be alike: on one 2-vCPU AMD EPYC, CPU 1 ran
 * the same packets 1.45× slower than CPU 0 by spells of minutes, and a run's threads stay where
 * they land, so a ratio between configurations run on different threads carries it.
 */
export function cpuChecksumNs(): Promise<number[] | null> {
  const cpus = os.cpus().length;
  if (cpus < 2 || !tasksetFound()) return Promise.resolve(null);
  const checksum = new URL('../stacks/checksum.js', import.meta.url).href;
  const code = `
    const { onesSum } = await import(${JSON.stringify(checksum)});
    const data = new Uint8Array(4096);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    let sink = 0, best = Infinity;
    const end = performance.now() + 300;
    while (performance.now() < end) {
      const start = process.hrtime.bigint();
      for (let k = 0; k < 256; k++) sink = (sink + onesSum(data, 0, data.length)) | 0;
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 256);
    }
    console.log(JSON.stringify({ best, sink }));`;
  const probes = Array.from(
    { length: cpus },
    (_, cpu) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn('taskset', ['-c', String(cpu), process.execPath, '--input-type=module', '-e', code], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('error', reject);
        child.once('close', (status) =>
          status === 0
            ? resolve(Math.round((JSON.parse(out) as { best: number }).best))
            : reject(new Error(`the checksum probe on CPU ${cpu} exited ${status}`)),
        );
      }),
  );
  return Promise.all(probes);
}
