// A time of entry kept in two Int32 fields of a shared table (stacks/split-time.ts) comes back
// exactly, for every whole number of ns a double holds (below 2^53).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BufferPool } from '../stacks/message.js';
import { TIME_FIELDS, joinTime, splitSampledAt } from '../stacks/split-time.js';

test('a time split into two fields and joined is the same time', () => {
  const msg = new BufferPool(1).get();
  const fields = new Int32Array(1 + TIME_FIELDS);
  const into = new Float64Array(2);
  const times = [1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 63_997_399_449_549, 2 ** 52 + 1, 2 ** 53 - 1];
  for (const time of times) {
    msg.sampledAt = time;
    splitSampledAt(msg, fields, 1);
    joinTime(fields, 1, into, 1);
    assert.is(into[1], time, `${time}`);
    assert.is(fields[0], 0, 'nothing written before field `at`');
  }
});

test.run();
