// What the Redis cases share: the server (REDIS_URL, default redis://localhost:6379) or a skip
// when it does not answer, a raw ioredis client for the peers, fresh stream names and their
// deletion, and the plans every peer and the case compared with it run by.
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { RedisChannel } from '../../src/backends/redis/index.js';
import { CaseSkipped, type RunContext } from './types.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://localhost:6379';

/** Throws CaseSkipped unless something answers on the Redis port within a second. */
export async function requireRedis(): Promise<void> {
  const u = new URL(REDIS_URL);
  const ok = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: u.hostname || 'localhost', port: Number(u.port) || 6379 });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (!ok) throw new CaseSkipped(`Redis is not reachable at ${REDIS_URL}; start it with scripts/services up redis`);
}

/** A raw ioredis client, as a peer would use it. */
export function rawClient(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  return redis;
}

export function openRedisChannel(name: string, options: Parameters<typeof RedisChannel.connect>[2] = {}): Promise<RedisChannel> {
  return RedisChannel.connect(REDIS_URL, name, options);
}

let streams = 0;
/** A stream name of this run. */
export function benchStream(what: string): string {
  return `bench-${what}-${process.pid}-${++streams}`;
}

/** Deletes a stream and the channel's companion keys. */
export async function dropStream(redis: Redis, name: string): Promise<void> {
  await redis.del(name, ...(await redis.keys(`${name}:ps-*`)));
}

/** Messages per batch for the batch cases (a sendBatch, a pipeline, a receiveBatch, an XREADGROUP COUNT). */
export const REDIS_BATCH = 256;

/** Throughput plan of the send cases (ours and the raw peer). */
export function sendPlan(ctx: RunContext) {
  return { warmupCount: ctx.size(5_000, 256), count: ctx.size(50_000, 1_024), rounds: ctx.size(3, 1) };
}

/** Throughput plan of the consume-and-ack cases (ours and the raw peer). */
export function consumePlan(ctx: RunContext) {
  return { warmupCount: ctx.size(1_000, 100), count: ctx.size(10_000, 500), rounds: ctx.size(2, 1) };
}

/** Latency plan of the end-to-end cases (ours and the raw peer). */
export function latencyPlan(ctx: RunContext) {
  return { warmupSamples: ctx.size(300, 20), maxSamples: ctx.size(3_000, 100), maxMs: ctx.size(3_000, 500) };
}
