// The machine that measured a run, in one line (the terminal, before the runs; the report's header).

import type { MachineDescription } from './schema.js';

/** One line for the terminal and the report's header. */
export function machineLine(m: MachineDescription): string {
  const id = [m.vendor, m.family !== null ? `family ${m.family}` : null, m.model !== null ? `model ${m.model}` : null]
    .filter((x) => x !== null)
    .join(' ');
  const smt = m.smtSiblings === null ? 'SMT unknown' : m.smtSiblings ? `SMT: ${m.threadsPerCore} threads a core` : 'no SMT siblings';
  const l3 =
    m.l3SharedByAll === null
      ? `caches not listed by the kernel${m.cpuinfoCache !== null ? ` (cpuinfo: ${m.cpuinfoCache})` : ''}`
      : `L3 ${m.caches.find((c) => c.level === 3)!.size} ${m.l3SharedByAll ? 'shared by all CPUs' : 'not shared by all CPUs'}`;
  const noise =
    m.noise === null || m.noise.variationPercent === null
      ? 'noise not probed'
      : `noise ${m.noise.variationPercent}% slice to slice, ${m.noise.pairVariationPercent ?? '?'}% between neighbours ` +
        `(${m.noise.slices} slices of ${m.noise.sliceMs} ms)`;
  return `${m.cpu} (${id}), ${m.logicalCpus} CPUs, ${smt}, ${l3}${m.virtualized ? ', virtualized' : ''}; ${noise}`;
}
