// The dead-letter headers that depend on how a message was given up: the error passed to nack or
// deadLetter (its name and message go along), and the subscription group it was consumed in. The
// headers every copy carries are checked by every dead-letter case (dead-letters.ts).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertDeadLetterCopy, withDeadLetter } from '../dead-letters.js';
import { bytes, caseRegistrar, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noDlq = !caps.deadLetter && 'backend does not declare deadLetter';

  it(
    "nack({ error: new TypeError('bad') }) past maxRetries puts the error's name and message into the dead-letter headers",
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 1 });
      await ch.send(bytes('fails twice'), { headers: { attempt: 'all' } });
      const first = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      // An error on a nack that is retried travels nowhere yet; the one on the nack that
      // exhausts the retries is what the dead-letter copy must name.
      await first.nack({ error: new RangeError('the first failure') });
      const last = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(last.deliveryCount, 2);
      const before = Date.now();
      await last.nack({ error: new TypeError('bad') });
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(
        dead,
        { source: ch, dlq, last, error: { name: 'TypeError', message: 'bad' }, exactCount: true, settledBetween: [before, Date.now()] },
        'nack with an error past maxRetries',
      );
      await dead.ack();
    },
    { skip: noDlq || (!caps.redelivery && 'backend does not declare redelivery') },
  );

  it(
    "deadLetter(reason, { error }) carries the reason and the error's name and message",
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 5 });
      await ch.send(bytes('{"size": 1e9}'), { key: 'order-9' });
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      const before = Date.now();
      await d.deadLetter('order too large', { error: new RangeError('size 1e9 exceeds 1e6') });
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(
        dead,
        {
          source: ch,
          dlq,
          last: d,
          reason: 'order too large',
          error: { name: 'RangeError', message: 'size 1e9 exceeds 1e6' },
          exactCount: true,
          settledBetween: [before, Date.now()],
        },
        'deadLetter with an error',
      );
      await dead.ack();
    },
    { skip: noDlq },
  );

  it(
    'a message dead-lettered by a member of a subscription group names that group',
    async (h) => {
      const { ch, dlq } = await withDeadLetter(h, { maxRetries: 0 });
      const group = h.group();
      const sub = await ch.subscribe({ group });
      await ch.publish(bytes('group work'), { headers: { for: 'the group' } });
      const d = await sub.next({ timeoutMs: h.ms(5000) });
      const before = Date.now();
      await d.deadLetter('the group gave up');
      const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
      assertDeadLetterCopy(
        dead,
        { source: ch, dlq, last: d, reason: 'the group gave up', group, exactCount: true, settledBetween: [before, Date.now()] },
        'deadLetter in a subscription group',
      );
      await dead.ack();
    },
    { skip: noDlq || (!caps.consumerGroups && 'backend does not declare consumerGroups') },
  );
}
