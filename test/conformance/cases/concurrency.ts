// Many producers and consumers at once: nothing lost, channels kept apart, and closing publishers
// loses nothing they sent. Duplicates are counted apart: they fail only where the backend does not
// declare mayDuplicate (see accounting.ts).
import type { Test } from 'uvu';
import type { Channel } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import {
  assertNoneLost,
  bytes,
  caseRegistrar,
  closeScopeOf,
  consumeTogether,
  drainUntilQuiet,
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
  const caps = backend.capabilities;

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
      // Late copies still on their way are part of the count: collect them before accounting.
      const late = await drainUntilQuiet(ch, h.ms(150));
      assertNoneLost([...got.flat(), ...late], expected, '5000 messages across 50 consumers', caps);
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
        const got = [...(await receiveTexts(c, 10, h.ms(5000))), ...(await drainUntilQuiet(c, h.ms(150)))];
        // Another channel's message shows as "unexpected", one of this channel's as lost.
        assertNoneLost(got, Array.from({ length: 10 }, (_, m) => `c${i}-${m}`), `channel ${i}`, caps);
      }),
    );
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
      const distinct = new Set<string>();
      const consuming = (async () => {
        while (distinct.size < expected.length) {
          try {
            const body = text(await consumer.receive({ timeoutMs: h.ms(5000) }));
            got.push(body);
            distinct.add(body);
          } catch (err) {
            const why = isChannelError(err, 'ChannelClosed') ? 'the channel reported closed' : String(err);
            throw new Error(`consumer got ${distinct.size} of ${expected.length} messages, then ${why}`, { cause: err });
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
      got.push(...(await drainUntilQuiet(consumer, h.ms(150))));
      assertNoneLost(got, expected, '10 000 messages after their publishers closed', caps);
    },
    { timeoutMs: 40_000 },
  );

  it(
    'consumers that close mid-stream lose nothing: the others carry on (500 messages, handle close)',
    async (h) => {
      const ch = await h.open({ maxRetries: 100 });
      const expected = Array.from({ length: 500 }, (_, i) => `c-${i}`);
      for (const e of expected) await ch.send(bytes(e));
      const got: string[] = [];
      // Three consumers each take a share, leave their last delivery unsettled and close: that
      // one must come back to someone else.
      const leftUnsettled: string[] = [];
      for (let c = 0; c < 3; c++) {
        const quitter = await h.another(ch);
        for (let i = 0; i < 50; i++) {
          const d = await quitter.receiveDelivery({ timeoutMs: h.ms(5000) });
          got.push(text(d.data));
          await d.ack();
        }
        leftUnsettled.push(text((await quitter.receiveDelivery({ timeoutMs: h.ms(5000) })).data));
        await quitter.close();
      }
      const last = await h.another(ch);
      const distinct = new Set(got);
      while (distinct.size < expected.length) {
        const d = await last.receiveDelivery({ timeoutMs: h.ms(10_000) }).catch((err: unknown) => {
          throw new Error(`got ${distinct.size} of ${expected.length} (left unsettled: ${leftUnsettled.join(', ')}), then: ${String(err)}`);
        });
        got.push(text(d.data));
        distinct.add(text(d.data));
        await d.ack();
      }
      got.push(...(await drainUntilQuiet(last, h.ms(150))));
      assertNoneLost(got, expected, 'after three consumers closed mid-stream', caps);
    },
    {
      skip: (closeScopeOf(backend) !== 'handle' && 'close() ends the whole channel on this backend') || (!backend.capabilities.redelivery && 'backend does not declare redelivery'),
      timeoutMs: 60_000,
    },
  );
}
