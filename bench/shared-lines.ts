// `xkbench plp-cost --lines`: which cache lines of the shared connection a PLP packet writes, and
// what moving one between two cores costs here. Under PLP a line one worker writes and another
// reads moves between their cores: a packet's count of such lines, and a hand-off's latency, say
// what a second worker adds to every packet's cost besides waiting for the lock (not their
// product: a ring's consecutive lines overlap their misses).

import type { Side } from '../drivers/workload-contract.js';
import { createWorkload } from '../drivers/workload.js';
import { type SharedConnection, SharedWord, sharedConnection, sharedConnectionBytes } from '../drivers/shared-connection.js';
import { AtomicsMutex } from '../parallel/mutex.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { table } from '../results/markdown.js';
import { sharedMemory } from '../stacks/native-memory.js';

const LINE = 64;

/** A named byte range of the shared block, and whether other workers touch it too. */
interface Region {
  name: string;
  start: number;
  end: number;
  shared: boolean;
}

/** The block's regions, from where the connection's views lie (one worker's block). */
function regionsOf(shared: SharedConnection, bytes: number): Region[] {
  const at = (view: ArrayBufferView): [number, number] => [view.byteOffset, view.byteOffset + view.byteLength];
  const regions: Region[] = [];
  for (const [end, tcb] of [
    ['measured', shared.measuredTcb],
    ['peer', shared.peerTcb],
  ] as const) {
    regions.push({ name: `${end} TCB: fields`, start: at(tcb.f)[0], end: at(tcb.f)[1], shared: true });
    regions.push({
      name: `${end} TCB: receive ring`,
      start: at(tcb.ring.pinnedView())[0],
      end: at(tcb.ring.pinnedView())[1],
      shared: true,
    });
    regions.push({
      name: `${end} TCB: send ring`,
      start: at(tcb.sndRing.pinnedView())[0],
      end: at(tcb.sndRing.pinnedView())[1],
      shared: true,
    });
  }
  const counters = at(shared.peerTcb.sndRing.pinnedView())[1];
  const words = shared.words.byteOffset;
  regions.push({ name: 'IP identification and AH sequence counters', start: counters, end: words, shared: true });
  for (const [name, word] of Object.entries(SharedWord)) {
    if (word % 16 !== 0) continue; // (a line is named by its first word)
    const start = words + word * 4;
    regions.push({ name: `shared word line: ${name}`, start, end: start + LINE, shared: true });
  }
  const [reorderStart, reorderEnd] = at(shared.reorder);
  regions.push({ name: 'in-order commit table', start: reorderStart, end: reorderEnd, shared: true });
  regions.push({ name: 'backlog', start: reorderEnd, end: shared.messages.byteOffset, shared: true });
  regions.push({ name: "this worker's message slots (its own)", start: shared.messages.byteOffset, end: bytes, shared: false });
  return regions;
}

/** Mean lines changed per packet by region, over `packets` packets after a warm-up, and the lock's acquisitions per packet. */
export function linesPerPacket(spec: string, side: Side, packets: number): { rows: [Region, number][]; acquisitions: number } {
  const bytes = sharedConnectionBytes(1);
  const buffer = sharedMemory(bytes);
  const shared = sharedConnection(buffer, 0, 0, (b, at) => new AtomicsMutex(b, at));
  const workload = createWorkload({ spec, side, packetSize: 4096, crypto: 'cryptojs', seed: 3, verify: false, connection: 0 }, shared);
  workload.run(2000);
  const regions = regionsOf(shared, bytes);
  const changed = regions.map(() => 0);
  const now = new BigInt64Array(buffer);
  const before = new BigInt64Array(now.length);
  const lock = shared.lock as AtomicsMutex;
  const acquisitionsBefore = lock.stats.acquisitions;
  const rings = [shared.measuredTcb, shared.peerTcb].map((tcb) => [tcb.sndRing.pinnedView(), tcb.ring.pinnedView(), tcb.f] as const);
  for (let p = 0; p < packets; p++) {
    // A ring rewritten with the bytes it held (a sender replaying the same data a lap later) is
    // still written: each packet's rings start from a new filler, so that every write shows. Safe
    // here: nothing is lost, so nothing is retransmitted from the send ring, and the receive ring
    // holds nothing while no segment waits out of order.
    for (const [sndRing, ring, f] of rings) {
      sndRing.fill(p & 0xff);
      if (f[Tcb.reassCount] === 0) ring.fill(p & 0xff);
    }
    before.set(now);
    workload.run(1);
    for (let r = 0; r < regions.length; r++) {
      const { start, end } = regions[r]!;
      for (let line = start - (start % LINE); line < end; line += LINE) {
        for (let w = line / 8; w < (line + LINE) / 8; w++) {
          if (now[w] !== before[w]) {
            changed[r]!++;
            break;
          }
        }
      }
    }
  }
  return {
    rows: regions.map((region, r) => [region, changed[r]! / packets]),
    acquisitions: (lock.stats.acquisitions - acquisitionsBefore) / packets,
  };
}

/** The table for one stack and side: lines changed per packet by region, shared ones first. */
export function linesTable(
  spec: string,
  side: string,
  packets: number,
  result: ReturnType<typeof linesPerPacket>,
  handOff: number,
): string {
  const rows = result.rows
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => Number(b.shared) - Number(a.shared) || y - x)
    .map(([region, n]) => [region.name, n.toFixed(2), region.shared ? 'yes' : 'no']);
  const sharedLines = result.rows.filter(([region]) => region.shared).reduce((sum, [, n]) => sum + n, 0);
  return (
    `\n${spec} ${side}, 4096-byte packets, one PLP worker: cache lines of the shared block a packet changes (mean of ${packets})\n\n` +
    table(['region', 'lines changed per packet', 'other workers use it'], rows) +
    `\n\nShared lines changed per packet: ${sharedLines.toFixed(1)}, plus the lock's line, written twice in each of ` +
    `${result.acquisitions.toFixed(2)} acquisitions per packet (unchanged after). At two workers, each such line the ` +
    `other worker touched last comes from its core: ${handOff.toFixed(0)} ns a hand-off here, one line at a time (a ` +
    "run of consecutive lines, as a ring's, overlaps its misses and moves far faster a line)."
  );
}
