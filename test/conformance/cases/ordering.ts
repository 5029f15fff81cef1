// Ordering promises, each only where the backend declares it: per-key order across the consumers
// of a channel, and no next message for a receiver before it settles the current one.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, expectNothing, sleep, text, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;

  it(
    'per-key ordering: each key is processed in send order even across 4 consumers',
    async (h) => {
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
    'no next message before ack: a receiver with an unsettled delivery is given nothing more until it settles',
    async (h) => {
      const ch = await h.open();
      await ch.send(bytes('first'));
      await ch.send(bytes('second'));
      const first = await ch.receiveDelivery({ timeoutMs: 5000 });
      assert.is(text(first.data), 'first');
      await expectNothing(ch, h.ms(200), 'a next message was handed over before the first was acked');
      await first.ack();
      const second = await ch.receiveDelivery({ timeoutMs: 5000 });
      assert.is(text(second.data), 'second');
      await second.ack();
    },
    { skip: !caps.holdsNextUntilAck && 'backend does not declare holdsNextUntilAck' },
  );
}
