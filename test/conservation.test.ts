// Conservation at the end of a run: every message offered is delivered or dropped with a reason,
// and both TCP ends agree on what was sent and acknowledged. Holds for every paper stack on both
// sides; a count that does not add up is reported, naming what is off.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWorkload } from '../drivers/workload.js';
import { sharedAccountProblem, type Side } from '../drivers/workload-contract.js';
import { Tcb } from '../stacks/layers/tcp/control-block.js';
import { PAPER_STACKS } from '../stacks/spec.js';

for (const spec of [...PAPER_STACKS, 'udp/ip/eth']) {
  for (const side of ['send', 'recv'] as Side[]) {
    test(`${spec} ${side}: conservation holds after a run`, () => {
      const w = createWorkload({ spec, side, packetSize: 1024, crypto: 'cryptojs', seed: 5, verify: false, connection: 0 });
      w.run(spec.includes('des') ? 40 : 3000);
      assert.is(w.conservation(), null);
    });
  }
}

test('a message unaccounted for, or TCP ends that disagree, is reported', () => {
  const recv = createWorkload({
    spec: 'tcp/ip/fddi',
    side: 'recv',
    packetSize: 1024,
    crypto: 'cryptojs',
    seed: 5,
    verify: false,
    connection: 0,
  });
  recv.run(100);
  (recv as unknown as { frames: number }).frames++; // one frame offered that nobody accounts for
  assert.match(recv.conservation()!, /101 frames offered, but 100 delivered \+ 0 dropped \+ 0 queued = 100/);

  const send = createWorkload({
    spec: 'tcp/ip/fddi',
    side: 'send',
    packetSize: 1024,
    crypto: 'cryptojs',
    seed: 5,
    verify: false,
    connection: 0,
  });
  send.run(100);
  assert.is(send.conservation(), null);
  const peer = (send as unknown as { peer: { tcb: { f: Int32Array } } }).peer;
  peer.tcb!.f[Tcb.rcvNxt] = (peer.tcb!.f[Tcb.rcvNxt]! + 1024) | 0; // the receiver claims more than the sender saw acknowledged
  assert.match(send.conservation()!, /1024 bytes acknowledged but not taken/);
});

test('PLP: counts of several workers add up as a whole (one may deliver what another offered)', () => {
  const a = { offered: 100, delivered: 60, dropped: 2, queued: 3 };
  const b = { offered: 80, delivered: 115, dropped: 0, queued: 0 };
  assert.is(sharedAccountProblem([a, b]), null);
  assert.is(sharedAccountProblem([]), null);
  assert.match(
    sharedAccountProblem([a, { ...b, delivered: 114 }])!,
    /180 frames offered by 2 workers, but 174 delivered \+ 2 dropped \+ 3 queued = 179/,
  );
});

test.run();
