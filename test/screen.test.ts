// The packet screen: rule matching against a table of cases (first match wins, pass or block),
// the screen(N) stack spec, and the layer's counts on the traffic mix (passed + blocked + dropped
// = offered).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RuleTable, ScreenAction, type ScreenRule, benchmarkRules } from '../stacks/screen-rules.js';
import { StackSpecError, isGatewaySpec, parseStackLayers } from '../stacks/spec.js';
import { parseIpv4 } from '../stacks/wire/address.js';
import { IP_PROTO_TCP, IP_PROTO_UDP } from '../stacks/wire/ipv4.js';
import { TcpFlag } from '../stacks/wire/tcp.js';
import { GatewayWorkload } from '../drivers/gateway.js';
import { MIX_FRAMES } from '../drivers/traffic-mix.js';

const rules: ScreenRule[] = [
  /* 0 */ { action: 'block', from: '192.0.2.7', to: 'any', proto: 'any' },
  /* 1 */ {
    action: 'pass',
    from: 'any',
    to: '172.16.5.0/24',
    proto: 'tcp',
    toPorts: [22, 22],
    flags: { set: TcpFlag.SYN, mask: TcpFlag.SYN | TcpFlag.ACK },
  },
  /* 2 */ { action: 'block', from: 'any', to: '172.16.0.0/16', proto: 'tcp', toPorts: [1, 1023] },
  /* 3 */ { action: 'block', from: '10.1.0.0/16', to: 'any', proto: 'udp', fromPorts: [137, 139] },
  /* 4 */ { action: 'pass', from: '10.0.0.0/8', to: 'any', proto: 'udp', toPorts: [53, 53] },
  /* 5 */ { action: 'block', from: 'any', to: '172.16.9.9', proto: 'any' },
];
const table = new RuleTable(rules);
const A = (t: string) => parseIpv4(t);
const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;

// [what, src, dst, protocol, srcPort, dstPort, flags, first matching rule (-1 none), action]
const cases: [string, string, string, number, number, number, number, number, ScreenAction][] = [
  ['a blocked host, any protocol', '192.0.2.7', '172.16.5.1', 1, 0, 0, -1, 0, ScreenAction.Block],
  ['the host next to it', '192.0.2.8', '8.8.8.8', IP_PROTO_UDP, 1000, 2000, -1, -1, ScreenAction.Pass],
  [
    'ssh SYN into 172.16.5/24: rule 1 passes before rule 2 blocks',
    '10.1.1.1',
    '172.16.5.9',
    IP_PROTO_TCP,
    40000,
    22,
    SYN,
    1,
    ScreenAction.Pass,
  ],
  ['ssh SYN+ACK is not flags S/SA: rule 2 blocks', '10.1.1.1', '172.16.5.9', IP_PROTO_TCP, 40000, 22, SYN | ACK, 2, ScreenAction.Block],
  ['ssh SYN to another net: rule 2', '10.1.1.1', '172.16.6.9', IP_PROTO_TCP, 40000, 22, SYN, 2, ScreenAction.Block],
  ['tcp port 1024 is above the range', '10.1.1.1', '172.16.6.9', IP_PROTO_TCP, 40000, 1024, ACK, -1, ScreenAction.Pass],
  ["tcp port 1 is the range's low end", '10.1.1.1', '172.16.6.9', IP_PROTO_TCP, 40000, 1, ACK, 2, ScreenAction.Block],
  ['udp from NetBIOS ports inside 10.1/16', '10.1.200.3', '8.8.8.8', IP_PROTO_UDP, 138, 53, -1, 3, ScreenAction.Block],
  ['udp from port 140: DNS rule 4 passes', '10.1.200.3', '8.8.8.8', IP_PROTO_UDP, 140, 53, -1, 4, ScreenAction.Pass],
  [
    'udp DNS from outside 10/8: no pass rule; rule 5 is another host',
    '11.0.0.1',
    '8.8.8.8',
    IP_PROTO_UDP,
    140,
    53,
    -1,
    -1,
    ScreenAction.Pass,
  ],
  ['a port rule never matches ICMP', '10.1.200.3', '172.16.5.1', 1, 0, 0, -1, -1, ScreenAction.Pass],
  ['any protocol to 172.16.9.9', '10.9.9.9', '172.16.9.9', 1, 0, 0, -1, 5, ScreenAction.Block],
  ['tcp to 172.16.9.9 port 80: rule 2 comes first', '10.9.9.9', '172.16.9.9', IP_PROTO_TCP, 5555, 80, ACK, 2, ScreenAction.Block],
  ['address with the top bit set (172.x) compares unsigned', '200.1.1.1', '172.16.9.9', IP_PROTO_UDP, 1, 2, -1, 5, ScreenAction.Block],
];

test('rule matching: first match wins, a table of cases', () => {
  for (const [what, src, dst, protocol, sp, dp, flags, first, action] of cases) {
    assert.is(table.firstMatch(A(src), A(dst), protocol, sp, dp, flags), first, what);
    assert.is(table.decide(A(src), A(dst), protocol, sp, dp, flags), action, what);
  }
});

test('bad rules are refused at set-up', () => {
  assert.throws(() => new RuleTable([{ action: 'block', from: '10.1.0.1/16', to: 'any', proto: 'any' }]), /host bits/);
  assert.throws(() => new RuleTable([{ action: 'block', from: 'any', to: 'any', proto: 'tcp', toPorts: [100, 10] }]), /port range/);
  assert.throws(
    () => new RuleTable([{ action: 'block', from: 'any', to: 'any', proto: 'tcp', flags: { set: SYN, mask: ACK } }]),
    /outside their mask/,
  );
});

test('screen(N) specs: N rules from the benchmark set, errors name the form', () => {
  assert.equal(parseStackLayers('screen(100)/ip/eth'), [{ name: 'screen', rules: 100 }, { name: 'ip' }, { name: 'eth' }]);
  assert.ok(isGatewaySpec('screen(0)/ip/fddi'));
  assert.not.ok(isGatewaySpec('tcp/ip/fddi'));
  for (const bad of ['screen/ip/eth', 'screen(x)/ip/eth', 'screen(10001)/ip/eth', 'tcp(3)/ip/eth', 'screen(10)/tcp/ip/eth']) {
    assert.throws(
      () => parseStackLayers(bad),
      (err: unknown) => err instanceof StackSpecError,
      bad,
    );
  }
  assert.throws(() => parseStackLayers('screen/ip/eth'), /'screen' needs its setting .* screen\(N\)/);
  for (const n of [0, 1, 10, 100]) assert.is(benchmarkRules(n).length, n);
});

test('the screen on the traffic mix: passed + blocked + dropped = offered; more rules, same decisions', () => {
  const counts = [10, 100].map((n) => {
    const w = new GatewayWorkload({ spec: `screen(${n})/ip/eth`, side: 'recv', packetSize: 0, crypto: 'cryptojs', seed: 5, verify: false });
    w.run(2 * MIX_FRAMES);
    assert.is(w.conservation(), null);
    const c = w.gatewayCounters();
    assert.is(c.seen, 2 * MIX_FRAMES);
    assert.is(c.kept, c.seen);
    assert.ok(c.blocked > 0 && c.passed > c.blocked, `${n} rules: passed ${c.passed}, blocked ${c.blocked}`);
    assert.equal(w.counters().drops, {});
    return c;
  });
  // The last rule (block udp 5000-5009) decides the same packets at 10 and 100 rules; the ssh pass
  // rules only let through what would pass anyway.
  assert.is(counts[0]!.blocked, counts[1]!.blocked);
  const open = new GatewayWorkload({ spec: 'screen(0)/ip/eth', side: 'recv', packetSize: 0, crypto: 'cryptojs', seed: 5, verify: false });
  open.run(MIX_FRAMES);
  assert.is(open.gatewayCounters().passed, MIX_FRAMES, 'no rule: everything passes');
});

test.run();
