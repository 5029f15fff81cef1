// Peer of redis.sendBatch: raw ioredis, the same 64-byte payloads XADDed (field `data`) in
// pipelines of REDIS_BATCH commands, each pipeline awaited before the next.
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { benchStream, dropStream, rawClient, REDIS_BATCH, requireRedis, sendPlan } from '../harness/redis.js';
import { rateFigure, timeRounds } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';

export const redisXaddPeer: BenchCase = {
  id: 'peer.redis.xadd',
  title: 'raw ioredis: pipelined XADD, 64 B',
  async run(ctx) {
    await requireRedis();
    const redis = rawClient();
    const stream = benchStream('xadd');
    const payload = Buffer.from(makeMessage(MESSAGE_BYTES));
    try {
      const plan = sendPlan(ctx);
      const seconds = await timeRounds(plan, async (count) => {
        for (let i = 0; i < count; i += REDIS_BATCH) {
          const pipeline = redis.pipeline();
          for (let j = i; j < Math.min(count, i + REDIS_BATCH); j++) pipeline.xadd(stream, '*', 'data', payload);
          await pipeline.exec();
        }
      });
      return [rateFigure('peer.redis.xadd.pipelined', 'raw ioredis pipelined XADD', plan.count, seconds)];
    } finally {
      await dropStream(redis, stream);
      redis.disconnect();
    }
  },
};
