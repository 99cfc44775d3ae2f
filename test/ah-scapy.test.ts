// Our ah(md5)/ip/eth gateway against an implementation of AH that is not ours: Scapy's IPsec
// (Debian's python3-scapy; .ci/run installs it). Scapy verifies the HMAC-MD5-96 ICVs of the tunnel
// packets we send and unwraps their inner datagrams; it builds tunnel packets that we must accept
// and unwrap; a packet with a bit flipped after its ICV was made is refused by both. The ICV covers
// the outer IP header with its mutable fields zero and its identification as sent (RFC 2402
// 3.3.3.1.1.1): a bug both of our ends shared there passed every test of ours against ourselves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FAR, KERNEL } from '../kernel/addresses.js';
import { innerDatagram, payload } from '../kernel/ipsec-case.js';
import { BufferPool, type Msg } from '../stacks/message.js';
import { DEFAULT_SPI, EXAMPLE_KEYS, Stack } from '../stacks/stack.js';
import { PROCESS_LIMIT_MS } from './time-limit.js';
import { testWhere } from './tools.js';

const SCRIPT = fileURLToPath(new URL('../../test/fixtures/scapy-ah.py', import.meta.url));
const DATAGRAMS = 24;

/** A Python with Scapy's IPsec module (Debian's python3-scapy is /usr/bin/python3's), or null. */
function scapyPython(): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import scapy.layers.ipsec'], { stdio: 'ignore', timeout: 60_000 });
    if (r.error === undefined && r.status === 0) return python;
  }
  return null;
}
const python = scapyPython();
const noScapy = python === null ? "Scapy's IPsec is not installed (Debian: apt-get install python3-scapy)" : null;

function scapy<T>(request: object): T {
  const r = spawnSync(python!, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', timeout: PROCESS_LIMIT_MS });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const association = { key: Buffer.from(EXAMPLE_KEYS.hmac).toString('hex'), spi: DEFAULT_SPI };

/** Our gateway (at FAR, its tunnel's far end the kernel's address), with what it sends and delivers. */
function gateway(): { stack: Stack; sent: string[]; delivered: string[] } {
  const stack = new Stack('ah(md5)/ip/eth', { local: FAR, remote: KERNEL, spi: DEFAULT_SPI, instance: 1 });
  const sent: string[] = [];
  const delivered: string[] = [];
  stack.attach({ transmit: (m: Msg) => sent.push(Buffer.from(m.bytes.subarray(m.head, m.tail)).toString('hex')) });
  stack.application = { pop: (m: Msg) => delivered.push(Buffer.from(m.bytes.subarray(m.head, m.tail)).toString('hex')) };
  return { stack, sent, delivered };
}

function inner(msg: Msg, n: number): string {
  innerDatagram(msg, payload('ours-to-kernel', n), 1000 + n);
  return Buffer.from(msg.bytes.subarray(msg.head, msg.tail)).toString('hex');
}

testWhere(
  test,
  noScapy,
  'Scapy verifies the ICV of every AH packet we send and unwraps its datagram; one with a flipped bit it refuses',
  () => {
    const { stack, sent } = gateway();
    const msg = new BufferPool(1).get();
    const datagrams: string[] = [];
    for (let n = 0; n <= DATAGRAMS; n++) {
      datagrams.push(inner(msg, n));
      stack.send(msg);
    }
    assert.is(sent.length, DATAGRAMS + 1);
    const last = Buffer.from(sent[DATAGRAMS]!, 'hex');
    last[last.length - 1]! ^= 0x01;
    sent[DATAGRAMS] = last.toString('hex');
    const answers = scapy<{ ok: boolean; inner?: string; error?: string }[]>({
      mode: 'verify',
      ...association,
      sender: FAR.ip,
      receiver: KERNEL.ip,
      frames: sent,
    });
    for (let n = 0; n < DATAGRAMS; n++) {
      assert.ok(answers[n]!.ok, `packet ${n}: ${answers[n]!.error}`);
      assert.is(answers[n]!.inner, datagrams[n], `packet ${n}'s inner datagram`);
    }
    assert.not.ok(answers[DATAGRAMS]!.ok, 'the flipped packet is refused');
    assert.match(answers[DATAGRAMS]!.error!, /Integrity/);
    console.log(`  Scapy accepted ${DATAGRAMS} of our AH packets and refused the flipped one (${answers[DATAGRAMS]!.error})`);
  },
);

testWhere(test, noScapy, 'we accept every AH packet Scapy makes and deliver its datagram; one with a flipped bit we refuse', () => {
  const { stack, delivered } = gateway();
  const msg = new BufferPool(1).get();
  const datagrams: string[] = [];
  for (let n = 0; n <= DATAGRAMS; n++) datagrams.push(inner(msg, n));
  const frames = scapy<string[]>({
    mode: 'make',
    ...association,
    sender: KERNEL.ip,
    receiver: FAR.ip,
    senderMac: KERNEL.mac,
    receiverMac: FAR.mac,
    datagrams,
    flip: DATAGRAMS,
  });
  const frame = new BufferPool(1).get();
  for (const hex of frames) {
    const bytes = Buffer.from(hex, 'hex');
    frame.loadFrame(bytes, 0, bytes.length, stack.linkHeaderBytes);
    stack.receive(frame);
  }
  assert.equal(delivered, datagrams.slice(0, DATAGRAMS));
  assert.equal(stack.drops.toRecord(), { 'ah-digest': 1 });
  console.log(`  we accepted ${DATAGRAMS} of Scapy's AH packets and refused the flipped one (ah-digest)`);
});

test.run();
