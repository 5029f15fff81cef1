// Many producers and consumers at once: nothing lost, nothing duplicated, channels kept apart, and
// closing publishers loses nothing they sent.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import {
  assertExactlyOnce,
  bytes,
  caseRegistrar,
  closeScopeOf,
  consumeTogether,
  expectNothing,
  receiveTexts,
  text,
  type BackendUnderTest,
  type Handles,
} from '../backend.js';

/** `n` handles on one channel: the channel itself and n-1 more. */
async function handlesOn(h: Handles, ch: Channel, n: number): Promise<Channel[]> {
  const all = [ch];
  while (all.length < n) all.push(await h.another(ch));
  return all;
}

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);

  it(
    '50 concurrent publishers × 100 messages to 50 concurrent consumers: none lost, none duplicated',
    async (h) => {
      const ch = await h.open();
      // Ten handles carry the 50 publishers and the 50 consumers, five of each per handle, so the
      // messages cross handles (connections, on the brokers) without opening a hundred of them.
      const handles = await handlesOn(h, ch, 10);
      const expected: string[] = [];
      for (let p = 0; p < 50; p++) for (let m = 0; m < 100; m++) expected.push(`p${p}-${m}`);
      const consuming = consumeTogether(50, expected.length, (c, signal) => handles[c % 10]!.receiveDelivery({ signal }));
      const publishing = Promise.all(
        Array.from({ length: 50 }, async (_, p) => {
          const via = handles[p % 10]!;
          for (let m = 0; m < 100; m++) await via.send(bytes(`p${p}-${m}`));
        }),
      );
      const [got] = await Promise.all([consuming, publishing]);
      assertExactlyOnce(got.flat(), expected, '5000 messages across 50 consumers');
      await expectNothing(ch, h.ms(150), 'a message was delivered twice');
    },
    { timeoutMs: 30_000 },
  );

  it('20 channels used at once stay isolated', async (h) => {
    const channels = await Promise.all(Array.from({ length: 20 }, () => h.open()));
    await Promise.all(channels.map(async (c, i) => {
      for (let m = 0; m < 10; m++) await c.send(bytes(`c${i}-${m}`), { headers: { channel: String(i) } });
    }));
    await Promise.all(
      channels.map(async (c, i) => {
        const got = await receiveTexts(c, 10);
        assertExactlyOnce(got, Array.from({ length: 10 }, (_, m) => `c${i}-${m}`), `channel ${i}`);
        await expectNothing(c, h.ms(150), `channel ${i} received another channel's message`);
      }),
    );
    assert.is(new Set(channels.map((c) => c.name)).size, 20, 'every channel has its own name');
  });

  it(
    'closing publishers loses nothing they sent (10 000 messages from 20 publishers)',
    async (h) => {
      const ch = await h.open();
      const consumer = await h.another(ch);
      const publishers = await Promise.all(Array.from({ length: 20 }, () => h.another(ch)));
      const expected: string[] = [];
      for (let p = 0; p < 20; p++) for (let m = 0; m < 500; m++) expected.push(`pub${p}-${m}`);

      const got: string[] = [];
      const consuming = (async () => {
        while (got.length < expected.length) {
          try {
            got.push(text(await consumer.receive({ timeoutMs: h.ms(5000) })));
          } catch (err) {
            const why = isChannelError(err, 'ChannelClosed') ? 'the channel reported closed' : String(err);
            throw new Error(`consumer got ${got.length} of ${expected.length} messages, then ${why}`, { cause: err });
          }
        }
      })();
      // Where close() ends only the handle, each publisher closes right after its last send. Where
      // it ends the whole channel, a publisher closing early would (rightly) fail the others'
      // sends, so they close together once every send has resolved.
      const closeEach = closeScopeOf(backend) === 'handle';
      await Promise.all(
        publishers.map(async (pub, p) => {
          for (let m = 0; m < 500; m++) await pub.send(bytes(`pub${p}-${m}`));
          if (closeEach) await pub.close();
        }),
      );
      if (!closeEach) await Promise.all(publishers.map((pub) => pub.close()));
      await consuming;
      assertExactlyOnce(got, expected, '10 000 messages after their publishers closed');
    },
    { timeoutMs: 40_000 },
  );

  it(
    'consumers that close mid-stream lose nothing: the others carry on (500 messages, handle close)',
    async (h) => {
      const ch = await h.open({ maxRetries: 100 });
      const expected = Array.from({ length: 500 }, (_, i) => `c-${i}`);
      for (const e of expected) await ch.send(bytes(e));
      const got = new Set<string>();
      // Three consumers each take a share, leave their last delivery unsettled and close.
      for (let c = 0; c < 3; c++) {
        const quitter = await h.another(ch);
        for (let i = 0; i < 50; i++) {
          const d = await quitter.receiveDelivery({ timeoutMs: 5000 });
          got.add(text(d.data));
          await d.ack();
        }
        const unsettled = await quitter.receiveDelivery({ timeoutMs: 5000 });
        assert.ok(unsettled);
        await quitter.close();
      }
      const last = await h.another(ch);
      while (got.size < expected.length) {
        const d = await last.receiveDelivery({ timeoutMs: h.ms(10_000) }).catch((err: unknown) => {
          throw new Error(`got ${got.size} of ${expected.length}, then: ${String(err)}`);
        });
        got.add(text(d.data));
        await d.ack();
      }
      assertExactlyOnce([...got], expected, 'after three consumers closed mid-stream');
    },
    {
      skip: (closeScopeOf(backend) !== 'handle' && 'close() ends the whole channel on this backend') || (!backend.capabilities.redelivery && 'backend does not declare redelivery'),
      timeoutMs: 60_000,
    },
  );
}
