// Issue 12: consume-and-ack throughput on Kafka — KafkaChannel receiveBatch + ack of every
// delivery (offsets committed contiguously in the background) beside a raw kafkajs consumer
// (eachBatch, resolving each offset, committing once per batch). Each reads the same number of
// 64 B messages from a topic filled beforehand, with a fresh group; the clock runs from the
// first message to the last one settled (ours: acked, its commit following in the
// background; raw: the batch's commit awaited).
import { compact, describeRuns, makeMessage, median, MESSAGE_BYTES, nowNs } from '../harness/measure.js';
import { benchTopic, dropTopics, KAFKA_BROKERS, KafkaChannel, kafkaOrSkip, rawKafka } from '../harness/kafka.js';
import type { BenchCase, Figure } from '../harness/types.js';

export const kafkaConsume: BenchCase = {
  id: 'kafka.consume',
  title: 'Kafka consume and ack, 64 B: KafkaChannel vs raw kafkajs eachBatch',
  async run(ctx) {
    await kafkaOrSkip();
    const count = ctx.size(20_000, 500);
    const rounds = ctx.size(3, 1);
    const payload = makeMessage(MESSAGE_BYTES);
    const topics: string[] = [];
    const raw = rawKafka();
    try {
      const rawRates: number[] = [];
      const ourRates: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // One topic per round, filled by our channel (so both read records in our wire layout).
        const topic = benchTopic(`consume-${r}`);
        topics.push(topic);
        const filler = await KafkaChannel.connect(KAFKA_BROKERS, topic);
        for (let i = 0; i < count; i += 1000) await filler.sendBatch(Array.from({ length: Math.min(1000, count - i) }, () => payload));
        await filler.close();

        const consumer = raw.consumer({ groupId: `${topic}.raw`, maxWaitTimeInMs: 100 });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        let seen = 0;
        let t0 = 0;
        const done = new Promise<void>((resolve) => {
          void consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
              if (t0 === 0) t0 = nowNs();
              for (const m of batch.messages) {
                resolveOffset(m.offset);
                seen++;
              }
              await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
              await commitOffsetsIfNecessary();
              if (seen >= count) resolve();
            },
          });
        });
        await done;
        rawRates.push(count / ((nowNs() - t0) / 1e9));
        await consumer.disconnect();

        const ours = await KafkaChannel.connect(KAFKA_BROKERS, topic);
        const first = await ours.receiveBatch(500, { timeoutMs: 30_000 });
        const start = nowNs();
        let got = 0;
        for (let batch = first; ; batch = await ours.receiveBatch(500, { timeoutMs: 30_000 })) {
          for (const d of batch) await d.ack();
          got += batch.length;
          if (got >= count) break;
        }
        // The clock stops at the last ack (its commit follows in the background, as in use);
        // leaving the group is not part of consuming.
        ourRates.push(count / ((nowNs() - start) / 1e9));
        await ours.close();
      }
      const figure = (id: string, label: string, rates: number[]): Figure => ({
        id,
        label,
        value: median(rates),
        unit: 'msg/s',
        better: 'higher',
        detail: `${count} msgs a round, ${describeRuns(rates, compact)}`,
      });
      return [figure('kafka.consume.raw', 'raw kafkajs eachBatch, commit per batch', rawRates), figure('kafka.consume.ours', 'KafkaChannel receiveBatch + ack each, contiguous commits', ourRates)];
    } finally {
      await dropTopics(topics);
    }
  },
};
