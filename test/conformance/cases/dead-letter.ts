// Retries and the dead-letter channel: maxRetries redeliveries, then the dead-letter channel gets
// the original payload and headers plus the reason. maxRetries 0 means the first failure goes
// straight there (the original silently turned 0 into 3).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel, Delivery } from '../../../src/channel.js';
import { DEAD_LETTER_HEADERS } from '../../../src/base/dead-letter.js';
import { isChannelError } from '../../../src/errors.js';
import { bytes, caseRegistrar, expectNothing, text, uniqueName, watch, type BackendUnderTest, type Handles } from '../backend.js';

/** A channel with a dead-letter channel, the dead-letter channel opened first so it is listening. */
async function withDeadLetter(h: Handles, options: { maxRetries: number; ackTimeoutMs?: number }): Promise<{ ch: Channel; dlq: Channel }> {
  const dlqName = uniqueName('dlq');
  const dlq = await h.named(dlqName);
  const ch = await h.open({ ...options, deadLetter: dlqName });
  return { ch, dlq };
}

function assertDeadLettered(d: Delivery, source: Channel, payload: string, headers: Record<string, string>, reason?: string): void {
  assert.is(text(d.data), payload, 'the dead-letter channel keeps the original payload');
  for (const [k, v] of Object.entries(headers)) assert.is(d.headers[k], v, `original header ${k} kept`);
  const why = d.headers[DEAD_LETTER_HEADERS.reason];
  assert.type(why, 'string', `the ${DEAD_LETTER_HEADERS.reason} header says why`);
  assert.ok(why!.length > 0, 'the reason is not empty');
  if (reason !== undefined) assert.is(why, reason);
  assert.is(d.headers[DEAD_LETTER_HEADERS.originalChannel], source.name, `the ${DEAD_LETTER_HEADERS.originalChannel} header names where it came from`);
}

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noDlq = !caps.deadLetter && 'backend does not declare deadLetter';
  const noRetries = noDlq || (!caps.redelivery && 'backend does not declare redelivery');

  it(
    'maxRetries 2: three deliveries, then the dead-letter channel gets the original payload, headers and a reason',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 2 });
      const headers = { 'x-order': '17', 'content-type': 'text/plain' };
      await ch.send(bytes('poison'), { headers, key: 'k-17' });
      for (let n = 1; n <= 3; n++) {
        const d = await ch.receiveDelivery({ timeoutMs: 5000 });
        assert.is(d.deliveryCount, n);
        await d.nack();
      }
      await expectNothing(ch, 150, 'a message past maxRetries was delivered again');
      const dead = await dlq.receiveDelivery({ timeoutMs: 5000 });
      assertDeadLettered(dead, ch, 'poison', headers);
      assert.is(dead.key, 'k-17', 'the key is kept');
      await dead.ack();
      assert.is(ch.stats().deadLettered, 1);
    },
    { skip: noRetries },
  );

  it(
    'maxRetries 0: the first nack dead-letters (0 is not turned into a default)',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 0 });
      assert.is(ch.options.maxRetries, 0, 'the option reads back as given');
      await ch.send(bytes('once only'), { headers: { n: '1' } });
      const d = await ch.receiveDelivery({ timeoutMs: 5000 });
      assert.is(d.deliveryCount, 1);
      await d.nack();
      await expectNothing(ch, 150, 'maxRetries 0 redelivered');
      assertDeadLettered(await dlq.receiveDelivery({ timeoutMs: 5000 }), ch, 'once only', { n: '1' });
    },
    { skip: noDlq },
  );

  it(
    'maxRetries 0 with an ack deadline: a delivery left unsettled past the deadline is dead-lettered, as if nacked',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 0, ackTimeoutMs: h.ms(150) });
      const consumer = await h.another(ch);
      await ch.send(bytes('forgotten'));
      const d = await ch.receiveDelivery({ timeoutMs: 5000 });
      assert.is(d.deliveryCount, 1);
      // Another consumer keeps receiving, as a running service does: a backend may notice missed
      // deadlines only when someone receives. It must not get the message; the dead-letter channel must.
      const stillReceiving = watch(consumer.receiveDelivery({ timeoutMs: h.ms(1500) }));
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(150) + 5000 });
      assertDeadLettered(dead, ch, 'forgotten', {});
      await stillReceiving.done;
      assert.ok(isChannelError(stillReceiving.error, 'Timeout'), `the other consumer got nothing (got ${stillReceiving.value ? text(stillReceiving.value.data) : String(stillReceiving.error)})`);
    },
    { skip: noRetries },
  );

  it(
    'deadLetter(reason) sends it there at once with that reason; it is not redelivered',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 5 });
      await ch.send(bytes('{not json'), { headers: { 'content-type': 'application/json' } });
      const d = await ch.receiveDelivery({ timeoutMs: 5000 });
      await d.deadLetter('payload is not valid JSON');
      assert.is(d.settlement, 'dead-lettered');
      assertDeadLettered(await dlq.receiveDelivery({ timeoutMs: 5000 }), ch, '{not json', { 'content-type': 'application/json' }, 'payload is not valid JSON');
      await expectNothing(ch, 150, 'a dead-lettered message was redelivered');
      assert.is(ch.stats().deadLettered, 1);
    },
    { skip: noDlq },
  );

  it(
    'without a dead-letter channel, a message past maxRetries is dropped and counted as failed',
    async (h) => {
      const ch = await h.open({ maxRetries: 1 });
      await ch.send(bytes('hopeless'));
      for (let n = 1; n <= 2; n++) {
        const d = await ch.receiveDelivery({ timeoutMs: 5000 });
        assert.is(d.deliveryCount, n);
        await d.nack();
      }
      await expectNothing(ch, 150, 'a message past maxRetries was delivered again');
      assert.is(ch.stats().failed, 1);
    },
    { skip: !caps.redelivery && 'backend does not declare redelivery' },
  );
}
