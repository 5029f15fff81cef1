// Persistent backends with a restartable broker: what the broker accepted survives restarts, also
// restarts in the middle of a run. Only where the factory can restart its broker (restartBroker)
// and the backend declares `persistent`.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { isChannelError } from '../../../src/errors.js';
import { bytes, caseRegistrar, sleep, text, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const skip =
    (!backend.capabilities.persistent && 'backend does not declare persistent') ||
    (!backend.restartBroker && 'the factory cannot restart its broker (no restartBroker)');

  it(
    'accepted messages survive a broker restart, with their headers',
    async (h) => {
      const ch = await h.open();
      for (let i = 0; i < 100; i++) await ch.send(bytes(`durable-${i}`), { headers: { seq: String(i) } });
      await backend.restartBroker!();
      const after = await h.named(ch.name);
      const got = new Map<string, string | undefined>();
      while (got.size < 100) {
        const d = await after.receiveDelivery({ timeoutMs: h.ms(20_000) });
        got.set(text(d.data), d.headers.seq);
        await d.ack();
      }
      for (let i = 0; i < 100; i++) assert.is(got.get(`durable-${i}`), String(i), `durable-${i} survived with its header`);
    },
    { skip, timeoutMs: 120_000 },
  );

  it(
    'the broker restarted twice while 20 publishers send: every accepted message arrives',
    async (h) => {
      const ch = await h.open();
      const publishers = await Promise.all(Array.from({ length: 20 }, () => h.another(ch)));
      const accepted = new Set<string>();
      let running = true;
      const publishing = publishers.map(async (pub, p) => {
        for (let m = 0; m < 100; m++) {
          const body = `pub${p}-${m}`;
          // A send refused while the broker is down was not accepted: retry it (at-least-once).
          for (;;) {
            try {
              await pub.send(bytes(body), { timeoutMs: h.ms(10_000) });
              accepted.add(body);
              break;
            } catch (err) {
              if (!isChannelError(err, 'BackendError') && !isChannelError(err, 'Timeout')) throw err;
              if (!running) throw err;
              await sleep(100);
            }
          }
        }
      });
      await sleep(h.ms(200));
      await backend.restartBroker!();
      await sleep(h.ms(200));
      await backend.restartBroker!();
      await Promise.all(publishing);
      running = false;
      assert.is(accepted.size, 2000, 'every publisher finished');
      const consumer = await h.named(ch.name);
      const got = new Set<string>();
      while (got.size < accepted.size) {
        const d = await consumer.receiveDelivery({ timeoutMs: h.ms(20_000) }).catch((err: unknown) => {
          throw new Error(`received ${got.size} of ${accepted.size} accepted messages, then: ${String(err)}`);
        });
        got.add(text(d.data));
        await d.ack();
      }
      const missing = [...accepted].filter((a) => !got.has(a));
      assert.equal(missing, [], 'accepted messages lost across the restarts');
    },
    { skip, timeoutMs: 300_000 },
  );
}
