// Peer of redis.e2e: raw ioredis, one producer connection XADDing one 64-byte message at a time,
// one consumer connection in XREADGROUP COUNT 1 BLOCK, acking each; a sample is the time from
// just before the XADD to the consumer having the entry (one process, so one clock).
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { benchStream, dropStream, latencyPlan, rawClient, requireRedis } from '../harness/redis.js';
import { latencyFigures, sampleAsync } from '../harness/round-trip.js';
import type { BenchCase } from '../harness/types.js';

export const redisLatencyPeer: BenchCase = {
  id: 'peer.redis.e2e',
  title: 'raw ioredis: XADD → XREADGROUP BLOCK latency, 64 B',
  async run(ctx) {
    await requireRedis();
    const producer = rawClient();
    const consumer = rawClient();
    const stream = benchStream('latency-peer');
    const payload = Buffer.from(makeMessage(MESSAGE_BYTES));
    let arrived: (() => void) | undefined;
    let running = true;
    try {
      await producer.xgroup('CREATE', stream, 'peer', '$', 'MKSTREAM');
      const loop = (async () => {
        while (running) {
          const reply = (await consumer.xreadgroup('GROUP', 'peer', 'c1', 'COUNT', 1, 'BLOCK', 200, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
          for (const [id] of reply?.[0]?.[1] ?? []) {
            arrived?.();
            void consumer.xack(stream, 'peer', id);
          }
        }
      })();
      const result = await sampleAsync(latencyPlan(ctx), async () => {
        const got = new Promise<void>((resolve) => (arrived = resolve));
        await producer.xadd(stream, '*', 'data', payload);
        await got;
      });
      running = false;
      await loop;
      return latencyFigures('peer.redis.e2e', 'raw ioredis XADD → XREADGROUP', result);
    } finally {
      running = false;
      await dropStream(producer, stream);
      producer.disconnect();
      consumer.disconnect();
    }
  },
};
