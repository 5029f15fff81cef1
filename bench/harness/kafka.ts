// What the Kafka bench cases share: the broker (or CaseSkipped when it does not answer), our
// KafkaChannel through its public entry point, the raw kafkajs peer with the same settings, and
// the clean-up of what a case made.
import { connect } from 'node:net';
import kafkajs from 'kafkajs';
import { KafkaChannel } from '../../src/backends/kafka/index.js';
import { CaseSkipped } from './types.js';

export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
export { KafkaChannel };

/** Throws CaseSkipped when nothing answers on the first broker's port. */
export async function kafkaOrSkip(): Promise<void> {
  const [host = '127.0.0.1', port = '9092'] = KAFKA_BROKERS[0]!.split(':');
  const up = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: host === 'localhost' ? '127.0.0.1' : host, port: Number(port) });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (!up) throw new CaseSkipped(`Kafka is not reachable at ${KAFKA_BROKERS.join(',')} (scripts/services up kafka)`);
}

/** The raw kafkajs client: idempotent producer, acks all, no compression — our defaults. */
export function rawKafka(): InstanceType<typeof kafkajs.Kafka> {
  return new kafkajs.Kafka({ brokers: KAFKA_BROKERS, clientId: 'bench-raw', logLevel: kafkajs.logLevel.NOTHING });
}

export function benchTopic(what: string): string {
  return `bench-${what}-${process.pid}-${Date.now().toString(36)}`;
}

/** Deletes the bench's topics and every group scoped by them. */
export async function dropTopics(topics: readonly string[]): Promise<void> {
  const admin = rawKafka().admin();
  try {
    await admin.connect();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => topics.some((t) => g.startsWith(`${t}.`)));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.deleteTopics({ topics: [...topics] }).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

export const { CompressionTypes } = kafkajs;
