// The Redis backend's URL and option parsing, without a server: the URL forms connect() and
// openChannel() take, what the defaults are, what is refused, and that the password never makes
// it into what is shown.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChannelUrl } from '../../src/channel-url.js';
import { isChannelError } from '../../src/errors.js';
import { optionsFromParams, parseServerUrl, resolveRedisOptions, serverOfChannelUrl } from '../../src/backends/redis/redis-options.js';

const test = suite('redis: URLs and options');

test('server URLs: host, port (6379 by default), database from the path or ?db=, credentials, TLS', () => {
  assert.equal(parseServerUrl('redis://localhost'), { host: 'localhost', port: 6379, username: undefined, password: undefined, db: 0, tls: undefined, display: 'redis://localhost:6379/0' });
  const s = parseServerUrl('rediss://app:p%40ss@cache.example:6380/4');
  assert.equal([s.host, s.port, s.username, s.password, s.db, s.tls], ['cache.example', 6380, 'app', 'p@ss', 4, {}]);
  assert.is(s.display, 'rediss://app@cache.example:6380/4', 'shown with the user, never the password');
  assert.is(parseServerUrl('redis://h:1?db=7').db, 7);
  assert.is(parseServerUrl('redis://:onlypass@h').password, 'onlypass');
  assert.is(parseServerUrl('redis://[::1]:7000').host, '::1');
});

test('bad server URLs are InvalidConfiguration, with the password masked', () => {
  for (const [url, says] of [
    ['localhost:6379', /malformed|scheme/],
    ['http://h', /redis:\/\/ or rediss:\/\//],
    ['redis://h/jobs', /second argument/],
    ['redis://u:secret@h?x=1', /unknown parameter 'x'/],
    ['redis://h:0', /port/],
    ['redis://h/1?db=x', /database number/],
  ] as const) {
    try {
      parseServerUrl(url);
      assert.unreachable(`${url} was accepted`);
    } catch (err) {
      assert.ok(isChannelError(err, 'InvalidConfiguration'), `${url}: ${String(err)}`);
      assert.match((err as Error).message, says);
      assert.not.ok((err as Error).message.includes('secret'), 'the password is masked');
    }
  }
});

test('openChannel URLs: the path is the channel, ?db= the database; other parameters are backend options', () => {
  const { server, params } = serverOfChannelUrl(parseChannelUrl('redis://u:pw@h:6390/jobs?db=2&consumer=w1&maxLength=500'));
  assert.equal([server.host, server.port, server.db, server.username, server.password], ['h', 6390, 2, 'u', 'pw']);
  assert.equal(optionsFromParams(params, 'x'), { consumer: 'w1', maxLength: 500 });
  assert.throws(() => optionsFromParams({ maxLength: 'lots' }, 'x'), /maxLength=lots/);
  assert.throws(() => optionsFromParams({ colour: 'red' }, 'x'), /unknown parameter 'colour'/);
});

test('defaults: the stream key is the name, claims at the ack deadline (interval half of it, at most 5 s), 16 MiB messages', () => {
  const o = resolveRedisOptions({}, parseServerUrl('redis://h'), 'jobs', 30_000);
  assert.equal(
    { streamKey: o.streamKey, consumer: o.consumer, claimIdleMs: o.claimIdleMs, claimIntervalMs: o.claimIntervalMs, maxLength: o.maxLength, readCount: o.readCount, prefetch: o.prefetch, blockMs: o.blockMs, maxMessageBytes: o.maxMessageBytes },
    { streamKey: 'jobs', consumer: undefined, claimIdleMs: 30_000, claimIntervalMs: 5000, maxLength: 0, readCount: 256, prefetch: 1, blockMs: 1000, maxMessageBytes: 16 << 20 },
  );
  assert.is(resolveRedisOptions({}, parseServerUrl('redis://h'), 'jobs', 200).claimIntervalMs, 100);
  assert.is(resolveRedisOptions({}, parseServerUrl('redis://h'), 'jobs', 0).claimIdleMs, 0, 'no ack deadline: no claims unless asked for');
  const given = resolveRedisOptions({ username: 'u', password: 'pw', db: 3, tls: true }, parseServerUrl('redis://h'), 'jobs', 30_000);
  assert.equal([given.server.username, given.server.password, given.server.db, given.server.tls], ['u', 'pw', 3, {}]);
  assert.is(given.server.display, 'rediss://u@h:6379/3');
});

test('bad backend options are InvalidConfiguration naming the option', () => {
  const server = parseServerUrl('redis://h');
  for (const [options, name] of [
    [{ streamKey: '' }, 'streamKey'],
    [{ consumer: '' }, 'consumer'],
    [{ db: 1.5 }, 'db'],
    [{ claimIdleMs: -1 }, 'claimIdleMs'],
    [{ readCount: 0 }, 'readCount'],
    [{ prefetch: 1000 }, 'prefetch'],
    [{ blockMs: 0 }, 'blockMs'],
    [{ maxMessageBytes: 1 << 30 }, 'maxMessageBytes'],
    [{ tls: 'yes' }, 'tls'],
  ] as const) {
    try {
      resolveRedisOptions(options as never, server, 'jobs', 30_000);
      assert.unreachable(`${JSON.stringify(options)} was accepted`);
    } catch (err) {
      assert.ok(isChannelError(err, 'InvalidConfiguration'), String(err));
      assert.match((err as Error).message, name);
    }
  }
});

test.run();
