// Every summary row has a name of its own: github-action-benchmark.json and --compare key on it,
// so two configurations under one name would mix two series. The rows are those the runner makes
// for every kind of sweep: modes, lock scopes, CLP policies, connections, dispatch policies and
// units, hash fields, IPsec frame sizes, providers and packet sizes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOptions } from '../bench/options.js';
import { configFields, configurations } from '../bench/plan.js';
import { rowLabel } from '../results/compare.js';
import { configKey } from '../results/rows.js';

const SWEEPS = [
  [
    '--stacks',
    'tcp/ip/fddi,tcp/md5/ip/fddi,des/tcp/md5/ip/fddi,3des/tcp/md5/ip/fddi,udp/ip/fddi',
    '--mode',
    'single,plp,clp',
    '--lock',
    'state,segment,ticket',
    '--workers',
    '1,2,4',
    '--connections',
    '4,12,24',
    '--crypto',
    'cryptojs,node',
  ],
  [
    '--stacks',
    'tcp/ip/fddi,tcp/md5/ip/eth',
    '--mode',
    'clp',
    '--clp',
    'thread-per-connection',
    '--connections',
    '12,24',
    '--packet-size',
    '1024',
  ],
  ['--stacks', 'tcp/ip/fddi', '--mode', 'plp,clp', '--packet-size', '512', '--workers', '1,2'],
  [
    '--stacks',
    'screen(0)/ip/eth,screen(100)/ip/eth,esp(3des,md5)/ip/eth,esp(des,md5)/ip/fddi,ah(md5)/ip/eth',
    '--dispatch',
    'shared,flat-hash,rr,sqf',
    '--dispatch-unit',
    'packet,session',
    '--crypto',
    'cryptojs,node',
    '--workers',
    '1,2',
  ],
  ['--stacks', 'screen(10)/ip/eth,esp(3des,md5)/ip/eth', '--dispatch', 'flat-hash', '--hash-field', 'ident', '--frame-sizes', '256,1446'],
];

test('every kind of row the runner makes has a name no other row has', () => {
  const byLabel = new Map<string, string>();
  let rows = 0;
  for (const args of SWEEPS) {
    const config = parseOptions(args);
    for (const c of configurations(config)) {
      const fields = configFields(c, config.packetSize);
      const label = rowLabel(fields);
      const key = configKey(fields);
      const other = byLabel.get(label);
      assert.ok(other === undefined || other === key, `'${label}' names two configurations: ${other} and ${key}`);
      byLabel.set(label, key);
      rows++;
    }
  }
  assert.ok(rows > 500, `${rows} rows built`);
  assert.is(new Set(byLabel.values()).size, byLabel.size, 'one name per configuration');
});

test('names people read: the dispatch policy, lock scope, connections and sizes show when they are not the usual', () => {
  const label = (args: string[]) => configurations(parseOptions(args)).map((c) => rowLabel(configFields(c, 4096)));
  assert.ok(
    label(['--stacks', 'screen(10)/ip/eth', '--dispatch', 'flat-hash,rr', '--workers', '2'])
      .join('\n')
      .includes('screen(10)/ip/eth recv plp rr ×2 mix [cryptojs]'),
  );
  assert.ok(
    label(['--stacks', 'tcp/ip/fddi', '--mode', 'plp', '--tcp-lock-scope', 'segment', '--workers', '2', '--side', 'send']).includes(
      'tcp/ip/fddi send plp (segment lock) ×2 [cryptojs]',
    ),
  );
  assert.ok(
    label(['--stacks', 'tcp/ip/fddi', '--mode', 'clp', '--workers', '2', '--side', 'send']).includes(
      'tcp/ip/fddi send clp ×2 12 conns [cryptojs]',
    ),
  );
});

test.run();
