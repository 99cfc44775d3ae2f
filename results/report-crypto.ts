// report.md's crypto and latency sections: the latency breakdown laid out like the paper's Tables 1
// and 2 (µs per packet, and the increment over the TCP/IP baseline of the same link), 1996's crypto
// beside today's, and the same-run ratios.

import { PAPER_PRIMITIVES } from '../stacks/layer-kind.js';
import { cryptoPrimitives, stackShape } from '../stacks/spec.js';
import { type CalibrationRow, type SummaryRow } from './rows.js';
import { table, withInterval } from './markdown.js';
import { fmt, modeLabel, speedupCell, percent } from './report-format.js';

/** The baseline a stack's increment is measured from: TCP/IP over the same link. */
function baselineOf(stack: string): string {
  return `tcp/ip/${stackShape(stack).link}`;
}

const LATENCY_ALIGN: ('l' | 'r')[] = ['l', 'r', 'r', 'r', 'r'];

/**
 * Tables 1–2: per crypto provider (and mode, workers, connections), each stack's µs per packet on
 * the send and receive side and the increment over TCP/IP of the same link.
 */
export function latencyTables(summary: readonly SummaryRow[]): string {
  const groups = new Map<string, SummaryRow[]>();
  // As in the paper, latency comes from the one-processor throughput.
  for (const s of summary.filter((row) => row.workers === 1 && row.dispatch === undefined)) {
    const key =
      `${s.crypto} crypto, ${s.mode}, ${s.workers} worker${s.workers === 1 ? '' : 's'}, ${s.connections} ` +
      `connection${s.connections === 1 ? '' : 's'}, ${s.packetSize}-byte packets`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const parts: string[] = [];
  for (const [key, rows] of groups) {
    const find = (stack: string, side: string) => rows.find((r) => r.stack === stack && r.side === side);
    const stacks = [...new Set(rows.map((r) => r.stack))];
    const body = stacks.map((stack) => {
      const cells = [stack.toUpperCase()];
      for (const side of ['send', 'recv']) {
        const row = find(stack, side);
        const base = find(baselineOf(stack), side);
        cells.push(row ? fmt(row.usPerPacket, 2) : '—');
        cells.push(row && base && stack !== baselineOf(stack) ? fmt(row.usPerPacket - base.usPerPacket, 2) : '');
      }
      return cells;
    });
    const notes = cipherRatios(rows);
    parts.push(
      `### ${key}\n\n${table(['Protocol Stack', 'Send Side', 'Inc. Cost', 'Recv Side', 'Inc. Cost'], body, LATENCY_ALIGN)}` +
        (notes ? `\n\n${notes}` : ''),
    );
  }
  return parts.join('\n\n');
}

/** Whether a stack runs one of today's primitives (AES, the AEADs, SHA-1 and SHA-2), not only the paper's. */
function hasModernCrypto(stack: string): boolean {
  return cryptoPrimitives(stack).some((p) => !PAPER_PRIMITIVES.includes(p));
}

/**
 * "1996 crypto and today's": for each stack and side, µs per packet at one worker and its increment
 * over TCP/IP (Table 1's layout), the speedups of PLP and CLP at two workers, PLP's lock share at
 * one worker and the Amdahl bound it sets at two. Shown when a run has a modern layer beside others.
 */
export function modernCryptoTable(summary: readonly SummaryRow[]): string {
  if (!summary.some((s) => hasModernCrypto(s.stack))) return '';
  const plain = summary.filter((s) => s.dispatch === undefined && s.connections >= 1);
  const find = (stack: string, side: string, mode: string, workers: number) =>
    plain.find((s) => s.stack === stack && s.side === side && s.mode === mode && s.workers === workers);
  const rows: string[][] = [];
  for (const stack of [...new Set(plain.map((s) => s.stack))]) {
    for (const side of ['send', 'recv']) {
      const one = find(stack, side, 'plp', 1) ?? find(stack, side, 'single', 1) ?? find(stack, side, 'clp', 1);
      if (one === undefined) continue;
      const base = find(baselineOf(stack), side, one.mode, 1);
      const f = find(stack, side, 'plp', 1)?.lockHeldFraction;
      rows.push([
        stack,
        side,
        one.crypto,
        fmt(one.usPerPacket, 2),
        base !== undefined && stack !== baselineOf(stack) ? fmt(one.usPerPacket - base.usPerPacket, 2) : '',
        speedupCell(find(stack, side, 'plp', 2)),
        speedupCell(find(stack, side, 'clp', 2)),
        f === undefined ? '—' : percent(f),
        f === undefined ? '—' : (1 / (f + (1 - f) / 2)).toFixed(2),
      ]);
    }
  }
  return table(
    [
      'stack',
      'side',
      'crypto',
      'µs/packet (1 worker)',
      'inc. over TCP/IP',
      'PLP speedup ×2',
      'CLP speedup ×2',
      'PLP lock held',
      'Amdahl bound ×2',
    ],
    rows,
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/**
 * 3DES against DES (the paper: about 2.9 ×), two ways: each stack's increment over TCP/IP, and
 * the cipher's own increment over TCP/MD5/IP of the same link.
 */
function cipherRatios(rows: readonly SummaryRow[]): string {
  const lines: string[] = [];
  const links = [...new Set(rows.map((r) => stackShape(r.stack).link))];
  for (const link of links) {
    for (const side of ['send', 'recv'] as const) {
      const us = (stack: string) => rows.find((r) => r.stack === stack && r.side === side)?.usPerPacket;
      const base = us(`tcp/ip/${link}`);
      const md5 = us(`tcp/md5/ip/${link}`);
      const des = us(`des/tcp/md5/ip/${link}`);
      const tdes = us(`3des/tcp/md5/ip/${link}`);
      if (des === undefined || tdes === undefined) continue;
      const parts: string[] = [];
      if (base !== undefined) parts.push(`increments over TCP/IP ${((tdes - base) / (des - base)).toFixed(2)} ×`);
      if (md5 !== undefined) parts.push(`cipher alone (over TCP/MD5/IP) ${((tdes - md5) / (des - md5)).toFixed(2)} ×`);
      if (parts.length) lines.push(`- 3DES ÷ DES, ${link} ${side} side: ${parts.join('; ')}`);
    }
  }
  return lines.join('\n');
}

/** The raw primitives timed in the same run, and each row's throughput divided by them. */
export function ratioTables(summary: readonly SummaryRow[], calibration: readonly CalibrationRow[]): string {
  if (calibration.length === 0) return '';
  const primitives = table(
    ['primitive', 'crypto', 'Mbit/s', '90% CI', 'samples'],
    calibration.map((c) => [
      c.primitive,
      c.crypto ?? '—',
      fmt(c.meanMbps),
      c.ci90Low === null ? 'n/a' : `${fmt(c.ci90Low)} – ${fmt(c.ci90High)}`,
      String(c.samples),
    ]),
    ['l', 'l', 'r', 'r', 'r'],
  );
  const ratios = table(
    ['stack', 'side', 'mode', 'workers', 'crypto', '÷ checksum (90%)', '÷ primitive (90%)'],
    summary.map((s) => [
      s.stack,
      s.side,
      modeLabel(s),
      String(s.workers),
      s.crypto,
      s.checksumRatio === undefined ? '—' : withInterval(s.checksumRatio, s.checksumRatioLow, s.checksumRatioHigh, 4),
      s.primitiveRatio === undefined
        ? '—'
        : `${s.primitive}: ${withInterval(s.primitiveRatio, s.primitiveRatioLow, s.primitiveRatioHigh, 3)}`,
    ]),
    ['l', 'l', 'l', 'r', 'l', 'r', 'r'],
  );
  return `${primitives}

${ratios}`;
}
