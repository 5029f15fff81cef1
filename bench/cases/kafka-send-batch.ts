// Issue 12: batched send on Kafka — KafkaChannel.sendBatch beside raw kafkajs producer.sendBatch with
// the same payloads (64 B) and the same settings (idempotent producer, acks all, no compression,
// the same number of messages per call, one call in flight), to one fresh single-partition
// topic each, in the same run. The rounds alternate raw / ours so load changes hit both.
import { compact, describeRuns, makeMessage, median, MESSAGE_BYTES, nowNs } from '../harness/measure.js';
import { benchTopic, dropTopics, KAFKA_BROKERS, KafkaChannel, kafkaOrSkip, rawKafka } from '../harness/kafka.js';
import type { BenchCase, Figure } from '../harness/types.js';

export const kafkaSendBatch: BenchCase = {
  id: 'kafka.send',
  title: 'Kafka batched send, 64 B: KafkaChannel.sendBatch vs raw kafkajs sendBatch',
  async run(ctx) {
    await kafkaOrSkip();
    const perCall = ctx.size(1000, 100);
    const calls = ctx.size(20, 2);
    const rounds = ctx.size(3, 1);
    const payload = makeMessage(MESSAGE_BYTES);
    const rawTopic = benchTopic('send-raw');
    const ourTopic = benchTopic('send-ours');
    const ours = await KafkaChannel.connect(KAFKA_BROKERS, ourTopic, { delivery: 'at-most-once' });
    const raw = rawKafka();
    const admin = raw.admin();
    const producer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      const rawMessages = Array.from({ length: perCall }, () => ({ value: Buffer.from(payload) }));
      // Context: the same raw call with the two header pairs every message of ours carries (an id
      // and a timestamp), to show what the envelope itself costs kafkajs to encode.
      const enveloped = Array.from({ length: perCall }, (_, i) => ({
        value: Buffer.from(payload),
        headers: { 'ps-id': `01JB0000000000000000${String(i).padStart(6, '0')}`, 'ps-timestamp': String(Date.now() + i / 1000) },
      }));
      const ourMessages = Array.from({ length: perCall }, () => payload);
      const rawRound = async () => {
        for (let c = 0; c < calls; c++) await producer.sendBatch({ acks: -1, topicMessages: [{ topic: rawTopic, messages: rawMessages }] });
      };
      const envelopedRound = async () => {
        for (let c = 0; c < calls; c++) await producer.sendBatch({ acks: -1, topicMessages: [{ topic: rawTopic, messages: enveloped }] });
      };
      const ourRound = async () => {
        for (let c = 0; c < calls; c++) await ours.sendBatch(ourMessages);
      };
      await rawRound(); // warm-up, all three
      await envelopedRound();
      await ourRound();
      const rawRates: number[] = [];
      const envelopedRates: number[] = [];
      const ourRates: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let t = nowNs();
        await rawRound();
        rawRates.push((perCall * calls) / ((nowNs() - t) / 1e9));
        t = nowNs();
        await envelopedRound();
        envelopedRates.push((perCall * calls) / ((nowNs() - t) / 1e9));
        t = nowNs();
        await ourRound();
        ourRates.push((perCall * calls) / ((nowNs() - t) / 1e9));
      }
      const figure = (id: string, label: string, rates: number[]): Figure => ({
        id,
        label,
        value: median(rates),
        unit: 'msg/s',
        better: 'higher',
        detail: `${perCall * calls} msgs a round in calls of ${perCall}, ${describeRuns(rates, compact)}`,
      });
      return [
        figure('kafka.send.raw', 'raw kafkajs producer.sendBatch', rawRates),
        figure('kafka.send.rawEnveloped', 'raw sendBatch + our 2 header pairs (context)', envelopedRates),
        figure('kafka.send.ours', 'KafkaChannel.sendBatch', ourRates),
      ];
    } finally {
      await ours.close();
      await producer.disconnect();
      await admin.disconnect();
      await dropTopics([rawTopic, ourTopic]);
    }
  },
};
