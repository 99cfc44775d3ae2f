// Wireshark's dissectors as a second opinion on a capture: each frame's protocol chain, its IP and
// transport checksums verified (status 1 good, 0 bad, 2 unverified), whether it is malformed, and
// the severities of its expert notes (0x400000 note, 0x600000 warning, 0x800000 error: a bad
// checksum or a malformed field).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { PROCESS_LIMIT_MS } from './time-limit.js';

const PI_ERROR = 0x800000;

export interface DissectedFrame {
  protocols: string;
  ipChecksum: string;
  transportChecksum: string;
  malformed: string;
  severities: string;
  /** The (outer) IPv4 source address. */
  source: string;
  /**
   * A TCP checksum of 0xffff where 0x0000 was computed: the same one's complement zero (RFC 1624),
   * which every receiver's check accepts; tshark calls it bad. Linux sends a few.
   */
  negativeZero: boolean;
  line: string;
}

/**
 * The protocols whose heuristic dissectors tshark tries on `transport`'s payload, turned off:
 * random payload would otherwise now and then pass one's test (Thrift's and TDS's have, each
 * failing a capture check that expected plain data), and none has a part in these exchanges.
 * (`-G heuristic-decodes` names the protocol, not the heuristic, so the protocol is disabled.)
 */
function noHeuristics(tshark: string, transport: 'tcp' | 'udp'): string[] {
  const r = spawnSync(tshark, ['-G', 'heuristic-decodes'], { encoding: 'utf8', timeout: PROCESS_LIMIT_MS, maxBuffer: 16 << 20 });
  assert.is(r.status, 0, r.stderr);
  const names = r.stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([table, , enabled]) => table === transport && enabled?.trim() === 'T')
    .map(([, name]) => name!);
  assert.ok(names.length > 0, `tshark lists no heuristic dissector on ${transport}: -G heuristic-decodes changed its form`);
  return names.flatMap((name) => ['--disable-protocol', name]);
}

/** Every frame of the capture as tshark dissects it (no heuristic dissector on the payload), with IP and `transport` checksums checked. */
export function dissect(tshark: string, file: string, transport: 'tcp' | 'udp', extra: readonly string[] = []): DissectedFrame[] {
  const r = spawnSync(
    tshark,
    [
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      `${transport}.check_checksum:TRUE`,
      ...noHeuristics(tshark, transport),
      ...extra,
      '-T',
      'fields',
      '-e',
      'frame.protocols',
      '-e',
      'ip.checksum.status',
      '-e',
      `${transport}.checksum.status`,
      '-e',
      '_ws.malformed',
      '-e',
      '_ws.expert.severity',
      '-e',
      'ip.src',
      ...(transport === 'tcp' ? ['-e', 'tcp.checksum.ffff'] : []),
    ],
    { encoding: 'utf8', timeout: PROCESS_LIMIT_MS, maxBuffer: 256 << 20 },
  );
  assert.is(r.status, 0, r.stderr);
  return r.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      const [protocols, ipChecksum, transportChecksum, malformed, severities, source, ffff] = line.split('\t');
      return {
        protocols: protocols!,
        ipChecksum: ipChecksum!,
        transportChecksum: transportChecksum!,
        malformed: malformed!,
        severities: severities ?? '',
        source: (source ?? '').split(',')[0]!,
        negativeZero: transport === 'tcp' && (ffff ?? '') !== '',
        line,
      };
    });
}

/** The frame is well formed: IP and transport checksums good (where it has the transport), nothing malformed, no expert error. */
export function assertWellFormed(frame: DissectedFrame, transport: 'tcp' | 'udp'): void {
  assert.is(frame.ipChecksum.split(',')[0], '1', `IP checksum good: ${frame.line}`);
  if (frame.protocols.includes(`:${transport}`))
    assert.is(frame.transportChecksum, '1', `${transport.toUpperCase()} checksum good: ${frame.line}`);
  assert.is(frame.malformed, '', `not malformed: ${frame.line}`);
  assert.ok(
    frame.severities.split(',').every((v) => v === '' || Number(v) < PI_ERROR),
    `no expert error: ${frame.line}`,
  );
}

/** "N frames: chain ×n, ..." for a log line. */
export function chainSummary(frames: readonly DissectedFrame[]): string {
  const chains = new Map<string, number>();
  for (const f of frames) chains.set(f.protocols, (chains.get(f.protocols) ?? 0) + 1);
  return `${frames.length} frames: ${[...chains].map(([c, n]) => `${c} ×${n}`).join(', ')}`;
}
