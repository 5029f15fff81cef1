// The conformance suite against the real Redis 7 that scripts/services (or docker compose)
// starts. Every case's streams and companion keys are deleted afterwards (cleanup); the broker
// cases restart and SIGKILL the server where scripts/services runs it.
import { Redis } from 'ioredis';
import type { Test } from 'uvu';
import { RedisChannel } from '../../src/backends/redis/index.js';
import type { Channel } from '../../src/channel.js';
import { canRestart, killService, restartService, serviceSuite, serviceUrls, startService } from '../support/services.js';
import { uniqueName, type BackendUnderTest } from './backend.js';
import { defineConformanceSuite } from './suite.js';

const test = await serviceSuite('conformance: redis', 'redis');
const url = serviceUrls.redis;
const restartable = await canRestart('redis');

/** A plain client for cleanup: fails fast, never retries a command. */
function adminClient(): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: (n) => Math.min(n * 100, 1000) });
  redis.on('error', () => {});
  return redis;
}
let admin: Redis | undefined;

async function deleteAll(name: string): Promise<void> {
  admin ??= adminClient();
  const keys = [name];
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', `${name.replace(/[*?[\]\\]/g, '\\$&')}:ps-*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  await admin.del(...keys);
}

let capabilities;
try {
  const probe = await RedisChannel.connect(url, uniqueName('redis-probe'), { connectTimeoutMs: 3000 });
  capabilities = probe.capabilities;
  await probe.close();
  await deleteAll(probe.name);
} catch {
  // Not reachable: serviceSuite has already arranged the skip (or the CI failure).
  capabilities = (await import('../../src/backends/redis/redis-capabilities.js')).redisCapabilities(16 << 20);
}

const another = (channel: Channel, options = {}) => RedisChannel.connect(url, channel.name, { ...options });

const redis: BackendUnderTest = {
  name: 'redis',
  capabilities,
  open: async (options = {}, backendOptions = {}) => RedisChannel.connect(url, uniqueName('redis'), { ...backendOptions, ...options }),
  openAnother: async (channel) => another(channel, pickShared(channel)),
  openNamed: async (name, options = {}) => RedisChannel.connect(url, name, options),
  cleanup: deleteAll,
  url: (name) => `${url.replace(/\/+$/, '')}/${name}`,
  broker: restartable
    ? {
        restart: async () => void (await restartService('redis')),
        kill: async () => void (await killService('redis')),
        start: async () => void (await startService('redis')),
      }
    : undefined,
};

/** Another handle keeps the options that shape how it consumes (deadlines, retries, dead letters). */
function pickShared(channel: Channel) {
  const o = channel.options;
  return { ackTimeoutMs: o.ackTimeoutMs, maxRetries: o.maxRetries, deadLetter: o.deadLetter, capacity: o.capacity, backpressure: o.backpressure, delivery: o.delivery, messageTtlMs: o.messageTtlMs };
}

test.after(() => {
  admin?.disconnect();
});

// serviceSuite's suite is a plain uvu suite (its type parameter is uvu's default context).
defineConformanceSuite(redis, test as unknown as Test).run();
