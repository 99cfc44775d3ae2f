// Our stacks against the Linux kernel, over a TAP device in a network namespace the test makes and
// always removes (kernel/): tcp/ip/eth sends 10 MiB to a Linux listener and receives 10 MiB from a
// Linux client, with the kernel's SACK, timestamps and window scaling on and off, clean and with 1%
// of frames lost on our side; every byte arrives, in order, the close is a FIN each way and no RST,
// and tshark finds no malformed frame and no bad checksum in the capture. Where root, /dev/net/tun,
// ip or socat is missing the tests are skipped, and say why (.ci/run installs socat).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TcpCase, TcpResult } from '../kernel/interop-case.js';
import { KERNEL } from '../kernel/addresses.js';
import { CASE_SCRIPT, runCase } from './kernel-case.js';
import { Namespace, kernelPeerProblem, namespaceNames } from '../kernel/netns.js';
import { PROCESS_LIMIT_MS } from './time-limit.js';
import { findTool, testWhere } from './tools.js';
import { assertWellFormed, chainSummary, dissect } from './tshark.js';

const MIB = 1 << 20;
const TRANSFER = 10 * MIB;
const CASE_LIMIT_MS = 60_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-kernel-'));
const missing = kernelPeerProblem();
const tshark = findTool('tshark');

function mbits(bytes: number, firstAt: number, lastAt: number): string {
  return ((bytes * 8) / ((lastAt - firstAt) * 1000)).toFixed(0);
}

/** tshark reads the capture: no malformed frame, no bad IP or TCP checksum. Answers its summary. */
function checkCapture(file: string): string {
  if (tshark === null) return 'no tshark here: capture not dissected';
  const frames = dissect(tshark, file, 'tcp');
  let negativeZero = 0;
  for (const frame of frames) {
    assert.match(frame.protocols, /^eth:ethertype:ip:tcp(:data)?$/, frame.line);
    if (frame.negativeZero) {
      // Linux now and then sends a TCP checksum of 0xffff for a computed 0x0000: the same one's
      // complement zero (RFC 1624), valid to every receiver, ours included; tshark calls it bad.
      assert.is(frame.source, KERNEL.ip, `only the kernel's frames: ${frame.line}`);
      negativeZero++;
      continue;
    }
    assertWellFormed(frame, 'tcp');
  }
  const zeros = negativeZero > 0 ? ` but ${negativeZero} of the kernel's with checksum 0xffff for 0x0000 (RFC 1624)` : '';
  return `tshark: ${chainSummary(frames)}, checksums good in all${zeros}`;
}

const TCP_CASES: Omit<TcpCase, 'kind' | 'bytes' | 'capture' | 'seed' | 'limitMs'>[] = [
  { direction: 'ours-to-linux', kernelOptions: true, loss: 0, closer: 'ours' },
  { direction: 'ours-to-linux', kernelOptions: false, loss: 0, closer: 'linux' },
  { direction: 'linux-to-ours', kernelOptions: true, loss: 0, closer: 'linux' },
  { direction: 'linux-to-ours', kernelOptions: false, loss: 0, closer: 'ours' },
  { direction: 'ours-to-linux', kernelOptions: true, loss: 0.01, closer: 'linux' },
  { direction: 'ours-to-linux', kernelOptions: false, loss: 0.01, closer: 'ours' },
  { direction: 'linux-to-ours', kernelOptions: true, loss: 0.01, closer: 'ours' },
  { direction: 'linux-to-ours', kernelOptions: false, loss: 0.01, closer: 'linux' },
];

for (const [i, shape] of TCP_CASES.entries()) {
  const options = shape.kernelOptions ? 'SACK, timestamps, window scaling on' : 'SACK, timestamps, window scaling off';
  const lossy = shape.loss > 0 ? `, ${shape.loss * 100}% of frames lost each way on our side` : '';
  const name =
    (shape.direction === 'ours-to-linux'
      ? 'our tcp/ip/eth sends 10 MiB to a Linux listener '
      : 'a Linux client sends 10 MiB to our tcp/ip/eth ') +
    `(kernel ${options}${lossy}; ${shape.closer === 'ours' ? 'we' : 'Linux'} close first): every byte, in order, FIN each way, no RST`;
  testWhere(test, missing, name, () => {
    const capture = path.join(dir, `tcp-${i}.pcap`);
    const r = runCase<TcpResult>({ kind: 'tcp', ...shape, bytes: TRANSFER, capture, seed: 11 + i, limitMs: CASE_LIMIT_MS });
    assert.is(r.ours.error, null, 'our end finished');
    assert.is(r.linux.error, null, "the kernel's end finished without a socket error (no reset)");
    const receiver = shape.direction === 'ours-to-linux' ? r.linux : r.ours;
    assert.is(receiver.bytes, TRANSFER, 'every byte arrived');
    assert.ok(receiver.intact, 'the bytes are the ones sent, in order');
    assert.equal(r.sysctl, {
      'net.ipv4.tcp_sack': shape.kernelOptions ? '1' : '0',
      'net.ipv4.tcp_timestamps': shape.kernelOptions ? '1' : '0',
      'net.ipv4.tcp_window_scaling': shape.kernelOptions ? '1' : '0',
    });
    assert.is(r.census.out.rst + r.census.in.rst, 0, 'no RST either way');
    assert.ok(r.census.out.fin >= 1 && r.census.in.fin >= 1, 'a FIN each way');
    if (shape.closer === 'ours') {
      assert.is(r.ours.state, 'TIME_WAIT', 'we closed first: TIME_WAIT');
      assert.ok(r.linux.peerClosedFirst, 'the kernel saw our FIN first');
    } else {
      assert.is(r.ours.state, 'CLOSED', 'Linux closed first: LAST_ACK, then CLOSED');
      assert.ok(r.ours.peerClosedFirst, "the kernel's FIN came first");
    }
    if (shape.loss > 0) {
      assert.ok(r.link.lostOut > 0 && r.link.lostIn > 0, 'frames were lost both ways');
      if (shape.direction === 'ours-to-linux') assert.ok(r.ours.tcp.retransmits > 0, 'we retransmitted');
      else assert.ok(r.ours.tcp.outOfOrder > 0, 'we queued segments out of order while the kernel retransmitted');
    }
    const summary = checkCapture(capture);
    console.log(
      `  ${shape.direction}, kernel options ${shape.kernelOptions ? 'on' : 'off'}, loss ${shape.loss * 100}%, ${shape.closer} closes: ` +
        `${receiver.bytes} bytes intact at ${mbits(receiver.bytes, receiver.firstAt, receiver.lastAt)} Mbit/s; ` +
        `lost ${r.link.lostOut} out, ${r.link.lostIn} in; our retransmits ${r.ours.tcp.retransmits}, ` +
        `out of order ${r.ours.tcp.outOfOrder}; ` +
        `FIN ${r.census.out.fin}/${r.census.in.fin}, RST 0; ${summary}`,
    );
    fs.rmSync(capture, { force: true });
  });
}

testWhere(test, missing, 'a case that fails leaves no namespace behind', () => {
  const before = namespaceNames().length;
  const ns = Namespace.create('failing');
  try {
    // A case the runner cannot run (no such kind): it exits 1.
    const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, CASE_SCRIPT, '{"kind":"none"}'], {
      encoding: 'utf8',
      timeout: PROCESS_LIMIT_MS,
    });
    assert.is(r.status, 1, r.stderr);
  } finally {
    ns.remove();
  }
  assert.is(namespaceNames().length, before);
  assert.equal(
    namespaceNames().filter((n) => n.startsWith(`xkbench-${process.pid}-`)),
    [],
  );
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
