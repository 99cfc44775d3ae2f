// ah(md5)/ip/eth against the Linux kernel's xfrm AH tunnel (hmac(md5), 96-bit ICV): datagrams each
// way through the tunnel arrive whole (a UDP socket behind the kernel receives ours), and a packet
// with a bit flipped after its ICV was computed is refused by both, as the kernel's xfrm
// statistics and our drop counts show. Run against this machine's kernel where it takes an AH
// security association; where it does not (built without CONFIG_INET_AH), against Debian's kernel
// in a VM (kernel/vm.ts; .ci/run installs linux-image-amd64, qemu-system-x86 and busybox-static).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AhCase, AhResult } from '../kernel/ah-case.js';
import { kernelAhProblem, kernelPeerProblem } from '../kernel/netns.js';
import { vmProblem } from '../kernel/vm.js';
import { runCase, runCaseInVm } from './kernel-case.js';
import { findTool, testWhere } from './tools.js';
import { dissect } from './tshark.js';

const DATAGRAMS = 64;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-kernel-ah-'));
const tshark = findTool('tshark');
const peer = kernelPeerProblem();
const onHost = peer ?? kernelAhProblem();
const inVm = onHost === null ? null : vmProblem();
const missing = onHost === null || inVm === null ? null : `${onHost}, and no VM can stand in: ${inVm}`;

/**
 * tshark reads the capture: every frame eth:ip:ah:ip:udp, no malformed frame, every IP checksum
 * good, and every UDP checksum good but the two packets flipped on purpose (their last byte is the
 * inner datagram's: tshark sees its UDP checksum fail, as it should).
 */
function checkCapture(file: string): string {
  if (tshark === null) return 'no tshark here: capture not dissected';
  const frames = dissect(tshark, file, 'udp');
  let bad = 0;
  for (const frame of frames) {
    assert.match(frame.protocols, /^eth:ethertype:ip:ah:ip:udp:data$/, frame.line);
    assert.ok(
      frame.ipChecksum.split(',').every((s) => s === '1'),
      `IP checksums good: ${frame.line}`,
    );
    assert.is(frame.malformed, '', `not malformed: ${frame.line}`);
    if (frame.transportChecksum !== '1') bad++;
  }
  assert.is(frames.length, 2 * DATAGRAMS + 2);
  assert.is(bad, 2, 'the two flipped packets, and only they, carry a bad inner UDP checksum');
  return `tshark: ${frames.length} frames eth:ethertype:ip:ah:ip:udp:data, IP checksums good in all, UDP good but in the 2 flipped`;
}

testWhere(
  test,
  missing,
  `ah(md5)/ip/eth against the kernel's xfrm AH tunnel (hmac(md5), 96-bit ICV): ${DATAGRAMS} datagrams each way arrive whole; ` +
    'a packet with a flipped bit is refused by both',
  async () => {
    const capture = path.join(dir, 'ah.pcap');
    const c: AhCase = { kind: 'ah', datagrams: DATAGRAMS, capture, seed: 5, limitMs: 120_000 };
    const where = onHost === null ? "this machine's kernel" : `a VM (${onHost})`;
    const r = onHost === null ? runCase<AhResult>(c) : await runCaseInVm<AhResult>(c, dir);
    assert.is(r.kernelReceived, DATAGRAMS, "the kernel's socket received our datagrams, and not the corrupted one");
    assert.is(r.kernelIntact, DATAGRAMS);
    assert.not.ok(r.kernelTookCorrupted);
    assert.is(r.oursReceived, DATAGRAMS, "we delivered the kernel's datagrams, and not the corrupted one");
    assert.is(r.oursIntact, DATAGRAMS);
    assert.not.ok(r.oursTookCorrupted);
    assert.equal(r.ourDrops, { 'ah-digest': 1 });
    // An AH packet whose ICV does not match fails its state's input: XfrmInStateProtoError, and the SA's "failed".
    const failed = (r.xfrmStatAfter.XfrmInStateProtoError ?? 0) - (r.xfrmStatBefore.XfrmInStateProtoError ?? 0);
    assert.is(failed, 1, `the kernel refused one packet: ${JSON.stringify(r.xfrmStatAfter)}`);
    assert.match(r.xfrmState, /replay-window 0 replay 0 failed 1/);
    const summary = checkCapture(capture);
    console.log(`  AH against ${where}: xfrm_stat after ${JSON.stringify(r.xfrmStatAfter)}; ${summary}\n${r.xfrmState}`);
  },
);

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
