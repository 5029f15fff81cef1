// The Kafka backend's primitives for the shared template (src/base/transport.ts). One topic per
// channel; every message is produced once (a published one carries `ps-route: publish`); the
// receivers' queue and every subscription group are consumer groups of that topic
// (kafka-groups.ts), each read by one long-lived consumer of this handle (consumer-feed.ts).
// Nothing here decides policy: retries, dead letters, TTL, the backpressure modes, the receive
// loop and request/reply matching are the shared layer's.
import type { Channel, Message } from '../../channel.js';
import { FULL_COUNT, SENT, type OfferOutcome, type SendTarget } from '../../base/backpressure.js';
import { OutgoingEnvelope, type MessageFields } from '../../base/outgoing.js';
import type { BackendTransaction, Inbox, Route, Transport, TransportContext } from '../../base/transport.js';
import { abortedError } from '../../deadline.js';
import type { SettlePort } from '../../delivery.js';
import { ChannelClosedError, InvalidConfigurationError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import type { ResolvedOptions } from '../../options.js';
import type { BrokerClient, TransactionalProducer } from './client-seam.js';
import { ConsumerFeed, type FeedContext, type TakeSource } from './consumer-feed.js';
import { KAFKA_CAPABILITIES, KAFKA_MAX_RECORD_BYTES } from './kafka-capabilities.js';
import { ReceiversLag } from './kafka-capacity.js';
import { KafkaDelivery } from './kafka-delivery.js';
import { backendError } from './kafka-errors.js';
import { endsIfNew, receiversGroupId, soloGroupId, subscriptionGroupId } from './kafka-groups.js';
import { KafkaInboxes, type InboxSource } from './kafka-inbox.js';
import type { ResolvedKafkaOptions } from './kafka-options.js';
import { BatchingProducer } from './kafka-producer.js';
import { KafkaSettling } from './kafka-settling.js';
import { KafkaTransaction } from './kafka-transaction.js';
import { recordSize, toRecord, type KafkaRaw } from './kafka-wire.js';

/** Where a message is produced: this channel's topic (send or publish), or an inbox topic. */
export interface KafkaTarget extends SendTarget {
  readonly topic: string;
  readonly route: Route;
  /** An inbox reply's record key: the inbox token. */
  readonly recordKey?: string;
}

export interface KafkaTransportSetup {
  readonly brokers: readonly string[];
  readonly options: ResolvedOptions;
  readonly kafka: ResolvedKafkaOptions;
  readonly client: BrokerClient;
  /** Opens another channel of this backend on the same brokers (dead letters, replies to a channel). */
  readonly openSibling: (name: string) => Promise<Channel>;
  /** The topic of a Kafka channel handle on the same brokers; throws for any other channel. */
  readonly topicOf: (channel: Channel) => string;
}

/** How long one receive wait lasts before the loop looks again. */
const WAIT_SLICE_MS = 1000;

export class KafkaTransport implements Transport<KafkaRaw, TakeSource, KafkaTarget, KafkaDelivery> {
  readonly capabilities = KAFKA_CAPABILITIES;
  readonly maxWireBytes = KAFKA_MAX_RECORD_BYTES;
  readonly raiseLimitHint = "keep to Kafka's default of about 1 MB per record (message.max.bytes), e.g. by storing the payload elsewhere and sending a reference";
  readonly maxGroupNameBytes = 200;
  readonly closesSiblings = true;
  readonly receivers: ConsumerFeed;
  private readonly topic: string;
  private readonly feedContext: FeedContext;
  private readonly producer: BatchingProducer;
  private readonly settling: KafkaSettling;
  private readonly inboxes: KafkaInboxes;
  private readonly groups = new Set<ConsumerFeed>();
  private readonly soloGroups = new Set<string>();
  private readonly transactional = new Map<string, TransactionalProducer>();
  private readonly lag: ReceiversLag | undefined;
  private readonly roomWaiters = new Set<() => void>();
  private readonly secrets: string[];
  private readonly handleToken = randomToken(12);
  private port!: SettlePort<KafkaDelivery>;
  private context!: TransportContext<KafkaDelivery>;
  private isClosed = false;

  constructor(private readonly setup: KafkaTransportSetup) {
    const { options, kafka, client } = setup;
    this.topic = options.name;
    this.secrets = kafka.sasl ? [kafka.sasl.password] : [];
    const setStatus = (state: 'connected' | 'reconnecting', error?: Error) => {
      if (!this.isClosed) this.context?.setStatus(state, error);
    };
    this.feedContext = {
      client,
      channel: this.topic,
      prefetch: kafka.prefetch,
      perKey: options.ordering === 'per-key',
      oneAtATime: options.delivery === 'exactly-once',
      consumer: {
        sessionTimeoutMs: kafka.sessionTimeoutMs,
        heartbeatIntervalMs: kafka.heartbeatIntervalMs,
        rebalanceTimeoutMs: Math.max(kafka.sessionTimeoutMs, 10_000),
        maxWaitMs: 500,
        maxBytesPerPartition: 1 << 20,
      },
      connectTimeoutMs: options.connectTimeoutMs,
      reportError: (error) => this.context?.reportError(error),
      setStatus,
    };
    const groupId = receiversGroupId(this.topic);
    this.receivers = new ConsumerFeed(this.feedContext, groupId, undefined, this.topic, true, true);
    const produceSettings = { acks: kafka.acks, compression: kafka.compression, timeoutMs: kafka.requestTimeoutMs };
    this.producer = new BatchingProducer({
      client,
      channel: this.topic,
      settings: produceSettings,
      batchBytes: kafka.batchBytes,
      lingerMs: kafka.lingerMs,
      secrets: this.secrets,
      setStatus,
    });
    this.settling = new KafkaSettling(this.producer, this.topic, this.feedContext.perKey, options.capacity > 0, (error) => this.context?.reportError(error));
    this.inboxes = new KafkaInboxes(this.feedContext, this.topic, async (topic) => void (await client.ensureTopic(topic, 1, kafka.replicationFactor)));
    this.lag = options.capacity > 0 ? new ReceiversLag(client, this.topic, groupId) : undefined;
  }

  bind(context: TransportContext<KafkaDelivery>): void {
    this.context = context;
    this.port = context.port;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Connected and the topic exists (created with the configured partitions when missing). */
  async connect(): Promise<void> {
    const { client, kafka } = this.setup;
    await client.connect();
    const partitions = await client.ensureTopic(this.topic, kafka.partitions, kafka.replicationFactor);
    // Keyless messages spread over the partitions: one receiver no longer sees them in send order.
    if (partitions > 1 && this.setup.options.ordering === 'fifo') {
      throw new InvalidConfigurationError(
        `topic '${this.topic}' has ${partitions} partitions, so one receiver does not see messages in send order (ordering 'fifo'); open it with ordering 'per-key' (each key in order) or 'none'`,
        { channel: this.topic },
      );
    }
    this.context.setStatus('connected');
  }

  // ---- building and sending ----------------------------------------------------------------

  createMessage(id: string, data: Uint8Array, timestamp: number, fields: MessageFields | undefined): OutgoingEnvelope {
    return new OutgoingEnvelope(this.topic, id, data, timestamp, undefined, undefined, fields?.headers, fields?.key, fields?.correlationId, fields?.replyTo);
  }

  wireSize(message: OutgoingEnvelope): number {
    return recordSize(message);
  }

  putNow(): boolean {
    return false; // every send waits for the broker
  }

  putManyNow(): number {
    return 0;
  }

  async sendMany(messages: readonly OutgoingEnvelope[], signal: AbortSignal | undefined): Promise<number> {
    if (this.lag !== undefined) return 0; // each send is checked against the capacity on the waiting path
    this.ensureOpen();
    const records = messages.map((m) => ({ record: toRecord(m, 'send'), size: m.size }));
    await this.producer.sendAll(this.topic, records, performance.now() + this.setup.options.sendTimeoutMs, signal);
    return messages.length;
  }

  targets(route: Route): readonly KafkaTarget[] {
    return [{ topic: this.topic, route, label: `topic '${this.topic}'`, groups: route === 'send' ? 0 : -1 }];
  }

  async offer(message: OutgoingEnvelope, target: KafkaTarget, untilMs: number, signal: AbortSignal | undefined): Promise<OfferOutcome> {
    this.ensureOpen();
    if (this.lag !== undefined && target.route === 'send' && target.topic === this.topic) {
      let waiting: number;
      try {
        waiting = await this.lag.waiting();
      } catch (err) {
        throw backendError('reading the receivers\' lag for the capacity check', err, this.topic, this.secrets, 'check that Kafka is running');
      }
      if (waiting >= this.setup.options.capacity) return FULL_COUNT;
    }
    const record = toRecord(message, target.route);
    if (target.recordKey !== undefined) record.key = target.recordKey;
    await this.producer.send(target.topic, record, message.size, untilMs, signal);
    return SENT;
  }

  evictOldest(): boolean {
    return false; // a Kafka log cannot drop its oldest record ('drop-oldest' is not offered)
  }

  waitForRoom(_target: KafkaTarget, untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.roomWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(50, untilMs - performance.now())));
      signal?.addEventListener('abort', done, { once: true });
      this.roomWaiters.add(done);
    });
  }

  replyTarget(address: string): { target: KafkaTarget } | { channel: string } {
    const inbox = KafkaInboxes.parse(address);
    if (inbox === undefined) return { channel: address };
    return { target: { topic: inbox.topic, route: 'send', recordKey: inbox.token, label: `inbox ${address}`, groups: 0 } };
  }

  openSibling(name: string): Promise<Channel> {
    return this.setup.openSibling(name);
  }

  // ---- taking ------------------------------------------------------------------------------

  takeNow(source: TakeSource): KafkaRaw | undefined {
    return source.takeNext();
  }

  takeManyNow(source: TakeSource, max: number, into: KafkaRaw[]): void {
    while (into.length < max) {
      const raw = source.takeNext();
      if (raw === undefined) return;
      into.push(raw);
    }
  }

  async waitAndTake(source: TakeSource, sliceMs: number, signal: AbortSignal | undefined): Promise<KafkaRaw | undefined> {
    await source.wait(sliceMs, signal);
    if (signal?.aborted) throw abortedError(signal, 'waiting for a message', this.topic);
    return source.takeNext();
  }

  refresh(source: TakeSource): Promise<void> {
    return source.refresh();
  }

  isDrained(source: TakeSource): boolean {
    return this.isClosed || source.drained;
  }

  waitSliceMs(): number {
    return WAIT_SLICE_MS;
  }

  timestampOf(raw: KafkaRaw): number {
    return raw.envelope.timestamp;
  }

  deliveryCountOf(raw: KafkaRaw): number {
    return raw.envelope.deliveryCount;
  }

  messageOf(raw: KafkaRaw): Message {
    return raw.message(this.topic);
  }

  discard(raw: KafkaRaw): void {
    raw.buffer.owner.settled(raw.buffer, raw.offset);
  }

  hold(raw: KafkaRaw, source: TakeSource, tracked: boolean): KafkaDelivery {
    const d = new KafkaDelivery(raw.message(this.topic), this.port as never, raw, source);
    const buffer = raw.buffer;
    buffer.outstanding++;
    if (this.feedContext.perKey && raw.key !== undefined) buffer.heldKeys.set(raw.key, raw.id);
    if (!tracked) this.settling.settle(d); // at-most-once: forgotten as it is handed out
    return d;
  }

  payloadAcked(raw: KafkaRaw, source: TakeSource): Uint8Array | Promise<Uint8Array> {
    if (this.lag === undefined) {
      raw.buffer.owner.settled(raw.buffer, raw.offset);
      return raw.data;
    }
    return this.settling.ack(this.hold(raw, source, true)).then(() => raw.data);
  }

  // ---- settling ----------------------------------------------------------------------------

  ack(delivery: KafkaDelivery): Promise<boolean> {
    return this.settling.ack(delivery);
  }

  requeue(delivery: KafkaDelivery, deliveryCount: number, delayMs: number): Promise<boolean> {
    this.ensureOpen();
    return this.settling.requeue(delivery, deliveryCount, delayMs);
  }

  release(delivery: KafkaDelivery): boolean {
    return this.settling.settle(delivery);
  }

  stillHeld(): boolean {
    return true; // a revoked partition's delivery settles locally (see kafka-settling.ts)
  }

  groupOf(source: TakeSource): string | undefined {
    return source.group;
  }

  sourceOf(delivery: KafkaDelivery): TakeSource {
    return delivery.source;
  }

  // ---- groups, inboxes, transactions, the rest -----------------------------------------------

  async joinGroup(group: string | undefined): Promise<TakeSource> {
    this.ensureOpen();
    const groupId = group === undefined ? soloGroupId(this.topic) : subscriptionGroupId(this.topic, group);
    let startAt: Map<number, number> | undefined;
    try {
      startAt = await endsIfNew(this.setup.client, groupId, this.topic);
    } catch (err) {
      throw backendError(`reading where consumer group '${groupId}' starts`, err, this.topic, this.secrets, 'check that Kafka is running');
    }
    if (group === undefined) this.soloGroups.add(groupId);
    const feed = new ConsumerFeed(this.feedContext, groupId, group, this.topic, false, false, undefined, startAt);
    this.groups.add(feed);
    feed.start();
    return feed;
  }

  async leaveGroup(source: TakeSource): Promise<void> {
    const feed = source as ConsumerFeed;
    if (!this.groups.delete(feed)) return;
    await feed.stop();
    if (this.soloGroups.delete(feed.groupId)) await this.setup.client.deleteGroups([feed.groupId]).catch((err: unknown) => this.context.reportError(err as Error));
  }

  async openInbox(): Promise<Inbox<InboxSource>> {
    this.ensureOpen();
    try {
      return await this.inboxes.open();
    } catch (err) {
      throw backendError('opening a request inbox', err, this.topic, this.secrets, 'check that Kafka is running');
    }
  }

  pending(): undefined {
    return undefined; // the lag is a broker round trip away
  }

  async beginTransaction(): Promise<BackendTransaction<KafkaDelivery>> {
    this.ensureOpen();
    return new KafkaTransaction({
      channel: this.topic,
      topicOf: (channel) => this.setup.topicOf(channel),
      checkOwn: (d) => {
        if (!(d instanceof KafkaDelivery) || d.channel !== this.topic || d.settlement !== undefined) {
          throw new InvalidConfigurationError('tx.ack() takes an unsettled delivery received from the channel the transaction was started on', { channel: this.topic });
        }
      },
      producer: (id) => {
        let p = this.transactional.get(id);
        if (p === undefined) this.transactional.set(id, (p = this.setup.client.transactional(id, { acks: -1, compression: this.setup.kafka.compression, timeoutMs: this.setup.kafka.requestTimeoutMs })));
        return p;
      },
      ownTransactionalId: `${this.topic}.ps-tx-${this.handleToken}`,
      committed: async (deliveries) => {
        for (const d of deliveries) {
          d.committedInTransaction = true;
          this.settling.settle(d);
          await d.ack(); // settled in the shared layer's books too (counted, out of flight)
        }
      },
      wrapError: (what, err) => backendError(what, err, this.topic, this.secrets, 'the transaction was aborted and its inputs come back; try again'),
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const wake of this.roomWaiters) wake();
    this.receivers.wake();
    await this.settling.flushDelayed();
    await Promise.allSettled([this.receivers.stop(), ...[...this.groups].map((g) => g.stop())]);
    const inboxUsed = await this.inboxes.stop().catch(() => false);
    const client = this.setup.client;
    const groups = [...this.soloGroups];
    if (inboxUsed) groups.push(this.inboxes.topic);
    await client.deleteGroups(groups).catch(() => {});
    if (inboxUsed) await client.deleteTopics([this.inboxes.topic]).catch(() => {});
    await Promise.allSettled([...this.transactional.values()].map((p) => p.close()));
    await client.close();
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new ChannelClosedError('the channel is closed; open a new one', { channel: this.topic });
  }
}
