// KafkaChannel: the Channel contract over Apache Kafka (kafkajs behind the client seam). The
// class is a facade: the whole contract comes from the shared template (src/base/base-channel.ts),
// the primitives from KafkaTransport; this file adds only what is Kafka's own — connecting
// (`KafkaChannel.connect`), the broker list and the backend's options (credentials masked).
import type { Channel } from '../../channel.js';
import { BaseChannel } from '../../base/base-channel.js';
import { BackendError, InvalidConfigurationError, TimeoutError, isChannelError } from '../../errors.js';
import { resolveOptions, type ResolvedOptions } from '../../options.js';
import type { BrokerClient } from './client-seam.js';
import type { TakeSource } from './consumer-feed.js';
import type { KafkaDelivery } from './kafka-delivery.js';
import { safeMessage } from './kafka-errors.js';
import { checkBrokers, KAFKA_OPTION_KEYS, redactedKafkaOptions, resolveKafkaOptions, type KafkaBackendOptions, type KafkaChannelOptions, type ResolvedKafkaOptions } from './kafka-options.js';
import { KafkaTransport, type KafkaTarget } from './kafka-transport.js';
import type { KafkaRaw } from './kafka-wire.js';
import { KafkajsClient } from './kafkajs-seam.js';

export class KafkaChannel extends BaseChannel<KafkaRaw, TakeSource, KafkaTarget, KafkaDelivery> {
  /** Every broker of the list, as given (the client may learn the others from them). */
  readonly brokers: readonly string[];
  readonly #kafka: ResolvedKafkaOptions;
  readonly #backendOptions: KafkaBackendOptions;

  private constructor(resolved: ResolvedOptions, transport: KafkaTransport, brokers: readonly string[], kafka: ResolvedKafkaOptions, backendOptions: KafkaBackendOptions) {
    super(resolved, transport);
    this.brokers = brokers;
    this.#kafka = kafka;
    this.#backendOptions = backendOptions;
  }

  /**
   * Connects to the brokers (every one of `brokers`) and opens `topic`, creating it with the
   * configured partitions and replication when it is missing. Fails with InvalidConfiguration for
   * bad options, and with BackendError or Timeout within `connectTimeoutMs` when no broker answers.
   */
  static async connect(brokers: string | readonly string[], topic: string, options: KafkaChannelOptions = {}): Promise<KafkaChannel> {
    if (options === null || typeof options !== 'object') throw new InvalidConfigurationError('KafkaChannel options must be an object, e.g. { partitions: 3 }');
    const list = checkBrokers(brokers);
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Record<string, unknown>;
    const resolved = resolveOptions({ ...given, name: topic } as never, KAFKA_OPTION_KEYS);
    const backendOptions = Object.fromEntries(KAFKA_OPTION_KEYS.filter((k) => k in given).map((k) => [k, given[k]])) as KafkaBackendOptions;
    const kafka = resolveKafkaOptions(backendOptions);
    const client = new KafkajsClient({
      brokers: list,
      clientId: kafka.clientId,
      ssl: kafka.ssl,
      sasl: kafka.sasl,
      connectTimeoutMs: resolved.connectTimeoutMs,
      requestTimeoutMs: kafka.requestTimeoutMs,
      idempotent: kafka.acks === -1,
    });
    const transport = new KafkaTransport({
      brokers: list,
      options: resolved,
      kafka,
      client,
      openSibling: (name) => KafkaChannel.connect(list, name, { ...backendOptions, connectTimeoutMs: resolved.connectTimeoutMs }),
      topicOf: (channel) => topicOn(channel, list),
    });
    const channel = new KafkaChannel(resolved, transport, list, kafka, backendOptions);
    await connectWithin(transport, client, resolved.connectTimeoutMs, list, kafka.sasl ? [kafka.sasl.password] : [], topic);
    return channel;
  }

  /** The Kafka options in force, with the SASL password masked. */
  get kafkaOptions(): Readonly<Record<string, unknown>> {
    return redactedKafkaOptions(this.#kafka);
  }

  /** Another handle on the same topic with the same Kafka options (another consumer or producer). */
  another(options: Omit<KafkaChannelOptions, keyof KafkaBackendOptions> = {}): Promise<KafkaChannel> {
    const { name: _name, ...shared } = this.options;
    return KafkaChannel.connect(this.brokers, this.name, { ...shared, ...this.#backendOptions, ...options });
  }
}

function topicOn(channel: Channel, brokers: readonly string[]): string {
  if (!(channel instanceof KafkaChannel) || [...channel.brokers].sort().join(',') !== [...brokers].sort().join(',')) {
    throw new InvalidConfigurationError('a transaction sends to Kafka channels on the same brokers only (pass a KafkaChannel opened on the same broker list)');
  }
  return channel.name;
}

async function connectWithin(transport: KafkaTransport, client: BrokerClient, ms: number, brokers: readonly string[], secrets: string[], topic: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`no Kafka broker of ${brokers.join(',')} answered within connectTimeoutMs (${ms} ms); check that Kafka runs there, or raise connectTimeoutMs`, { channel: topic })),
      ms,
    );
  });
  try {
    await Promise.race([transport.connect(), timeout]);
  } catch (err) {
    void transport.close().catch(() => {});
    void client.close().catch(() => {});
    if (isChannelError(err)) throw err;
    throw new BackendError(`connecting to Kafka at ${brokers.join(',')} failed: ${safeMessage(err, secrets)}; check the broker list, TLS and SASL settings, and that Kafka runs there`, { channel: topic });
  } finally {
    clearTimeout(timer);
  }
}
