// The conformance suite against the real Kafka 4.1 broker that scripts/services runs (KRaft, one
// node). Every case gets fresh topics; cleanup deletes each topic a case used, its inbox topics
// and every consumer group scoped by it (`<topic>.…`). The broker cases restart and kill the
// broker: each restart takes 10-30 s on this machine, so those cases come last (suite.ts).
import { KafkaChannel } from '../../src/backends/kafka/index.js';
import { KafkajsClient } from '../../src/backends/kafka/kafkajs-seam.js';
import type { Channel } from '../../src/channel.js';
import { canRestart, killService, restartService, serviceSuite, serviceUrls, startService } from '../support/services.js';
import { uniqueName, type BackendUnderTest } from './backend.js';
import { defineConformanceSuite } from './suite.js';

const test = await serviceSuite('conformance: kafka', 'kafka');
const brokers = serviceUrls.kafka.split(',').map((b) => b.trim());
const restartable = await canRestart('kafka');

function kafkaOf(channel: Channel): KafkaChannel {
  if (!(channel instanceof KafkaChannel)) throw new Error('the kafka factory was handed a channel of another backend');
  return channel;
}

let capabilities = (await import('../../src/backends/kafka/kafka-capabilities.js')).KAFKA_CAPABILITIES;
try {
  const probe = await KafkaChannel.connect(brokers, uniqueName('kafka-probe'), { connectTimeoutMs: 5000 });
  capabilities = probe.capabilities;
  await probe.close();
} catch {
  // Not reachable: serviceSuite skips (or, in CI, fails) the suite.
}

const admin = new KafkajsClient({ brokers, clientId: 'conformance-cleanup', ssl: undefined, sasl: undefined, connectTimeoutMs: 5000, requestTimeoutMs: 10_000, idempotent: false });
let adminUp: Promise<void> | undefined;

/** Deletes the topic `name`, its inbox topics and every group scoped by it; nothing under it is fine. */
async function cleanup(name: string): Promise<void> {
  adminUp ??= admin.connect().catch((err: unknown) => {
    adminUp = undefined;
    throw err;
  });
  await adminUp;
  const topics = (await admin.listTopics()).filter((t) => t === name || t.startsWith(`${name}.ps-inbox-`));
  const groups = (await admin.listGroups()).filter((g) => g.startsWith(`${name}.`));
  // A member that was killed (or whose handle is still closing) stays in its group until its
  // session times out, and a group with a member cannot be deleted: try again for a while.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.deleteGroups(groups);
      break;
    } catch (err) {
      if (attempt >= 15) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  await admin.deleteTopics(topics);
}

const kafka: BackendUnderTest = {
  name: 'kafka',
  capabilities,
  open: async (options = {}) => KafkaChannel.connect(brokers, uniqueName('kconf'), options),
  openAnother: async (channel) => kafkaOf(channel).another(),
  openNamed: async (name, options = {}) => KafkaChannel.connect(brokers, name, options),
  cleanup,
  closeScope: 'handle',
  url: (name) => `kafka://${brokers.join(',')}/${name}`,
  // Group joins and rebalances take a heartbeat or two; the broker is one JVM on a shared 2-core machine.
  timeScale: 1.5,
  ...(restartable
    ? {
        broker: {
          restart: async () => void (await restartService('kafka')),
          kill: async () => void (await killService('kafka')),
          start: async () => void (await startService('kafka')),
        },
      }
    : {}),
};

test.after(async () => {
  await admin.close();
});
defineConformanceSuite(kafka, test as Parameters<typeof defineConformanceSuite>[1]).run();
