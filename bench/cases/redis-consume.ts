// Issue 10: consume-and-ack throughput of RedisChannel — one group (the receivers' queue), 1 and
// 4 consumers (a handle each), each taking receiveBatch(REDIS_BATCH) and acking the batch at once
// (its acks go to the server together, in one write); against one ack per round trip
// (redis-consume-peer.ts): ≥ 10×. The stream is filled before each timed round (not timed).
import type { RedisChannel } from '../../src/backends/redis/index.js';
import { MESSAGE_BYTES, makeMessage, nowNs } from '../harness/measure.js';
import { benchStream, consumePlan, dropStream, openRedisChannel, rawClient, REDIS_BATCH, requireRedis } from '../harness/redis.js';
import { rateFigure } from '../harness/throughput.js';
import type { BenchCase, Figure, RunContext } from '../harness/types.js';

async function measure(ctx: RunContext, consumers: number): Promise<Figure> {
  const stream = benchStream(`consume-${consumers}`);
  const producer = await openRedisChannel(stream);
  const handles: RedisChannel[] = [];
  for (let i = 0; i < consumers; i++) handles.push(await openRedisChannel(stream));
  const batch = Array.from({ length: REDIS_BATCH }, () => makeMessage(MESSAGE_BYTES));
  try {
    const fill = async (count: number) => {
      for (let i = 0; i < count; i += REDIS_BATCH) await producer.sendBatch(count - i >= REDIS_BATCH ? batch : batch.slice(0, count - i));
    };
    // Each consumer acks a batch and goes on to the next receive while the acks travel (the
    // acks and the reads use different connections); the round ends when the last ack is done.
    const consume = async (count: number) => {
      let done = 0;
      const acks: Promise<unknown>[] = [];
      await Promise.all(
        handles.map(async (h) => {
          while (done < count) {
            const got = await h.receiveBatch(REDIS_BATCH, { timeoutMs: 50 }).catch(() => []);
            done += got.length;
            acks.push(Promise.all(got.map((d) => d.ack())));
          }
        }),
      );
      await Promise.all(acks);
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
    return rateFigure(`redis.consume.${consumers}`, `RedisChannel consume+ack, ${consumers} consumer${consumers === 1 ? '' : 's'}`, plan.count, seconds);
  } finally {
    await Promise.all([producer, ...handles].map((c) => c.close()));
    const admin = rawClient();
    await dropStream(admin, stream);
    admin.disconnect();
  }
}

export const redisConsume: BenchCase = {
  id: 'redis.consume',
  title: 'RedisChannel receiveBatch + batched acks, one group, 1 and 4 consumers, 64 B',
  async run(ctx) {
    await requireRedis();
    return [await measure(ctx, 1), await measure(ctx, 4)];
  },
};
