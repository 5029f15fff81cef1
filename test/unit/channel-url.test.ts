import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChannelUrl } from '../../src/channel-url.js';
import { openChannel } from '../../src/open.js';
import { ChannelError } from '../../src/errors.js';

const test = suite('channel URLs');

test('memory:NAME', () => {
  const u = parseChannelUrl('memory:jobs');
  assert.is(u.scheme, 'memory');
  assert.is(u.name, 'jobs');
  assert.equal(u.hosts, []);
});

test('redis with credentials, default port and TLS variant; the password is masked for display', () => {
  const u = parseChannelUrl('rediss://app:s3cret@cache.local/orders?group=billing');
  assert.is(u.scheme, 'redis');
  assert.ok(u.tls);
  assert.equal(u.hosts, ['cache.local:6379']);
  assert.is(u.username, 'app');
  assert.is(u.password, 's3cret');
  assert.is(u.params.group, 'billing');
  assert.not.match(u.display, 's3cret');
});

test('kafka keeps every broker (the original kept only the last)', () => {
  const u = parseChannelUrl('kafka://k1:9092,k2:19092,k3/events');
  assert.equal(u.hosts, ['k1:9092', 'k2:19092', 'k3:9092']);
  assert.is(u.name, 'events');
});

test('nats with the JetStream switch', () => {
  const u = parseChannelUrl('nats://127.0.0.1:4222/orders.created?jetstream=true');
  assert.is(u.scheme, 'nats');
  assert.is(u.params.jetstream, 'true');
  assert.is(u.name, 'orders.created');
});

test('nats over TLS with credentials: tls:// is the secure NATS form and keeps user and password (the original ignored both)', () => {
  const u = parseChannelUrl('tls://user:pw@nats.example:4443/orders');
  assert.is(u.scheme, 'nats');
  assert.ok(u.tls);
  assert.equal(u.hosts, ['nats.example:4443']);
  assert.is(u.username, 'user');
  assert.is(u.password, 'pw');
  assert.is(u.name, 'orders');
  assert.not.match(u.display, ':pw@');
  const plain = parseChannelUrl('nats://nats.example/orders');
  assert.not.ok(plain.tls, 'nats:// is not TLS');
  assert.is(plain.username, undefined);
  assert.equal(plain.hosts, ['nats.example:4222'], 'the default NATS port');
});

test('nats takes a server list, like kafka', () => {
  assert.equal(parseChannelUrl('nats://n1:4222,n2:4223/s').hosts, ['n1:4222', 'n2:4223']);
});

test('malformed and unknown URLs are InvalidConfiguration naming the accepted forms', () => {
  for (const bad of ['', 'jobs', 'amqp://h/q', 'memory:', 'redis://host:99999/x', 'redis://host', 'redis://a,b/x', 'kafka:///t', 'memory:bad name']) {
    try {
      parseChannelUrl(bad);
      assert.unreachable(`${bad} was accepted`);
    } catch (err) {
      assert.instance(err, ChannelError);
      assert.is((err as ChannelError).code, 'InvalidConfiguration', bad);
      assert.match((err as Error).message, 'accepted forms');
    }
  }
});

test('openChannel rejects a bad URL with a typed error before loading any backend', async () => {
  try {
    await openChannel('ftp://x/y');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChannelError).code, 'InvalidConfiguration');
  }
});

test.run();
