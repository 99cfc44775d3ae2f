import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PAPER_STACKS, StackSpecError, parseStackSpec, stackShape } from '../stacks/spec.js';
import { Stack, endpointPair } from '../stacks/stack.js';

test('the paper stacks and other sensible compositions parse, top first', () => {
  assert.equal(parseStackSpec('des/tcp/md5/ip/fddi'), ['des', 'tcp', 'md5', 'ip', 'fddi']);
  for (const spec of [...PAPER_STACKS, ...PAPER_STACKS.map((s) => s.replace('fddi', 'eth'))]) parseStackSpec(spec);
  for (const spec of ['udp/ip/fddi', 'udp/md5/ip/eth', 'des/udp/ip/eth', '3des/udp/md5/ip/fddi', 'des/tcp/ip/eth', ' TCP/IP/FDDI ']) {
    parseStackSpec(spec);
  }
});

function specError(spec: string): StackSpecError {
  try {
    parseStackSpec(spec);
  } catch (err) {
    assert.instance(err, StackSpecError);
    return err as StackSpecError;
  }
  throw new Error(`'${spec}' was accepted`);
}

test('an unknown layer is named with what may stand in its place', () => {
  const err = specError('tcp/foo/ip/fddi');
  assert.is(err.layer, 'foo');
  assert.equal(err.allowed, ['md5', 'sha1', 'sha256', 'ip']);
  assert.match(err.message, /unknown layer 'foo' at position 2/);
  assert.match(err.message, /below tcp may stand md5, sha1, sha256 or ip/);
});

test('ip/tcp/fddi: the wrong layer on top is named, with the allowed tops', () => {
  const err = specError('ip/tcp/fddi');
  assert.is(err.layer, 'ip');
  assert.equal(err.allowed, ['des', '3des', 'aes128', 'aes256', 'aes128gcm', 'chacha20poly1305', 'tcp', 'udp', 'screen', 'esp', 'ah']);
  assert.match(err.message, /'ip' cannot stand as the top layer/);
});

test('a layer in the wrong order below another is named', () => {
  const err = specError('tcp/ip/md5/fddi');
  assert.is(err.layer, 'md5');
  assert.equal(err.allowed, ['fddi', 'eth']);
  assert.match(err.message, /'md5' cannot stand below ip .*fddi or eth/);
  assert.is(specError('des/md5/ip/fddi').layer, 'md5');
});

test('no link layer: the spec ends too early', () => {
  const err = specError('tcp/ip');
  assert.is(err.layer, 'ip');
  assert.equal(err.allowed, ['fddi', 'eth']);
  assert.match(err.message, /without a link layer/);
});

test('two link layers: nothing may stand below a link layer', () => {
  const err = specError('tcp/ip/fddi/eth');
  assert.is(err.layer, 'eth');
  assert.equal(err.allowed, []);
  assert.match(err.message, /fddi is a link layer, the bottom of a stack/);
});

test('empty specs and empty layer names', () => {
  assert.match(specError('').message, /empty stack spec/);
  assert.match(specError('tcp//ip/fddi').message, /an empty layer name at position 2/);
});

test('building a stack from a bad spec throws the same error', () => {
  const [options] = endpointPair();
  assert.throws(
    () => new Stack('tcp/ip/token-ring', options),
    (err: unknown) => err instanceof StackSpecError && err.layer === 'token-ring',
  );
});

test('a spec is parsed once into its shape: link, transport, gateway, IPsec, primitives (dominant first)', () => {
  const shape = stackShape('3des/tcp/md5/ip/fddi');
  assert.is(stackShape('3des/tcp/md5/ip/fddi'), shape, 'the same value the second time: parsed once');
  assert.equal(
    { link: shape.link, transport: shape.transport, gateway: shape.gateway, ipsec: shape.ipsec, screen: shape.screen },
    { link: 'fddi', transport: 'tcp', gateway: false, ipsec: false, screen: false },
  );
  assert.equal(shape.primitives, ['3des', 'md5']);
  assert.equal(
    shape.layers.map((l) => l.name),
    ['3des', 'tcp', 'md5', 'ip', 'fddi'],
  );
  const esp = stackShape('esp(des,md5)/ip/eth');
  assert.equal([esp.link, esp.transport, esp.gateway, esp.ipsec, esp.screen], ['eth', null, true, true, false]);
  assert.equal(esp.primitives, ['des', 'md5'], "a gateway's transforms are its primitives (the legacy-DES check reads them)");
  const screen = stackShape('screen(100)/ip/eth');
  assert.equal([screen.gateway, screen.ipsec, screen.screen, screen.primitives.length], [true, false, true, 0]);
  assert.is(stackShape('udp/ip/eth').transport, 'udp');
  assert.throws(
    () => stackShape('ip/tcp/fddi'),
    (err: unknown) => err instanceof StackSpecError,
  );
});

test.run();
