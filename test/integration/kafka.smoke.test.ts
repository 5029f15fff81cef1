// Smoke test: the Kafka 4.x broker that `scripts/services up` (or docker compose) starts answers
// through the real kafkajs client: create a topic, produce one message, consume it back.
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import * as assert from 'uvu/assert';
import { canRestart, restartService, serviceSuite, serviceUrls, uniqueName, within } from '../support/services.js';

const test = await serviceSuite('kafka smoke', 'kafka');
// Restarting the broker is only possible (and only proves something) when scripts/services runs it.
const managed = await canRestart('kafka');

function kafkaClient(): Kafka {
  return new Kafka({
    clientId: 'plexspaces-channel-smoke',
    brokers: serviceUrls.kafka.split(',').map((b) => b.trim()),
    connectionTimeout: 3000,
    // The first use of a fresh broker logs "coordinator loading" retries that kafkajs handles
    // itself; a real failure still surfaces as a rejected promise in the test.
    logLevel: logLevel.NOTHING,
    // Bounded retries (about 6 s in all): against a missing broker a connect must give up on its
    // own, or its retry timers outlive the test and keep the process from exiting.
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 5 },
  });
}

interface Received {
  key: string;
  value: string;
  header: string;
  offset: string;
}

/** Runs the consumer until its first message arrives and returns that message. */
function firstMessage(consumer: Consumer): Promise<Received> {
  return new Promise<Received>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          resolve({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            header: message.headers?.kind?.toString() ?? '',
            offset: message.offset,
          });
        },
      })
      .catch(reject);
  });
}

/** Bounded clean-up: against a dead broker kafkajs would retry each of these for a long time. */
const quietly = (what: string, work: Promise<unknown>) => within(10_000, what, work).catch(() => {});

test('produce one message to a new topic and consume it back with a new group', async () => {
  const kafka = kafkaClient();
  const topic = uniqueName('smoke.kafka');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  let created = false;
  try {
    await within(20_000, 'admin connect', admin.connect());
    created = await within(
      30_000,
      'createTopics',
      admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }),
    );
    assert.ok(created, `topic ${topic} was created`);

    await within(20_000, 'producer connect', producer.connect());
    const [sent] = await within(
      20_000,
      'send',
      producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'k1', value: Buffer.from('hello kafka'), headers: { kind: 'smoke' } }],
      }),
    );
    assert.is(sent?.errorCode, 0);
    assert.is(sent?.baseOffset, '0');

    await within(20_000, 'consumer connect', consumer.connect());
    await within(20_000, 'subscribe', consumer.subscribe({ topics: [topic], fromBeginning: true }));
    const received = await within(60_000, 'consume the message back', firstMessage(consumer));
    assert.equal(received, { key: 'k1', value: 'hello kafka', header: 'smoke', offset: '0' });
  } finally {
    await quietly('consumer disconnect', consumer.disconnect());
    await quietly('producer disconnect', producer.disconnect());
    if (created) await quietly('deleteTopics', admin.deleteTopics({ topics: [topic], timeout: 5000 }));
    await quietly('admin disconnect', admin.disconnect());
  }
});

// Last in the file: it takes the broker away for several seconds.
const durable = managed ? test : test.skip;
durable('a message acknowledged by all replicas survives a graceful broker restart', async () => {
  const topic = uniqueName('smoke.kafka.durable');
  const before = kafkaClient();
  const producer = before.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await within(20_000, 'producer connect', producer.connect());
    // Auto-creation is on, as in the original's deployments: the first send creates the topic.
    await within(30_000, 'send', producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'kept' }] }));
  } finally {
    await quietly('producer disconnect', producer.disconnect());
  }

  await restartService('kafka');

  const after = kafkaClient();
  const consumer = after.consumer({ groupId: uniqueName('smoke-durable') });
  const admin = after.admin();
  try {
    await within(30_000, 'consumer connect', consumer.connect());
    await within(30_000, 'subscribe', consumer.subscribe({ topics: [topic], fromBeginning: true }));
    const received = await within(60_000, 'consume after the restart', firstMessage(consumer));
    assert.equal(received, { key: 'k', value: 'kept', header: '', offset: '0' });
  } finally {
    await quietly('consumer disconnect', consumer.disconnect());
    await quietly('admin connect', admin.connect());
    await quietly('deleteTopics', admin.deleteTopics({ topics: [topic], timeout: 5000 }));
    await quietly('admin disconnect', admin.disconnect());
  }
});

test.run();
