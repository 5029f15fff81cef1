// Smoke test: the Redis that `scripts/services up` (or docker compose) starts answers through the
// real ioredis client, and Streams work on it — the data structure the Redis backend is built on.
import { Redis } from 'ioredis';
import * as assert from 'uvu/assert';
import {
  canRestart,
  killService,
  restartService,
  serviceSuite,
  serviceUrls,
  startService,
  uniqueName,
  within,
} from '../support/services.js';

const test = await serviceSuite('redis smoke', 'redis');
// Restarting the server is only possible (and only proves something) when scripts/services runs it.
const managed = await canRestart('redis');

/** A client that fails fast instead of retrying forever when the server is missing. */
function connectRedis(): Redis {
  const redis = new Redis(serviceUrls.redis, {
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // Connection errors reach the test through the rejected command; without a listener ioredis
  // would also print each one as an "unhandled error event".
  redis.on('error', () => {});
  return redis;
}

test('XADD one entry, then XRANGE and XREAD return it unchanged', async () => {
  const redis = connectRedis();
  const key = uniqueName('smoke:redis');
  try {
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    const id = await within(5000, 'XADD', redis.xadd(key, '*', 'payload', payload, 'kind', 'smoke'));
    assert.ok(id && /^\d+-\d+$/.test(id), `XADD returned an entry id, got ${id}`);

    const range = await within(5000, 'XRANGE', redis.xrangeBuffer(key, '-', '+'));
    assert.is(range.length, 1);
    const [rangeId, fields] = range[0]!;
    assert.is(rangeId.toString(), id);
    assert.equal(fields.map((f) => f.toString('hex')), [
      Buffer.from('payload').toString('hex'),
      payload.toString('hex'),
      Buffer.from('kind').toString('hex'),
      Buffer.from('smoke').toString('hex'),
    ]);

    // XREAD from the beginning sees the same single entry; Buffer replies keep binary bytes exact.
    const read = await within(5000, 'XREAD', redis.xreadBuffer('COUNT', 10, 'STREAMS', key, '0'));
    assert.ok(read, 'XREAD returned something');
    const [streamKey, entries] = read[0]!;
    assert.is(streamKey.toString(), key);
    assert.is(entries.length, 1);
    assert.is(entries[0]![0].toString(), id);
    assert.ok(entries[0]![1][1]!.equals(payload), 'XREAD returned the payload bytes unchanged');
  } finally {
    await redis.del(key).catch(() => 0);
    redis.disconnect();
  }
});

test('the server is Redis 7 or newer with append-only persistence on', async () => {
  const redis = connectRedis();
  try {
    const info = await within(5000, 'INFO', redis.info('server'));
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1]);
    assert.ok(major >= 7, `redis_version major is ${major}`);
    const [, appendonly] = (await within(5000, 'CONFIG GET', redis.config('GET', 'appendonly'))) as string[];
    assert.is(appendonly, 'yes', 'appendonly must be on so a restarted server keeps what it acknowledged');
  } finally {
    redis.disconnect();
  }
});

// Last in the file: it takes the server away for a moment.
const durable = managed ? test : test.skip;
durable('acknowledged entries survive a crash (SIGKILL) and a graceful restart', async () => {
  const key = uniqueName('smoke:redis:durable');
  let redis = connectRedis();
  try {
    const first = await within(5000, 'XADD before the crash', redis.xadd(key, '*', 'n', '1'));
    redis.disconnect();
    await killService('redis');
    await startService('redis');

    redis = connectRedis();
    const afterCrash = await within(5000, 'XRANGE after the crash', redis.xrange(key, '-', '+'));
    assert.equal(afterCrash, [[first, ['n', '1']]], 'the entry acknowledged before SIGKILL is still there');
    const second = await within(5000, 'XADD before the restart', redis.xadd(key, '*', 'n', '2'));
    redis.disconnect();
    await restartService('redis');

    redis = connectRedis();
    const afterRestart = await within(5000, 'XRANGE after the restart', redis.xrange(key, '-', '+'));
    assert.equal(afterRestart, [
      [first, ['n', '1']],
      [second, ['n', '2']],
    ]);
  } finally {
    await redis.del(key).catch(() => 0);
    redis.disconnect();
  }
});

test.run();
