// The pcap writer: a capture of a real transfer reads back frame for frame, every frame carries
// valid IP and TCP checksums, and tshark (when installed) dissects it without complaint.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LINKTYPE_ETHERNET, LINKTYPE_FDDI, PcapWriter, readPcap } from '../drivers/pcap.js';
import { fold, onesSum, pseudoHeaderSum } from '../stacks/checksum.js';
import { FDDI_HEADER_BYTES } from '../stacks/wire/fddi.js';
import { ETH_HEADER_BYTES } from '../stacks/wire/ethernet.js';
import { decodeIpv4Header } from '../stacks/wire/ipv4.js';
import { concat, makePair, randomBytes, transfer } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-pcap-'));

function capture(spec: string, file: string): { frames: number; data: Uint8Array } {
  const pair = makePair(spec, { connect: false });
  const writer = new PcapWriter(file, pair.a.link.linkType);
  pair.wire.toB.tap = (frame) => writer.write(frame);
  pair.wire.toA.tap = (frame) => writer.write(frame);
  if (pair.a.tcp !== null) pair.wire.handshake();
  const data = randomBytes(64 * 1024, 5);
  transfer(pair, data, Math.min(4096, pair.a.maxPayload), 'in-order');
  assert.ok(Buffer.from(concat(pair.received)).equals(Buffer.from(data)));
  assert.not.ok(fs.existsSync(file), 'nothing at the final path before close');
  writer.close();
  return { frames: pair.wire.toB.transmitted + pair.wire.toA.transmitted, data };
}

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

test('tshark dissects the FDDI and Ethernet captures with good checksums (when tshark is installed)', () => {
  if (!hasTshark()) {
    console.log('  (tshark not installed: this check ran only our own reader above)');
    return;
  }
  for (const spec of ['tcp/ip/fddi', 'tcp/ip/eth', 'udp/ip/eth']) {
    const file = path.join(dir, `tshark-${spec.replaceAll('/', '-')}.pcap`);
    const { frames } = capture(spec, file);
    const fields = execFileSync(
      'tshark',
      ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-e', 'frame.protocols', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
    assert.is(fields.length, frames);
    for (const line of fields) {
      const [protocols, ipStatus, tcpStatus, udpStatus] = line.split('\t');
      assert.match(protocols!, spec.endsWith('fddi') ? /^fddi:llc:ip:/ : /^eth:ethertype:ip:/);
      assert.is(ipStatus, '1', `IP checksum good: ${line}`); // Wireshark's checksum status: 0 bad, 1 good, 2 unverified
      assert.is(spec.startsWith('tcp') ? tcpStatus : udpStatus, '1', `transport checksum good: ${line}`);
    }
  }
});

test('a discarded capture leaves nothing behind', () => {
  const file = path.join(dir, 'discarded.pcap');
  const writer = new PcapWriter(file, LINKTYPE_FDDI);
  writer.writeBytes(new Uint8Array(60), 0, 60);
  writer.discard();
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('discarded')), []);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
