// The client seam (client-seam.ts) over kafkajs 2.2.4, proven against Apache Kafka 4.1: the only
// file of the backend that imports kafkajs. kafkajs negotiates each request down to what the
// broker supports; every call used here works against 4.1 (KIP-896 removed none of the versions
// it picks). Its logging is off: failures come back as rejected promises and consumer events,
// which the backend turns into typed errors, status changes and 'error' events.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, KafkaConfig, Producer, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type {
  BrokerClient,
  ConsumerEvents,
  ConsumerSettings,
  GroupConsumer,
  OutgoingRecord,
  ProduceSettings,
  TransactionalProducer,
  TransactionOffsets,
} from './client-seam.js';
import { isRetriable } from './kafka-errors.js';
import { stickyAssigner } from './sticky-assigner.js';

const { Kafka, CompressionTypes, logLevel } = kafkajs;

export interface ClientSettings {
  brokers: readonly string[];
  clientId: string;
  ssl: boolean | ConnectionOptions | undefined;
  sasl: SASLOptions | undefined;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** The producer is idempotent (needs acks -1: a retried produce is never written twice). */
  idempotent: boolean;
}

/**
 * Retries inside one produce: short, because the backend's own loop retries a send until its
 * deadline (kafka-producer.ts) and must hear of an outage soon enough to report 'reconnecting'.
 */
const PRODUCE_RETRY = { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 };
/**
 * A transactional producer's first AddPartitionsToTxn after a commit is answered
 * CONCURRENT_TRANSACTIONS by Kafka 4.1 nearly every time (the previous transaction is still
 * being completed by the coordinator). kafkajs retries it as retriable, but from 300 ms up; a
 * 10 ms first retry (the Java client backs off 20 ms for this error) cuts the wait per transaction;
 * 50 retries (about 12 s) cover a new owner's InitProducerId waiting for a fenced one's abort.
 */
const TRANSACTION_RETRY = { retries: 50, initialRetryTime: 10, maxRetryTime: 250 };

/** Produce errors after which an idempotent producer's sequence is out of step with the broker's. */
const SEQUENCE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** The protocol error type of a kafkajs error, looking through its causes. */
function protocolErrorType(err: unknown): string | undefined {
  for (let e = err as { type?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string') return e.type;
  }
  return undefined;
}

function compressionOf(settings: ProduceSettings) {
  return settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}

function toMessages(records: readonly OutgoingRecord[]) {
  return records.map((r) => ({
    key: r.key ?? null,
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: r.headers as Record<string, string>,
    ...(r.partition === undefined ? {} : { partition: r.partition }),
  }));
}

export class KafkajsClient implements BrokerClient {
  private readonly kafka: InstanceType<typeof Kafka>;
  private producer: Producer;
  private readonly newProducer: () => Producer;
  private readonly admin: Admin;

  constructor(settings: ClientSettings) {
    const config: KafkaConfig = {
      brokers: [...settings.brokers],
      clientId: settings.clientId,
      connectionTimeout: settings.connectTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    };
    if (settings.ssl !== undefined) config.ssl = settings.ssl;
    if (settings.sasl !== undefined) config.sasl = settings.sasl;
    this.kafka = new Kafka(config);
    this.newProducer = () => this.kafka.producer({ idempotent: settings.idempotent, allowAutoTopicCreation: false, retry: PRODUCE_RETRY, maxInFlightRequests: 1 });
    this.producer = this.newProducer();
    this.admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  async produce(topic: string, records: readonly OutgoingRecord[], settings: ProduceSettings): Promise<void> {
    const producer = this.producer;
    try {
      await producer.send({ topic, messages: toMessages(records), acks: settings.acks, timeout: settings.timeoutMs, compression: compressionOf(settings) });
    } catch (err) {
      const type = protocolErrorType(err);
      if (type === undefined || !SEQUENCE_ERRORS.has(type)) throw err;
      // kafkajs counts a sequence number for a request the broker never wrote when the broker died
      // mid-request, and every later produce is then refused: start over with a new producer id.
      await this.replaceProducer(producer);
      throw Object.assign(new Error(`the idempotent producer lost its sequence (${type}); it was replaced`), { retriable: true, cause: err });
    }
  }

  private async replaceProducer(broken: Producer): Promise<void> {
    if (this.producer !== broken) return; // another send replaced it already
    this.producer = this.newProducer();
    await broken.disconnect().catch(() => {});
    await this.producer.connect();
  }

  async ensureTopic(topic: string, partitions: number, replicationFactor: number | undefined): Promise<number> {
    const known = await this.admin.listTopics();
    if (!known.includes(topic)) {
      try {
        await this.admin.createTopics({
          topics: [{ topic, numPartitions: partitions, ...(replicationFactor === undefined ? {} : { replicationFactor }) }],
          waitForLeaders: true,
        });
      } catch (err) {
        // Created meanwhile by another handle: that is what we wanted.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      }
    }
    // Right after creation the partitions' leaders may still be elected (NOT_LEADER...): wait for them.
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.admin.fetchTopicOffsets(topic)).length;
      } catch (err) {
        if (attempt >= 20 || !isRetriable(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 + 50 * attempt));
      }
    }
  }

  async offsets(topic: string): Promise<Map<number, [number, number]>> {
    const out = new Map<number, [number, number]>();
    for (const p of await this.admin.fetchTopicOffsets(topic)) out.set(p.partition, [Number(p.low), Number(p.high)]);
    return out;
  }

  async committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const [entry] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    for (const p of entry?.partitions ?? []) if (Number(p.offset) >= 0) out.set(p.partition, Number(p.offset));
    return out;
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.admin.deleteTopics({ topics: [...topics], timeout: 10_000 });
  }

  async listGroups(): Promise<string[]> {
    return (await this.admin.listGroups()).groups.map((g) => g.groupId);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    try {
      await this.admin.deleteGroups([...groupIds]);
    } catch (err) {
      // A group that is already gone is what we wanted; report anything else.
      const groups = (err as { groups?: { errorCode: number; error?: { type?: string } }[] }).groups;
      if (!groups || groups.some((g) => g.errorCode !== 0 && g.error?.type !== 'GROUP_ID_NOT_FOUND')) throw err;
    }
  }

  consumer(settings: ConsumerSettings, events: ConsumerEvents): GroupConsumer {
    return new KafkajsGroupConsumer(this.kafka, settings, events);
  }

  transactional(transactionalId: string, settings: ProduceSettings): TransactionalProducer {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: TRANSACTION_RETRY,
    });
    return new KafkajsTransactionalProducer(producer, settings);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}

class KafkajsGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  /** The partitions this member holds now: told to the group when it (re)joins, to keep them. */
  private held: number[] = [];

  constructor(
    kafka: InstanceType<typeof Kafka>,
    private readonly settings: ConsumerSettings,
    private readonly events: ConsumerEvents,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      partitionAssigners: [stickyAssigner(() => ({ [settings.topic]: this.held }))],
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: settings.maxWaitMs,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    const { GROUP_JOIN, CRASH, FETCH } = this.consumer.events;
    const startAt = new Map(settings.startAt ?? []);
    this.consumer.on(GROUP_JOIN, (e) => {
      const partitions = e.payload.memberAssignment[settings.topic] ?? [];
      this.held = [...partitions];
      // Applied by kafkajs before the next fetch: the member starts where the group was fixed.
      for (const p of partitions) {
        const offset = startAt.get(p);
        if (offset === undefined) continue;
        startAt.delete(p);
        this.consumer.seek({ topic: settings.topic, partition: p, offset: String(offset) });
      }
      this.events.assigned(partitions);
    });
    this.consumer.on(CRASH, (e) => this.events.lost(e.payload.error, e.payload.restart));
    this.consumer.on(FETCH, () => this.events.fetched());
  }

  private starting: Promise<void> | undefined;

  start(): Promise<void> {
    return (this.starting ??= this.run());
  }

  private async run(): Promise<void> {
    const { topic, fromBeginning } = this.settings;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      // Each partition's batches on their own, so one partition held while its prefetch is full
      // does not hold the others' batches of the same fetch.
      partitionsConsumedConcurrently: 16,
      eachBatch: async ({ batch, isStale, isRunning, heartbeat }) => {
        if (isStale()) return;
        const room = this.events.records(batch.partition, batch.messages);
        if (room === undefined) return;
        // Paused: this partition is not fetched again until there is room; heartbeats go on, and a
        // rebalance (heartbeat refused) or a stop ends the pause at once.
        let full = true;
        void room.then(() => (full = false));
        while (full && isRunning() && !isStale()) {
          await Promise.race([room, new Promise((resolve) => setTimeout(resolve, this.settings.heartbeatIntervalMs))]);
          if (!full) break;
          try {
            await heartbeat();
          } catch {
            return;
          }
        }
      },
    });
  }

  async commit(offsets: readonly { partition: number; offset: string }[]): Promise<void> {
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: this.settings.topic, ...o })));
  }

  async stop(): Promise<void> {
    // A stop while the start is still connecting would leave the connections it then opens.
    await this.starting?.catch(() => {});
    await this.consumer.disconnect();
  }
}

class KafkajsTransactionalProducer implements TransactionalProducer {
  private connected: Promise<void> | undefined;
  /** kafkajs allows one transaction at a time per producer: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly producer: Producer,
    private readonly settings: ProduceSettings,
  ) {}

  commit(records: readonly { topic: string; record: OutgoingRecord }[], offsets: TransactionOffsets | undefined): Promise<void> {
    const run = this.queue.then(() => this.once(records, offsets));
    this.queue = run.catch(() => {});
    return run;
  }

  private async once(records: readonly { topic: string; record: OutgoingRecord }[], offsets: TransactionOffsets | undefined): Promise<void> {
    this.connected ??= this.producer.connect();
    await this.connected;
    const tx = await this.producer.transaction();
    try {
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const { topic, record } of records) byTopic.set(topic, [...(byTopic.get(topic) ?? []), record]);
      for (const [topic, list] of byTopic) await tx.send({ topic, messages: toMessages(list), acks: -1, compression: compressionOf(this.settings) });
      if (offsets) {
        await tx.sendOffsets({ consumerGroupId: offsets.groupId, topics: [{ topic: offsets.topic, partitions: offsets.partitions.map((p) => ({ ...p })) }] });
      }
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.connected) await this.producer.disconnect().catch(() => {});
  }
}
