// --load: an open loop's offered loads. Each is packets a second (250000, 250k, 1.5M), a bit rate
// (800Mbit, 1.2Gbit: packets of --packet-size), or a share of the same configuration's closed-loop
// throughput, its saturation (50%); `auto` sweeps shares up to saturation.

import { OptionError } from './args.js';
import { list } from './flag-parsers.js';

/** One offered load: packets a second, megabits a second (of the configuration's packets), or a share of saturation. */
export type LoadSpec = { pps: number } | { mbps: number } | { fraction: number };

/** --load auto: the shares of saturation swept (the findings read 50% and 90%). */
export const AUTO_LOAD_FRACTIONS = [0.1, 0.3, 0.5, 0.7, 0.9, 0.95] as const;
/** The most packets a second one configuration is offered. */
const MOST_PPS = 1e9;
/** The largest share of saturation: past it the queue only grows. */
const MOST_FRACTION = 1.5;

const ALLOWED = `allowed: packets a second (250000, 250k, 1.5M), a bit rate (800Mbit, 1.2Gbit), a share of saturation (50%), or auto`;

/** --load's text as its loads, in the order given, none twice; an OptionError names what is wrong. */
export function parseLoads(text: string, flag = '--load'): LoadSpec[] {
  const items = list(text);
  if (items.length === 0) throw new OptionError(`${flag} names no load: ${ALLOWED}`);
  if (items.includes('auto')) {
    if (items.length > 1) throw new OptionError(`${flag} auto sweeps the loads itself: give it alone`);
    return AUTO_LOAD_FRACTIONS.map((fraction) => ({ fraction }));
  }
  const loads = items.map((item) => parseLoad(item, flag));
  const keys = loads.map(loadLabel);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new OptionError(`${flag} names ${twice} twice`);
  return loads;
}

function parseLoad(item: string, flag: string): LoadSpec {
  const m = /^(\d+(?:\.\d+)?)(k|M|%|Mbit|Gbit)?(?:\/s)?$/.exec(item);
  if (m === null) throw new OptionError(`${flag} '${item}' is not a load: ${ALLOWED}`);
  const value = Number(m[1]);
  const unit = m[2];
  if (unit === '%') {
    if (!(value > 0 && value <= MOST_FRACTION * 100))
      throw new OptionError(`${flag} ${item} is out of range: a share of saturation above 0% and up to ${MOST_FRACTION * 100}%`);
    return { fraction: value / 100 };
  }
  if (unit === 'Mbit' || unit === 'Gbit') {
    const mbps = unit === 'Gbit' ? value * 1000 : value;
    if (!(mbps > 0 && mbps <= 1e6)) throw new OptionError(`${flag} ${item} is out of range: above 0 and up to 1000Gbit`);
    return { mbps };
  }
  const pps = value * (unit === 'k' ? 1e3 : unit === 'M' ? 1e6 : 1);
  if (!(pps >= 1 && pps <= MOST_PPS) || !Number.isInteger(pps))
    throw new OptionError(`${flag} ${item} is out of range: a whole number of packets a second, 1 to ${MOST_PPS}`);
  return { pps };
}

/** How a load reads in labels and keys: 250000pps, 800Mbit, 50%. */
export function loadLabel(load: LoadSpec): string {
  if ('pps' in load) return `${load.pps}pps`;
  if ('mbps' in load) return `${load.mbps}Mbit`;
  return `${Math.round(load.fraction * 1000) / 10}%`;
}

/** Packets a second of a load given in packets or bits a second (a share of saturation: null, it waits for the closed loop). */
export function ppsOf(load: LoadSpec, packetSize: number): number | null {
  if ('pps' in load) return load.pps;
  if ('mbps' in load) return (load.mbps * 1e6) / (8 * packetSize);
  return null;
}
