// A nack on Kafka re-produces the message to the topic every group reads: the copy is addressed
// to the group it came through (`ps-for-group`), so a nack in one group is redelivered there and
// reaches neither another group nor the receivers' queue — and a nack on the receivers' queue
// reaches no group. About 10 s.
import * as assert from 'uvu/assert';
import { isChannelError } from '../../src/errors.js';
import type { Delivery, Subscription } from '../../src/channel.js';
import { serviceSuite } from '../support/services.js';
import { cleanupTopics, decode, encode, open, topicName } from './helpers.js';

const test = await serviceSuite('kafka: a nack reaches only its own group', 'kafka');

async function nothingMore(next: () => Promise<Delivery>, what: string): Promise<void> {
  try {
    const d = await next();
    assert.unreachable(`${what}: got "${decode(d.data)}" (deliveryCount ${d.deliveryCount})`);
  } catch (err) {
    if (!isChannelError(err, 'Timeout')) throw err;
  }
}

test('a message nacked in group A comes back in A only; one nacked by a receiver comes back to the receivers only', async () => {
  const topic = topicName('nackcopy');
  const ch = await open(topic, { maxRetries: 5 });
  const subs: Subscription[] = [];
  try {
    const a = await ch.subscribe({ group: 'a' });
    const b = await ch.subscribe({ group: 'b' });
    subs.push(a, b);
    await ch.send(encode('work'));
    const inA = await a.next({ timeoutMs: 15_000 });
    await inA.nack();
    const again = await a.next({ timeoutMs: 15_000 });
    assert.is(again.id, inA.id, 'the copy keeps the id');
    assert.is(again.deliveryCount, 2);
    await again.ack();
    const inB = await b.next({ timeoutMs: 15_000 });
    assert.is(inB.deliveryCount, 1, 'group B gets the message once, as sent');
    await inB.nack();
    const backInB = await b.next({ timeoutMs: 15_000 });
    assert.is(backInB.deliveryCount, 2);
    await backInB.ack();
    const r = await ch.receiveDelivery({ timeoutMs: 15_000 });
    assert.is(r.deliveryCount, 1, 'the receivers get the message once, as sent');
    await r.nack();
    const backToReceivers = await ch.receiveDelivery({ timeoutMs: 15_000 });
    assert.is(backToReceivers.deliveryCount, 2);
    await backToReceivers.ack();
    await nothingMore(() => ch.receiveDelivery({ timeoutMs: 1500 }), "a group's copy reached the receivers");
    await nothingMore(() => a.next({ timeoutMs: 1000 }), "another's copy reached group A");
    await nothingMore(() => b.next({ timeoutMs: 1000 }), "another's copy reached group B");
  } finally {
    await ch.close();
    await cleanupTopics(topic);
  }
});

test.run();
