// Issue 10: end-to-end latency of RedisChannel, one producer handle and one consumer handle,
// default options: a sample is the time from just before `send` to the consumer's
// `receiveDelivery` resolving (one process, so one clock); the consumer acks each. Beside the raw
// ioredis peer (redis-latency-peer.ts), for context.
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { benchStream, dropStream, latencyPlan, openRedisChannel, rawClient, requireRedis } from '../harness/redis.js';
import { latencyFigures, sampleAsync } from '../harness/round-trip.js';
import type { BenchCase } from '../harness/types.js';

export const redisLatency: BenchCase = {
  id: 'redis.e2e',
  title: 'RedisChannel send → receiveDelivery latency, one producer, one consumer, 64 B',
  async run(ctx) {
    await requireRedis();
    const stream = benchStream('latency');
    const producer = await openRedisChannel(stream);
    const consumer = await openRedisChannel(stream);
    const payload = makeMessage(MESSAGE_BYTES);
    let arrived: (() => void) | undefined;
    const stop = new AbortController();
    try {
      const loop = (async () => {
        while (!stop.signal.aborted) {
          const d = await consumer.receiveDelivery({ signal: stop.signal }).catch(() => undefined);
          if (d === undefined) continue;
          arrived?.();
          void d.ack();
        }
      })();
      const result = await sampleAsync(latencyPlan(ctx), async () => {
        const got = new Promise<void>((resolve) => (arrived = resolve));
        await producer.send(payload);
        await got;
      });
      stop.abort();
      await loop;
      return latencyFigures('redis.e2e', 'RedisChannel send → receiveDelivery', result);
    } finally {
      stop.abort();
      await producer.close();
      await consumer.close();
      const admin = rawClient();
      await dropStream(admin, stream);
      admin.disconnect();
    }
  },
};
