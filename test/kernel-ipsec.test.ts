// Our IPsec gateway against the Linux kernel's xfrm, one tunnel per transform: ah(md5) (HMAC-MD5-96),
// ah(sha256) and esp(aes128,sha256) (cbc(aes), hmac(sha256) truncated to 128 bits) and
// esp(aes128gcm) (rfc4106(gcm(aes))). Each way, datagrams through the tunnel arrive whole (a UDP
// socket behind the kernel receives ours), and a packet with a bit flipped after its ICV was made
// is refused by both, as the kernel's xfrm statistics and our drop counts show. Run against this
// machine's kernel where it takes such SAs; where it does not (built without CONFIG_INET_AH or
// CONFIG_INET_ESP), against Debian's kernel in one VM for all (kernel/vm.ts; .ci/run installs
// linux-image-amd64, qemu-system-x86 and busybox-static).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type IpsecCase, type IpsecResult, KERNEL_TRANSFORMS, xfrmAlgorithms, xfrmProto } from '../kernel/ipsec-case.js';
import { kernelIpsecProblem, kernelPeerProblem } from '../kernel/netns.js';
import { vmProblem } from '../kernel/vm.js';
import { runCase, runCasesInVm } from './kernel-case.js';
import { findTool, testWhere } from './tools.js';
import { dissect } from './tshark.js';

const DATAGRAMS = 64;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xkbench-kernel-ipsec-'));
const tshark = findTool('tshark');
const onHost =
  kernelPeerProblem() ?? kernelIpsecProblem(KERNEL_TRANSFORMS.map((t) => ({ proto: xfrmProto(t), algorithms: xfrmAlgorithms(t) })));
const inVm = onHost === null ? null : vmProblem();
const missing = onHost === null || inVm === null ? null : `${onHost}, and no VM can stand in: ${inVm}`;
const where = onHost === null ? "this machine's kernel" : `Debian's kernel in a VM, since ${onHost}`;

const cases: IpsecCase[] = KERNEL_TRANSFORMS.map((transform, i) => ({
  kind: 'ipsec',
  transform,
  datagrams: DATAGRAMS,
  capture: path.join(dir, `ipsec-${i}.pcap`),
  seed: 5 + i,
  limitMs: 120_000,
}));
/** The results, made once: in one VM for all when this kernel cannot. */
let results: Promise<IpsecResult[]> | null = null;
function resultsOnce(): Promise<IpsecResult[]> {
  results ??= onHost === null ? Promise.resolve(cases.map((c) => runCase<IpsecResult>(c))) : runCasesInVm<IpsecResult>(cases, dir);
  return results;
}

/**
 * tshark reads the capture: every frame eth:ip:<ah or esp>, no malformed frame, every IP checksum
 * good; under AH, whose inner datagrams tshark reads, every UDP checksum good but in the two
 * packets flipped on purpose (their last byte is the inner datagram's).
 */
function checkCapture(file: string, proto: 'ah' | 'esp'): string {
  if (tshark === null) return 'no tshark here: capture not dissected';
  const frames = dissect(tshark, file, 'udp');
  let bad = 0;
  const chain = proto === 'ah' ? /^eth:ethertype:ip:ah:ip:udp:data$/ : /^eth:ethertype:ip:esp$/;
  for (const frame of frames) {
    assert.match(frame.protocols, chain, frame.line);
    assert.ok(
      frame.ipChecksum.split(',').every((s) => s === '1'),
      `IP checksums good: ${frame.line}`,
    );
    assert.is(frame.malformed, '', `not malformed: ${frame.line}`);
    if (proto === 'ah' && frame.transportChecksum !== '1') bad++;
  }
  assert.is(frames.length, 2 * DATAGRAMS + 2);
  if (proto === 'ah') assert.is(bad, 2, 'the two flipped packets, and only they, carry a bad inner UDP checksum');
  const chainName = proto === 'ah' ? 'eth:ethertype:ip:ah:ip:udp:data' : 'eth:ethertype:ip:esp';
  return `tshark: ${frames.length} frames ${chainName}, IP checksums good in all`;
}

KERNEL_TRANSFORMS.forEach((transform, i) => {
  testWhere(
    test,
    missing,
    `${transform}/ip/eth against the kernel's xfrm (${xfrmAlgorithms(transform)
      .filter((a) => a.includes('('))
      .join(', ')}): ` + `${DATAGRAMS} datagrams each way arrive whole; a packet with a flipped bit is refused by both`,
    async () => {
      const r = (await resultsOnce())[i]!;
      const proto = xfrmProto(transform);
      assert.is(r.transform, transform);
      assert.is(r.kernelReceived, DATAGRAMS, "the kernel's socket received our datagrams, and not the corrupted one");
      assert.is(r.kernelIntact, DATAGRAMS);
      assert.not.ok(r.kernelTookCorrupted);
      assert.is(r.oursReceived, DATAGRAMS, "we delivered the kernel's datagrams, and not the corrupted one");
      assert.is(r.oursIntact, DATAGRAMS);
      assert.not.ok(r.oursTookCorrupted);
      assert.equal(r.ourDrops, { [proto === 'ah' ? 'ah-digest' : 'esp-icv']: 1 });
      // A packet whose ICV does not match fails its state's input: XfrmInStateProtoError, and the SA's "failed".
      const failed = (r.xfrmStatAfter.XfrmInStateProtoError ?? 0) - (r.xfrmStatBefore.XfrmInStateProtoError ?? 0);
      assert.is(failed, 1, `the kernel refused one packet: ${JSON.stringify(r.xfrmStatAfter)}`);
      assert.match(r.xfrmState, /replay-window 0 replay 0 failed 1/);
      const summary = checkCapture(cases[i]!.capture!, proto);
      const stats = r.xfrmState.match(/stats:\s+replay-window \d+ replay \d+ failed \d+/g) ?? [];
      console.log(
        `  ${transform} against ${where}: xfrm_stat ${JSON.stringify(r.xfrmStatAfter)}; per SA ${stats.map((x) => x.replace(/\s+/g, ' ')).join(' | ')}; ${summary}`,
      );
    },
  );
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
