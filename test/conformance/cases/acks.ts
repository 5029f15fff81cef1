// Acknowledged delivery: nack redelivers, an ack settles for good, settlements are idempotent and
// exclusive, and a message nobody settled is not lost when its consumer goes away.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Delivery } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import { assertNoneLost, bytes, caseRegistrar, closeScopeOf, drainUntilQuiet, expectCode, expectNothing, sleep, text, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noRedelivery = !caps.redelivery && 'backend does not declare redelivery';
  const noDeadline = !caps.ackDeadline && 'backend does not declare ackDeadline (unsettled deliveries are not redelivered on a timer)';

  it(
    'nack redelivers the same message (same id, data and headers) with a growing delivery count',
    async (h) => {
      const ch = await h.open({ maxRetries: 10 });
      const id = await ch.send(bytes('retry me'), { headers: { attempt: 'any' } });
      for (let expected = 1; expected <= 3; expected++) {
        const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
        assert.is(d.id, id);
        assert.is(text(d.data), 'retry me');
        assert.is(d.headers.attempt, 'any');
        assert.is(d.deliveryCount, expected);
        if (expected < 3) await d.nack();
        else await d.ack();
      }
      await expectNothing(ch, h.ms(150), 'after the final ack');
    },
    { skip: noRedelivery },
  );

  it(
    'nack with delayMs holds the message back for that long',
    async (h) => {
      const ch = await h.open({ maxRetries: 10 });
      await ch.send(bytes('later'));
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      const delay = h.ms(300);
      const nackedAt = performance.now();
      await d.nack({ delayMs: delay });
      assert.is(await ch.tryReceive(), undefined, 'not available right after a delayed nack');
      const again = await ch.receiveDelivery({ timeoutMs: delay + h.ms(5000) });
      const waited = performance.now() - nackedAt;
      assert.is(text(again.data), 'later');
      assert.is(again.deliveryCount, 2);
      assert.ok(waited >= delay - 10, `redelivered after ${waited.toFixed(0)} ms, before the ${delay} ms delay`);
      await again.ack();
    },
    { skip: noRedelivery },
  );

  it('nack({ requeue: false }) settles the message as failed: never redelivered', async (h) => {
    const ch = await h.open({ maxRetries: 10 });
    await ch.send(bytes('give up'));
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    await d.nack({ requeue: false });
    assert.is(d.settlement, 'nacked');
    await expectNothing(ch, h.ms(200), 'after nack without requeue');
    assert.is(ch.stats().failed, 1, 'stats().failed counts it');
  });

  it(
    'an acked message stays acked: not redelivered after the ack deadline, to this handle or another',
    async (h) => {
      const ch = await h.open({ ackTimeoutMs: h.ms(150) });
      await ch.send(bytes('done'));
      await ch.send(bytes('done by receive'));
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      await d.ack();
      assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'done by receive', 'receive acks on hand-over');
      await sleep(h.ms(400));
      const other = await h.another(ch);
      await expectNothing(other, h.ms(150), 'an acked message came back on another handle');
      await expectNothing(ch, h.ms(150), 'an acked message came back');
    },
    { skip: noDeadline },
  );

  it('ack and nack are idempotent and mutually exclusive (AlreadySettled), on the delivery and by id', async (h) => {
    const ch = await h.open({ maxRetries: 10 });
    await ch.send(bytes('a'));
    await ch.send(bytes('b'));
    const a = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    await a.ack();
    await a.ack();
    await ch.ack(a.id);
    assert.is(a.settlement, 'acked');
    await expectCode(() => a.nack(), 'AlreadySettled', 'nack after ack');
    await expectCode(() => a.deadLetter('too late'), 'AlreadySettled', 'deadLetter after ack');
    await expectCode(() => ch.nack(a.id), 'AlreadySettled', 'nack(id) after ack');
    assert.is(ch.stats().acked, 1, 'a repeated ack counts once');

    const b = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    await ch.nack(b.id);
    await b.nack();
    assert.is(b.settlement, 'nacked');
    await expectCode(() => b.ack(), 'AlreadySettled', 'ack after nack');
    await expectCode(() => ch.ack(b.id), 'AlreadySettled', 'ack(id) after nack');
    if (caps.redelivery) {
      const again = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(text(again.data), 'b');
      assert.is(again.deliveryCount, 2);
      await again.ack();
      await expectNothing(ch, h.ms(150), 'a repeated nack requeued the message twice');
    }
  });

  it('ack / nack of an unknown id, or of a delivery another handle holds, is MessageNotFound', async (h) => {
    const ch = await h.open();
    const other = await h.another(ch);
    await expectCode(() => ch.ack('no-such-id'), 'MessageNotFound', 'ack of an unknown id');
    await expectCode(() => ch.nack('no-such-id'), 'MessageNotFound', 'nack of an unknown id');
    await ch.send(bytes('mine'));
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    await expectCode(() => other.ack(d.id), 'MessageNotFound', 'ack by id on a handle that did not receive it');
    await ch.ack(d.id);
    assert.is(d.settlement, 'acked', 'ack by id settles the delivery object too');
  });

  it(
    'a message its consumer never settled is redelivered to another consumer once the ack deadline passes (same id, data and headers)',
    async (h) => {
      // Generous, so that a stalled machine cannot make the early-redelivery check below fail.
      const deadline = h.ms(500);
      const ch = await h.open({ ackTimeoutMs: deadline, maxRetries: 10 });
      const gone = await h.another(ch);
      const fresh = await h.another(ch);
      await ch.send(bytes('orphan'), { headers: { keep: 'me' } });
      const lost = await gone.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(lost.deliveryCount, 1);
      await expectNothing(fresh, h.ms(50), 'redelivered before the ack deadline');
      const d = await fresh.receiveDelivery({ timeoutMs: deadline + h.ms(5000) });
      assert.is(d.id, lost.id, 'a redelivery keeps the message id');
      assert.is(text(d.data), 'orphan');
      assert.is(d.headers.keep, 'me');
      if (caps.exactDeliveryCount) assert.is(d.deliveryCount, 2, 'the missed deadline counts as a delivery');
      else assert.ok(d.deliveryCount >= lost.deliveryCount, `the delivery count only grows (exactDeliveryCount false): ${lost.deliveryCount} then ${d.deliveryCount}`);
      await d.ack();
    },
    { skip: noDeadline },
  );

  it(
    'a message its consumer never settled is redelivered to another consumer when that consumer closes',
    async (h) => {
      const ch = await h.open({ maxRetries: 10 });
      const gone = await h.another(ch);
      await ch.send(bytes('orphan'));
      const lost = await gone.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(lost.deliveryCount, 1);
      await gone.close();
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(10_000) });
      assert.is(text(d.data), 'orphan');
      await d.ack();
    },
    {
      skip:
        (noRedelivery || (closeScopeOf(backend) === 'channel' && 'close() ends the whole channel on this backend, so "the consumer goes away" is the ack-deadline case')),
      timeoutMs: 20_000,
    },
  );

  it(
    'after 3 consumers nack 100 times between them, a fresh consumer gets every message, each counting exactly the deliveries it had',
    async (h) => {
      const ch = await h.open({ maxRetries: 1000 });
      const bodyOf = new Map<string, string>();
      for (let i = 0; i < 10; i++) bodyOf.set(await ch.send(bytes(`job-${i}`)), `job-${i}`);
      // Per message id: how many times the failing consumers were handed it, and the last count seen.
      const deliveriesOf = new Map<string, number>();
      const lastCountOf = new Map<string, number>();
      const failing = [await h.another(ch), await h.another(ch), await h.another(ch)];
      let nacks = 0;
      await Promise.all(
        failing.map(async (c) => {
          while (nacks < 100) {
            let d: Delivery;
            try {
              d = await c.receiveDelivery({ timeoutMs: h.ms(5000) });
            } catch (err) {
              // Where members are given whole partitions, a consumer holding none gets nothing
              // while the others nack: it keeps asking (the 100 nacks still have to happen).
              if (caps.sharesByPartition && isChannelError(err, 'Timeout')) continue;
              throw err;
            }
            assert.is(text(d.data), bodyOf.get(d.id), `delivery ${d.id} carries the message sent under that id (the id survives a nack)`);
            const before = deliveriesOf.get(d.id) ?? 0;
            if (caps.exactDeliveryCount) assert.is(d.deliveryCount, before + 1, `${bodyOf.get(d.id)}: deliveryCount after ${before} nacks`);
            else assert.ok(d.deliveryCount >= (lastCountOf.get(d.id) ?? 1), `${bodyOf.get(d.id)}: the delivery count only grows`);
            deliveriesOf.set(d.id, before + 1);
            lastCountOf.set(d.id, d.deliveryCount);
            nacks += 1;
            await d.nack();
          }
        }),
      );
      // Where members hold whole partitions, a consumer that stopped receiving keeps its
      // partitions until it leaves: the failing ones leave, so the fresh one is given them.
      if (caps.sharesByPartition) for (const c of failing) await c.close();
      // Every nack put its message back: the fresh consumer must see each one, with a count of
      // 1 + the nacks it had, so the counts add up to the nacks made.
      const fresh = await h.another(ch);
      const got: string[] = [];
      const seen = new Set<string>();
      let countedRedeliveries = 0;
      while (seen.size < bodyOf.size) {
        const d = await fresh.receiveDelivery({ timeoutMs: h.ms(5000) }).catch((err: unknown) => {
          throw new Error(`the fresh consumer got ${seen.size} of ${bodyOf.size} messages, then: ${String(err)}`, { cause: err });
        });
        const nacked = deliveriesOf.get(d.id) ?? 0;
        if (caps.exactDeliveryCount) assert.is(d.deliveryCount, nacked + 1, `${text(d.data)}: deliveryCount is 1 + its ${nacked} nacks`);
        else assert.ok(d.deliveryCount >= (lastCountOf.get(d.id) ?? 1), `${text(d.data)}: the delivery count only grows`);
        if (!seen.has(d.id)) countedRedeliveries += d.deliveryCount - 1;
        seen.add(d.id);
        got.push(text(d.data));
        await d.ack();
      }
      got.push(...(await drainUntilQuiet(fresh, h.ms(150))));
      assertNoneLost(got, [...bodyOf.values()], 'what the fresh consumer got after the nacks', caps);
      if (caps.exactDeliveryCount) assert.is(countedRedeliveries, nacks, 'the delivery counts add up to the nacks made');
    },
    { skip: noRedelivery, timeoutMs: 20_000 },
  );

  it('for-await over the channel acks each delivery when it asks for the next, and requeues the current one on break', async (h) => {
    const ch = await h.open({ maxRetries: 10 });
    for (const s of ['it-0', 'it-1', 'it-2']) await ch.send(bytes(s));
    const seen: string[] = [];
    for await (const d of ch) {
      seen.push(text(d.data));
      if (seen.length === 2) break; // it-1 is unsettled when the loop is left
    }
    const leftAtBreak = seen[1]!;
    assert.is(seen.length, 2);
    const s = ch.stats();
    assert.is(s.acked, 1, 'the first delivery was acked when the loop asked for the next');
    assert.is(s.inFlight, 0, 'nothing is left unsettled after break');
    if (caps.redelivery) {
      const rest: Delivery[] = [await ch.receiveDelivery({ timeoutMs: h.ms(5000) }), await ch.receiveDelivery({ timeoutMs: h.ms(5000) })];
      const requeued = rest.find((d) => text(d.data) === leftAtBreak);
      assert.ok(requeued, `the delivery left at break (${leftAtBreak}) comes back`);
      assert.is(requeued.deliveryCount, 2);
      const all = [...seen.slice(0, 1), ...rest.map((d) => text(d.data))];
      assert.equal(all.sort(), ['it-0', 'it-1', 'it-2']);
      for (const d of rest) await d.ack();
    }
    await expectNothing(ch, h.ms(150), 'the acked first delivery came back');
  });
}
