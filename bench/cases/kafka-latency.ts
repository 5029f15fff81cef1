// Issue 12: end-to-end latency on Kafka, one message in flight — KafkaChannel send then
// receiveDelivery + ack, beside raw kafkajs producer.send and a consumer's eachMessage, each on a
// fresh topic and group, same payload (64 B) and producer settings. p50 and p99 of send start to
// hand-over, from a histogram of every sample.
import { LatencyHistogram } from '../harness/histogram.js';
import { makeMessage, MESSAGE_BYTES, nowNs } from '../harness/measure.js';
import { benchTopic, dropTopics, KAFKA_BROKERS, KafkaChannel, kafkaOrSkip, rawKafka } from '../harness/kafka.js';
import type { BenchCase, Figure } from '../harness/types.js';

function latencyFigures(id: string, label: string, h: LatencyHistogram): Figure[] {
  return [0.5, 0.99].map((p) => ({
    id: `${id}.p${Math.round(p * 100)}`,
    label: `${label}, p${Math.round(p * 100)}`,
    value: h.percentile(p) / 1e6,
    unit: 'ms',
    better: 'lower' as const,
    detail: `${h.total} samples`,
  }));
}

export const kafkaLatency: BenchCase = {
  id: 'kafka.e2e',
  title: 'Kafka end-to-end latency, 64 B, one in flight: KafkaChannel vs raw kafkajs',
  async run(ctx) {
    await kafkaOrSkip();
    const samples = ctx.size(2000, 50);
    const payload = makeMessage(MESSAGE_BYTES);
    const rawTopic = benchTopic('e2e-raw');
    const ourTopic = benchTopic('e2e-ours');
    const raw = rawKafka();
    const admin = raw.admin();
    const producer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = raw.consumer({ groupId: `${rawTopic}.raw`, maxWaitTimeInMs: 500 });
    const sender = await KafkaChannel.connect(KAFKA_BROKERS, ourTopic);
    const receiver = await KafkaChannel.connect(KAFKA_BROKERS, ourTopic);
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [rawTopic], fromBeginning: true });
      let arrived: (() => void) | undefined;
      await consumer.run({ eachMessage: async () => arrived?.() });
      const rawHist = new LatencyHistogram();
      for (let i = -20; i < samples; i++) {
        const back = new Promise<void>((resolve) => (arrived = resolve));
        const t = nowNs();
        await producer.send({ topic: rawTopic, acks: -1, messages: [{ value: Buffer.from(payload) }] });
        await back;
        if (i >= 0) rawHist.record(nowNs() - t);
      }
      const ourHist = new LatencyHistogram();
      await receiver.tryReceive(); // joins the receivers' group before the clock runs
      for (let i = -20; i < samples; i++) {
        const t = nowNs();
        await sender.send(payload);
        const d = await receiver.receiveDelivery({ timeoutMs: 30_000 });
        if (i >= 0) ourHist.record(nowNs() - t);
        await d.ack();
      }
      return [...latencyFigures('kafka.e2e.raw', 'raw kafkajs send -> eachMessage', rawHist), ...latencyFigures('kafka.e2e.ours', 'KafkaChannel send -> receiveDelivery', ourHist)];
    } finally {
      await Promise.allSettled([sender.close(), receiver.close(), consumer.disconnect(), producer.disconnect()]);
      await admin.disconnect();
      await dropTopics([rawTopic, ourTopic]);
    }
  },
};
