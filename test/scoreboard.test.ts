// The send side's sink on a lossy wire keeps a receiver's scoreboard (drivers/scoreboard.ts): rcv_nxt
// stops at the first hole, ranges beyond it merge, and the ACKs a receiver owes at once are owed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scoreboard } from '../drivers/scoreboard.js';

test("in order: rcv_nxt follows, no ACK owed at once (every second segment is the caller's)", () => {
  const b = new Scoreboard(100);
  assert.is(b.take(100, 200), false);
  assert.is(b.take(200, 300), false);
  assert.is(b.rcvNxt, 300);
});

test('a hole: later segments are kept and ACKed at once; filling it jumps rcv_nxt over them', () => {
  const b = new Scoreboard(0);
  assert.is(b.take(100, 200), true, 'out of order: a duplicate ACK at once');
  assert.is(b.take(300, 400), true);
  assert.is(b.take(200, 300), true, 'between two kept ranges: they merge');
  assert.is(b.rcvNxt, 0);
  assert.ok(b.holes);
  assert.is(b.take(0, 100), true, 'the hole filled: ACK at once');
  assert.is(b.rcvNxt, 400);
  assert.not.ok(b.holes);
});

test('a duplicate is ACKed at once and changes nothing; a segment overlapping rcv_nxt moves it', () => {
  const b = new Scoreboard(1000);
  assert.is(b.take(500, 1000), true);
  assert.is(b.rcvNxt, 1000);
  assert.is(b.take(900, 1100), false);
  assert.is(b.rcvNxt, 1100);
});

test('across 2^32', () => {
  const b = new Scoreboard(-100);
  assert.is(b.take(0, 100), true);
  assert.is(b.take(-100, 0), true);
  assert.is(b.rcvNxt, 100);
});

test.run();
