// A long handler keeps its consumer in the group: a delivery held past sessionTimeoutMs (the
// client keeps heartbeating; handlers run outside its fetch loop) is not taken from its holder
// and redelivered to the other member, and its ack then commits. About 12 s.
import * as assert from 'uvu/assert';
import { isChannelError } from '../../src/errors.js';
import { serviceSuite } from '../support/services.js';
import { cleanupTopics, decode, encode, open, sleep, topicName } from './helpers.js';

const test = await serviceSuite('kafka: a long handler keeps the group alive', 'kafka');
const SESSION_MS = 6000; // the broker's group.min.session.timeout.ms

test(`a delivery held for ${SESSION_MS + 3000} ms (sessionTimeoutMs ${SESSION_MS}) stays with its consumer; the other member never gets it`, async () => {
  const topic = topicName('longhandler');
  const options = { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 500 };
  const holder = await open(topic, options);
  const other = await holder.another(); // the same Kafka options
  try {
    await holder.send(encode('slow job'));
    const d = await holder.receiveDelivery({ timeoutMs: 15_000 });
    // The other member joins and waits while the handler "works" longer than a session.
    const stolen = other.receiveDelivery({ timeoutMs: SESSION_MS + 4000 }).then(
      (got) => `the other member got "${decode(got.data)}"`,
      (err: unknown) => (isChannelError(err, 'Timeout') ? undefined : String(err)),
    );
    await sleep(SESSION_MS + 3000);
    assert.is(holder.status, 'connected', 'the holder is still connected');
    await d.ack();
    assert.is(await stolen, undefined, 'the held delivery stayed with its consumer');
    assert.is(holder.stats().acked, 1);
  } finally {
    await Promise.all([holder.close(), other.close()]);
    await cleanupTopics(topic);
  }
});

test.run();
