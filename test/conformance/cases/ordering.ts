// Ordering promises, each only where the backend declares it: per-key order across the consumers
// of a channel — also between redeliveries: a key's next message is not handed out while the one
// before it is unsettled, so a nacked message comes back before it — and no next message for a
// receiver before it settles the current one.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel, Delivery } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import { bytes, caseRegistrar, expectNothing, sleep, text, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;

  it(
    'per-key ordering: each key is processed in send order even across 4 consumers',
    async (h) => {
      // Per-key order means a key's next message is not handed out while the one before it is
      // unsettled — so it holds between redeliveries too; the next case nacks to prove that.
      const ch = await h.open({ ordering: 'per-key' });
      const consumers = [ch, await h.another(ch), await h.another(ch), await h.another(ch)];
      const keys = Array.from({ length: 8 }, (_, k) => `key-${k}`);
      const perKey = 25;
      // Interleaved: k0#0, k1#0, ..., k7#0, k0#1, ...
      for (let i = 0; i < perKey; i++) for (const key of keys) await ch.send(bytes(`${key}#${i}`), { key });
      const processed = new Map<string, number[]>(keys.map((k) => [k, []]));
      let done = 0;
      const total = keys.length * perKey;
      const stop = new AbortController();
      const consume = async (c: (typeof consumers)[number]) => {
        while (!stop.signal.aborted) {
          const d = await c.receiveDelivery({ signal: stop.signal }).catch((err: unknown) => {
            if (stop.signal.aborted) return undefined;
            throw err;
          });
          if (!d) break;
          // Hold each message briefly, as a real handler would: a backend that hands the same
          // key to another consumer meanwhile gets the order wrong.
          await sleep(Math.random() * 2);
          const [key, seq] = text(d.data).split('#') as [string, string];
          assert.is(d.key, key);
          processed.get(key)!.push(Number(seq));
          await d.ack();
          if (++done === total) stop.abort();
        }
      };
      await Promise.all(
        consumers.map((c) =>
          consume(c).catch((err: unknown) => {
            stop.abort(); // one consumer failed: stop the others instead of leaving them waiting
            throw err;
          }),
        ),
      );
      for (const [key, seqs] of processed) {
        assert.equal(seqs, Array.from({ length: perKey }, (_, i) => i), `${key} was processed in send order`);
      }
    },
    { skip: caps.ordering !== 'per-key' && `backend declares ordering '${caps.ordering}', not 'per-key'`, timeoutMs: 20_000 },
  );

  it(
    'per-key ordering holds between redeliveries: a nacked message of key K comes back before the next message of K, on any consumer',
    async (h) => {
      const ch = await h.open({ ordering: 'per-key', maxRetries: 10 });
      const other = await h.another(ch);
      await ch.send(bytes('K#0'), { key: 'K' });
      await ch.send(bytes('K#1'), { key: 'K' });
      await ch.send(bytes('J#0'), { key: 'J' });
      // Messages of another key may come in between (per-key promises nothing across keys):
      // they are acked and set aside.
      const others: string[] = [];
      const nextOfK = async (c: Channel, timeoutMs: number): Promise<Delivery> => {
        for (;;) {
          const d = await c.receiveDelivery({ timeoutMs });
          if (d.key === 'K') return d;
          others.push(text(d.data));
          await d.ack();
        }
      };
      const first = await nextOfK(ch, h.ms(5000));
      assert.is(text(first.data), 'K#0', "the first of K's messages is handed out first");
      // While K#0 is unsettled, no consumer may be given K#1.
      try {
        const early = await nextOfK(other, h.ms(300));
        assert.unreachable(`"${text(early.data)}" was handed out while K#0 was unsettled`);
      } catch (err) {
        if (!isChannelError(err, 'Timeout')) throw err;
      }
      await first.nack();
      // Where members are given whole partitions, K's partition is held by the consumer that was
      // handed K#0, so the redelivery comes back there; elsewhere any consumer may take it.
      const again = await nextOfK(caps.sharesByPartition ? ch : other, h.ms(5000));
      assert.is(text(again.data), 'K#0', 'the nacked K#0 comes back before K#1');
      assert.is(again.id, first.id, 'the redelivery keeps the id');
      assert.is(again.deliveryCount, 2);
      await again.ack();
      const next = await nextOfK(ch, h.ms(5000));
      assert.is(text(next.data), 'K#1', 'K#1 follows once K#0 is acked');
      await next.ack();
      while (others.length < 1) {
        const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
        others.push(text(d.data));
        await d.ack();
      }
      assert.equal(others, ['J#0'], 'the other key was delivered once, untouched by K');
    },
    { skip: (caps.ordering !== 'per-key' && `backend declares ordering '${caps.ordering}', not 'per-key'`) || (!caps.redelivery && 'backend does not declare redelivery') },
  );

  it(
    'no next message before ack: a receiver with an unsettled delivery is given nothing more until it settles',
    async (h) => {
      const ch = await h.open();
      await ch.send(bytes('first'));
      await ch.send(bytes('second'));
      const first = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(text(first.data), 'first');
      await expectNothing(ch, h.ms(200), 'a next message was handed over before the first was acked');
      await first.ack();
      const second = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(text(second.data), 'second');
      await second.ack();
    },
    { skip: !caps.holdsNextUntilAck && 'backend does not declare holdsNextUntilAck' },
  );
}
