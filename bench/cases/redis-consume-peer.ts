// Peer of redis.consume: a raw ioredis consumer as the Node peers write it — XREADGROUP of up to
// REDIS_BATCH entries, then one XACK per message, each awaited (one ack per round trip). The
// stream is filled before each timed round (not timed); the clock runs until the last is acked.
import { MESSAGE_BYTES, makeMessage, nowNs } from '../harness/measure.js';
import { benchStream, consumePlan, dropStream, rawClient, REDIS_BATCH, requireRedis } from '../harness/redis.js';
import { rateFigure } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';

export const redisConsumePeer: BenchCase = {
  id: 'peer.redis.consume',
  title: 'raw ioredis: XREADGROUP COUNT + one XACK per message, 64 B',
  async run(ctx) {
    await requireRedis();
    const redis = rawClient();
    const stream = benchStream('consume-peer');
    const payload = Buffer.from(makeMessage(MESSAGE_BYTES));
    try {
      await redis.xgroup('CREATE', stream, 'peer', '$', 'MKSTREAM');
      const fill = async (count: number) => {
        for (let i = 0; i < count; i += REDIS_BATCH) {
          const pipeline = redis.pipeline();
          for (let j = i; j < Math.min(count, i + REDIS_BATCH); j++) pipeline.xadd(stream, '*', 'data', payload);
          await pipeline.exec();
        }
      };
      const consume = async (count: number) => {
        for (let done = 0; done < count; ) {
          const reply = (await redis.xreadgroup('GROUP', 'peer', 'c1', 'COUNT', REDIS_BATCH, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
          for (const [id] of reply?.[0]?.[1] ?? []) {
            await redis.xack(stream, 'peer', id);
            done++;
          }
        }
      };
      const plan = consumePlan(ctx);
      await fill(plan.warmupCount);
      await consume(plan.warmupCount);
      const seconds: number[] = [];
      for (let r = 0; r < plan.rounds; r++) {
        await fill(plan.count);
        const start = nowNs();
        await consume(plan.count);
        seconds.push((nowNs() - start) / 1e9);
      }
      return [rateFigure('peer.redis.consume.ackEach', 'raw ioredis consume, one XACK per round trip', plan.count, seconds)];
    } finally {
      await dropStream(redis, stream);
      redis.disconnect();
    }
  },
};
