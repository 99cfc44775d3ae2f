// plp-cost --lines (bench/shared-lines.ts): the lines a PLP packet changes in the shared block are
// the ones its protocol must write: a 4 KB write fills 64 lines of the send ring or more, and a
// received packet moves the shared sequence counter and the committed position once each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linesPerPacket } from '../bench/shared-lines.js';

function lines(result: ReturnType<typeof linesPerPacket>, region: string): number {
  return result.rows.find(([r]) => r.name === region)?.[1] ?? NaN;
}

test('sending: each 4 KB message is written into the send ring (64 lines or more), and the state changes under the lock', () => {
  const r = linesPerPacket('tcp/ip/fddi', 'send', 200);
  assert.ok(lines(r, 'measured TCB: send ring') >= 64, `${lines(r, 'measured TCB: send ring')} send-ring lines`);
  assert.ok(lines(r, 'measured TCB: fields') >= 1);
  assert.ok(r.acquisitions >= 1, `${r.acquisitions} acquisitions per packet`);
});

test('receiving: the shared sequence counter and the committed position move once a packet; the peer TCB is untouched', () => {
  const r = linesPerPacket('tcp/ip/fddi', 'recv', 200);
  assert.is(lines(r, 'shared word line: nextSeq'), 1);
  assert.is(lines(r, 'shared word line: committed'), 1);
  assert.is(lines(r, 'peer TCB: fields'), 0);
  assert.ok(lines(r, "this worker's message slots (its own)") >= 64, 'the frame is loaded into its slot');
});

test.run();
