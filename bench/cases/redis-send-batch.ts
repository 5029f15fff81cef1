// Issue 10: RedisChannel.sendBatch of the same 64-byte payloads, REDIS_BATCH at a time, default
// options (every message with its id, timestamp and the waiting count, as the contract has it);
// against raw pipelined XADD (redis-xadd-peer.ts): ≥ 0.8×.
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { benchStream, dropStream, openRedisChannel, rawClient, REDIS_BATCH, requireRedis, sendPlan } from '../harness/redis.js';
import { rateFigure, timeRounds } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';

export const redisSendBatch: BenchCase = {
  id: 'redis.sendBatch',
  title: 'RedisChannel sendBatch, 64 B',
  async run(ctx) {
    await requireRedis();
    const stream = benchStream('send-batch');
    const channel = await openRedisChannel(stream);
    const batch = Array.from({ length: REDIS_BATCH }, () => makeMessage(MESSAGE_BYTES));
    try {
      const plan = sendPlan(ctx);
      const seconds = await timeRounds(plan, async (count) => {
        for (let i = 0; i < count; i += REDIS_BATCH) await channel.sendBatch(count - i >= REDIS_BATCH ? batch : batch.slice(0, count - i));
      });
      return [rateFigure('redis.sendBatch', 'RedisChannel sendBatch', plan.count, seconds)];
    } finally {
      await channel.close();
      const admin = rawClient();
      await dropStream(admin, stream);
      admin.disconnect();
    }
  },
};
