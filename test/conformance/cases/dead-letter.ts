// Retries and the dead-letter channel: maxRetries redeliveries, then the dead-letter channel gets a
// copy with the original payload, envelope and headers plus the documented dead-letter headers
// (dead-letters.ts checks them all). maxRetries 0 means the first failure goes straight there (the
// original silently turned 0 into 3).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { isChannelError } from '../../../src/errors.js';
import { assertDeadLetterCopy, withDeadLetter } from '../dead-letters.js';
import { bytes, caseRegistrar, expectNothing, text, watch, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noDlq = !caps.deadLetter && 'backend does not declare deadLetter';
  const noRetries = noDlq || (!caps.redelivery && 'backend does not declare redelivery');
  const noDeadline = noDlq || (!caps.ackDeadline && 'backend does not declare ackDeadline');

  it(
    'maxRetries 2: three deliveries, then the dead-letter channel gets a new message with the original payload, envelope, headers and the dead-letter headers',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 2 });
      const headers = { 'x-order': '17', 'content-type': 'text/plain' };
      const id = await ch.send(bytes('poison'), { headers, key: 'k-17', correlationId: 'corr-17', replyTo: 'replies-17' });
      for (let n = 1; n <= 2; n++) {
        const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
        assert.is(d.id, id, 'every redelivery keeps the id');
        assert.is(d.deliveryCount, n);
        await d.nack();
      }
      const last = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(last.id, id, 'every redelivery keeps the id');
      assert.is(last.deliveryCount, 3);
      const before = Date.now();
      await last.nack();
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(dead, { source: ch, dlq, last, exactCount: true, settledBetween: [before, Date.now()] }, 'nack past maxRetries');
      await dead.ack();
      await expectNothing(ch, h.ms(150), 'a message past maxRetries was delivered again');
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
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(d.deliveryCount, 1);
      const before = Date.now();
      await d.nack();
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(dead, { source: ch, dlq, last: d, exactCount: true, settledBetween: [before, Date.now()] }, 'the first nack with maxRetries 0');
      await expectNothing(ch, h.ms(150), 'maxRetries 0 redelivered');
    },
    { skip: noDlq },
  );

  it(
    'maxRetries 0 with an ack deadline: a delivery left unsettled past the deadline is dead-lettered, as if nacked',
    async (h) => {
      const deadline = h.ms(150);
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 0, ackTimeoutMs: deadline });
      const consumer = await h.another(ch);
      await ch.send(bytes('forgotten'), { headers: { why: 'never settled' } });
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      const received = Date.now();
      assert.is(d.deliveryCount, 1);
      // Another consumer keeps receiving, as a running service does: a backend may notice missed
      // deadlines only when someone receives. It must not get the message; the dead-letter channel must.
      const stillReceiving = watch(consumer.receiveDelivery({ timeoutMs: h.ms(1500) }));
      const dead = await dlq.receiveDelivery({ timeoutMs: deadline + h.ms(5000) });
      assertDeadLetterCopy(
        dead,
        { source: ch, dlq, last: d, exactCount: caps.exactDeliveryCount, settledBetween: [received + deadline, Date.now()] },
        'a missed ack deadline with maxRetries 0',
      );
      await stillReceiving.done;
      assert.ok(isChannelError(stillReceiving.error, 'Timeout'), `the other consumer got nothing (got ${stillReceiving.value ? text(stillReceiving.value.data) : String(stillReceiving.error)})`);
    },
    { skip: noDeadline },
  );

  it(
    'deadLetter(reason) sends it there at once with that reason; it is not redelivered',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 5 });
      await ch.send(bytes('{not json'), { headers: { 'content-type': 'application/json' } });
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      const before = Date.now();
      await d.deadLetter('payload is not valid JSON');
      assert.is(d.settlement, 'dead-lettered');
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(
        dead,
        { source: ch, dlq, last: d, reason: 'payload is not valid JSON', exactCount: true, settledBetween: [before, Date.now()] },
        'deadLetter(reason)',
      );
      await expectNothing(ch, h.ms(150), 'a dead-lettered message was redelivered');
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
        const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
        assert.is(d.deliveryCount, n);
        await d.nack();
      }
      await expectNothing(ch, h.ms(150), 'a message past maxRetries was delivered again');
      assert.is(ch.stats().failed, 1);
      assert.is(ch.stats().deadLettered, 0, 'nothing was written to a dead-letter channel');
    },
    { skip: !caps.redelivery && 'backend does not declare redelivery' },
  );
}
