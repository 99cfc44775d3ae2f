// The pcap writer: a capture of a real transfer reads back frame for frame, every frame carries
// valid IP and TCP checksums, and tshark dissects every stack's capture without complaint (skipped,
// and counted as skipped, where tshark is missing; .ci/run installs it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LINKTYPE_ETHERNET, LINKTYPE_FDDI, PcapWriter, readPcap } from '../drivers/pcap.js';
import { fold, onesSum, pseudoHeaderSum } from '../stacks/checksum.js';
import { FDDI_HEADER_BYTES } from '../stacks/wire/fddi.js';
import { ETH_HEADER_BYTES } from '../stacks/wire/ethernet.js';
import { decodeIpv4Header } from '../stacks/wire/ipv4.js';
import { concat, makePair, randomBytes, transfer } from './helpers.js';
import { findTool, testWithTool } from './tools.js';
import { assertWellFormed, chainSummary, dissect } from './tshark.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-pcap-'));

function capture(spec: string, file: string): { frames: number; data: Uint8Array } {
  const pair = makePair(spec, { connect: false });
  const writer = new PcapWriter(file, pair.a.linkType);
  pair.wire.toB.tap = (frame) => writer.write(frame);
  pair.wire.toA.tap = (frame) => writer.write(frame);
  if (pair.a.transport === 'tcp') pair.wire.handshake();
  const data = randomBytes(64 * 1024, 5);
  transfer(pair, data, Math.min(4096, pair.a.maxPayload), 'in-order');
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)));
  assert.not.ok(fs.existsSync(file), 'nothing at the final path before close');
  writer.close();
  return { frames: pair.wire.toB.transmitted + pair.wire.toA.transmitted, data };
}

for (const [spec, linkType, linkBytes] of [
  ['tcp/md5/ip/fddi', LINKTYPE_FDDI, FDDI_HEADER_BYTES],
  ['tcp/ip/eth', LINKTYPE_ETHERNET, ETH_HEADER_BYTES],
] as const) {
  test(`${spec}: the capture reads back with valid IP and TCP checksums in every frame`, () => {
    const file = path.join(dir, `${spec.replaceAll('/', '-')}.pcap`);
    const { frames } = capture(spec, file);
    const { linkType: type, records } = readPcap(fs.readFileSync(file));
    assert.is(type, linkType);
    assert.is(records.length, frames);
    assert.ok(frames > 16 + 3, 'handshake, data and ACKs');
    for (const { frame, originalLength } of records) {
      assert.is(originalLength, frame.length);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const ip = decodeIpv4Header(view, linkBytes);
      assert.is(fold(onesSum(frame, linkBytes, 20)), 0xffff, 'IP header checksum');
      if (ip.protocol === 6) {
        const tcpLength = ip.totalLength - 20;
        const pseudo = pseudoHeaderSum(ip.src, ip.dst, 6, tcpLength);
        assert.is(fold(onesSum(frame, linkBytes + 20, tcpLength, pseudo)), 0xffff, 'TCP checksum');
      } else {
        assert.is(ip.protocol, 51);
      }
    }
  });
}

// Wireshark's dissectors read every stack's capture: the protocol chain each frame should have,
// and IP, TCP and UDP checksums verified (status 1 = good; 0 bad, 2 unverified).
const TSHARK_STACKS: [string, RegExp][] = [
  ['tcp/ip/fddi', /^fddi:llc:ip:tcp(:data)?$/],
  ['tcp/md5/ip/fddi', /^fddi:llc:ip:ah:tcp(:data)?$/],
  ['des/tcp/md5/ip/fddi', /^fddi:llc:ip:ah:tcp(:data)?$/],
  ['3des/tcp/md5/ip/fddi', /^fddi:llc:ip:ah:tcp(:data)?$/],
  ['tcp/ip/eth', /^eth:ethertype:ip:tcp(:data)?$/],
  ['3des/tcp/md5/ip/eth', /^eth:ethertype:ip:ah:tcp(:data)?$/],
  ['udp/ip/fddi', /^fddi:llc:ip:udp:data$/],
  ['udp/ip/eth', /^eth:ethertype:ip:udp:data$/],
];
const tshark = findTool('tshark');

for (const [spec, chain] of TSHARK_STACKS) {
  testWithTool(
    test,
    tshark,
    'tshark',
    `tshark dissects the ${spec} capture: protocol chain right, checksums good in every frame`,
    (command) => {
      const file = path.join(dir, `tshark-${spec.replaceAll('/', '-')}.pcap`);
      const { frames } = capture(spec, file);
      const transport = spec.includes('udp') ? 'udp' : 'tcp';
      const dissected = dissect(command, file, transport);
      assert.is(dissected.length, frames, 'one line per frame');
      for (const frame of dissected) {
        assert.match(frame.protocols, chain, frame.line);
        assertWellFormed(frame, transport);
      }
      console.log(`  tshark ${spec}: ${chainSummary(dissected)}; IP and ${transport.toUpperCase()} checksums good in all ${frames}`);
    },
  );
}

test('a discarded capture leaves nothing behind', () => {
  const file = path.join(dir, 'discarded.pcap');
  const writer = new PcapWriter(file, LINKTYPE_FDDI);
  writer.writeBytes(new Uint8Array(60), 0, 60);
  writer.discard();
  assert.equal(
    fs.readdirSync(dir).filter((f) => f.startsWith('discarded')),
    [],
  );
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
