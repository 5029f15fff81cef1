// Connecting: every broker of the list is used, a bad list or option is a typed error at once,
// an unreachable broker a typed error within connectTimeoutMs, credentials never show (errors,
// stats, options), and the producer settings (acks, compression, batching, linger) work against
// the real broker. About 15 s.
import * as assert from 'uvu/assert';
import { KafkaChannel } from '../../src/backends/kafka/index.js';
import { redactedKafkaOptions, resolveKafkaOptions } from '../../src/backends/kafka/kafka-options.js';
import { isChannelError } from '../../src/errors.js';
import { openChannel } from '../../src/open.js';
import { serviceSuite } from '../support/services.js';
import { brokers, cleanupTopics, decode, encode, open, topicName } from './helpers.js';

const test = await serviceSuite('kafka: connecting and producer settings', 'kafka');
const SECRET = 'hunter2-do-not-print';

async function failure(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, but it succeeded');
}

test('every broker of the list is used: a dead broker first or last in the list still connects', async () => {
  const topic = topicName('brokers');
  for (const list of [['127.0.0.1:1', ...brokers], [...brokers, '127.0.0.1:1']]) {
    const ch = await KafkaChannel.connect(list, topic, { connectTimeoutMs: 10_000 });
    assert.equal(ch.brokers, list, 'the handle keeps the whole list');
    await ch.send(encode('via the list'));
    assert.is(decode(await ch.receive({ timeoutMs: 15_000 })), 'via the list');
    await ch.close();
  }
  await cleanupTopics(topic);
});

test('a bad broker list or option is InvalidConfiguration at once; an unreachable broker fails within connectTimeoutMs', async () => {
  for (const bad of [[], ['no-port'], ['host:99999'], 'x'] as unknown[]) {
    const err = await failure(() => KafkaChannel.connect(bad as string[], 'topic'));
    assert.ok(isChannelError(err, 'InvalidConfiguration'), `brokers ${JSON.stringify(bad)}: ${String(err)}`);
  }
  for (const [option, value] of [['partitions', 0], ['acks', 2], ['compression', 'zstd'], ['lingerMs', -1], ['sasl', { mechanism: 'kerberos' }], ['heartbeatIntervalMs', 20_000]] as const) {
    const err = await failure(() => KafkaChannel.connect(brokers, 'topic', { [option]: value }));
    assert.ok(isChannelError(err, 'InvalidConfiguration') && err.message.includes(option), `${option}: ${String(err)}`);
  }
  const began = performance.now();
  const err = await failure(() => KafkaChannel.connect(['127.0.0.1:1'], topicName('nobody'), { connectTimeoutMs: 2000 }));
  const took = performance.now() - began;
  assert.ok(isChannelError(err, 'BackendError') || isChannelError(err, 'Timeout'), String(err));
  assert.ok(took < 2000 + 1500, `gave up after ${took.toFixed(0)} ms (connectTimeoutMs 2000)`);
});

test('credentials never show: not in the error of a failed SASL connect (URL or options), nor in options, kafkaOptions or stats()', async () => {
  // The broker speaks PLAINTEXT without SASL: the handshake fails, and the error must not quote the password.
  const viaOptions = await failure(() => KafkaChannel.connect(brokers, topicName('sasl'), { sasl: { mechanism: 'plain', username: 'app', password: SECRET }, connectTimeoutMs: 5000 }));
  const viaUrl = await failure(() => openChannel(`kafka://app:${SECRET}@${brokers.join(',')}/${topicName('sasl')}`, { connectTimeoutMs: 5000 }));
  for (const err of [viaOptions, viaUrl]) {
    assert.ok(isChannelError(err), `a typed error: ${String(err)}`);
    const shown = `${err.message} ${err.stack} ${JSON.stringify(err)} ${String((err as { cause?: unknown }).cause ?? '')}`;
    assert.not.ok(shown.includes(SECRET), `the password shows in: ${err.message}`);
  }
  const topic = topicName('secrets');
  const ch = await open(topic, { clientId: 'secret-check' });
  try {
    const shown = JSON.stringify(redactedKafkaOptions(resolveKafkaOptions({ sasl: { mechanism: 'plain', username: 'app', password: SECRET } })));
    assert.not.ok(shown.includes(SECRET), 'kafkaOptions masks the password');
    assert.ok(shown.includes('***'));
    const printed = JSON.stringify({ options: ch.options, kafka: ch.kafkaOptions, stats: ch.stats() });
    assert.ok(printed.includes('secret-check'), 'the Kafka options are shown');
    assert.not.ok('sasl' in ch.options, 'channel.options holds the shared options only');
  } finally {
    await ch.close();
    await cleanupTopics(topic);
  }
});

test('producer settings against the broker: acks 1 and gzip, linger and small batches, all delivered in order', async () => {
  const topic = topicName('settings');
  const ch = await open(topic, { acks: 1, compression: 'gzip', lingerMs: 20, batchBytes: 2048 });
  try {
    assert.is(ch.kafkaOptions.acks, 1);
    assert.is(ch.kafkaOptions.compression, 'gzip');
    const bodies = Array.from({ length: 200 }, (_, i) => `m-${i}-`.padEnd(100, 'x'));
    // Concurrent sends within the linger share requests of at most batchBytes.
    await Promise.all(bodies.slice(0, 100).map((b) => ch.send(encode(b))));
    await ch.sendBatch(bodies.slice(100).map(encode));
    const got: string[] = [];
    while (got.length < bodies.length) got.push(decode(await ch.receive({ timeoutMs: 15_000 })));
    assert.equal(got, bodies, 'every message, in send order');
  } finally {
    await ch.close();
    await cleanupTopics(topic);
  }
});

test.run();
