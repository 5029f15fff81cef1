// The Kafka backend: `KafkaChannel.connect(brokers, topic, options)`, or
// openChannel('kafka://b1:9092,b2:9092/topic?partitions=3'). Loads kafkajs (an optional peer
// dependency); the package's main entry never does.
import type { Channel, ChannelOptions } from '../../channel.js';
import type { ChannelUrl } from '../../channel-url.js';
import { InvalidConfigurationError } from '../../errors.js';
import { KafkaChannel } from './kafka-channel.js';
import type { KafkaBackendOptions, KafkaChannelOptions } from './kafka-options.js';

export { KafkaChannel } from './kafka-channel.js';
export type { KafkaBackendOptions, KafkaChannelOptions, KafkaSasl } from './kafka-options.js';

/** Query parameters a kafka:// URL takes, and how each is read. */
const URL_PARAMS: Record<string, (v: string) => unknown> = {
  clientId: (v) => v,
  partitions: Number,
  replicationFactor: Number,
  acks: (v) => (v === 'all' ? 'all' : Number(v)),
  compression: (v) => v,
  lingerMs: Number,
  batchBytes: Number,
  prefetch: Number,
  ssl: (v) => v === 'true',
  mechanism: (v) => v,
};

/** openChannel('kafka://BROKER1:PORT,BROKER2:PORT/TOPIC'): credentials in the URL become SASL (`?mechanism=`, default plain). */
export async function openFromUrl(url: ChannelUrl, options: Omit<ChannelOptions, 'name'> & KafkaBackendOptions = {}): Promise<Channel> {
  const fromUrl: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(url.params)) {
    const read = URL_PARAMS[name];
    if (read === undefined) {
      throw new InvalidConfigurationError(`kafka:// URL parameter '${name}' is unknown (${url.display}); use ${Object.keys(URL_PARAMS).join(', ')}, or pass options to openChannel`);
    }
    fromUrl[name] = read(value);
  }
  const { mechanism, ...rest } = fromUrl;
  if (url.username !== undefined) {
    rest.sasl = { mechanism: mechanism ?? 'plain', username: url.username, password: url.password ?? '' };
  }
  return KafkaChannel.connect(url.hosts, url.name, { ...rest, ...options } as KafkaChannelOptions);
}
