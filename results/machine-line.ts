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
  const handOff =
    m.coreHandOff === undefined
      ? ''
      : `; a cache line's hand-off between cores ${m.coreHandOff.beforeNs} ns` +
        (m.coreHandOff.afterNs !== null ? ` before the runs, ${m.coreHandOff.afterNs} ns after` : '');
  const perCpu =
    m.cpuChecksumNs === undefined
      ? ''
      : `; a 4 KB checksum on each CPU ${m.cpuChecksumNs.before.join(', ')} ns` +
        (m.cpuChecksumNs.after !== null ? ` before the runs, ${m.cpuChecksumNs.after.join(', ')} ns after` : '');
  return `${m.cpu} (${id}), ${m.logicalCpus} CPUs, ${smt}, ${l3}${m.virtualized ? ', virtualized' : ''}; ${noise}${handOff}${perCpu}`;
}

/** CPUs whose checksum times differ by this much or more are told apart in a warning. */
export const UNLIKE_CPUS = 1.15;

/**
 * Warnings about the machine, each a paragraph: the cores' hand-off latency moved by half or more
 * between before and after the runs (a VM's vCPUs placed anew), or its CPUs ran the same checksum
 * UNLIKE_CPUS apart or more.
 */
export function machineChanged(machine: MachineDescription): string[] {
  return [...handOffMoved(machine), ...unlikeCpus(machine)];
}

function handOffMoved(machine: MachineDescription): string[] {
  const handOff = machine.coreHandOff;
  if (handOff === undefined || handOff.afterNs === null) return [];
  const ratio = Math.max(handOff.beforeNs, handOff.afterNs) / Math.max(1, Math.min(handOff.beforeNs, handOff.afterNs));
  if (ratio < 1.5) return [];
  return [
    `**The machine changed under the run**: a cache line's hand-off between cores took ${handOff.beforeNs} ns before the ` +
      `runs and ${handOff.afterNs} ns after, so what depends on it (PLP's per-packet cost at two workers and more, its ` +
      'speedups) may differ between what was measured early and late.',
    '',
  ];
}

function unlikeCpus(machine: MachineDescription): string[] {
  const perCpu = machine.cpuChecksumNs;
  if (perCpu === undefined) return [];
  const spread = (ns: number[]) => Math.max(...ns) / Math.max(1, Math.min(...ns));
  const when = [
    spread(perCpu.before) >= UNLIKE_CPUS ? `${perCpu.before.join(', ')} ns before the runs` : null,
    perCpu.after !== null && spread(perCpu.after) >= UNLIKE_CPUS ? `${perCpu.after.join(', ')} ns after them` : null,
  ].filter((x) => x !== null);
  if (when.length === 0) return [];
  const worst = Math.max(spread(perCpu.before), perCpu.after !== null ? spread(perCpu.after) : 0);
  return [
    `**The CPUs are not alike**: a 4 KB checksum took ${when.join(', and ')} on CPUs 0 to ${perCpu.before.length - 1} ` +
      `(up to ${worst.toFixed(2)}× apart). A thread runs at the speed of the CPU it lands on and mostly stays there, so a ` +
      'ratio between configurations on different threads (single on the main thread, PLP and CLP on workers, each run ' +
      'on new threads) carries that difference as well as theirs. `xkbench plp-cost --cpu N` compares PLP at one worker ' +
      'with single on one CPU.',
    '',
  ];
}
