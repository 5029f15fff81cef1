// Publish/subscribe: who a publish reaches and when a subscription starts and ends. A subscriber
// gets what was published after it subscribed (before, too, where replaysHistory); `publish`
// resolves to the groups reached (an ungrouped subscriber is a group of its own), or -1 where the
// backend cannot know. Where send and publish go relative to each other is routing.ts.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, expectQuiet, nextTexts, text, withTimeout, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const ordered = caps.ordering !== 'none';

  it(
    'a new subscriber replays what was published before it subscribed (100 messages, payload and headers)',
    async (h) => {
      const ch = await h.open();
      for (let i = 0; i < 100; i++) await ch.publish(bytes(`old-${i}`), { headers: { seq: String(i) } });
      const sub = await ch.subscribe();
      for (let i = 0; i < 100; i++) {
        const d = await sub.next({ timeoutMs: h.ms(5000) });
        assert.is(text(d.data), `old-${i}`);
        assert.is(d.headers.seq, String(i));
        await d.ack();
      }
    },
    { skip: !caps.replaysHistory && 'backend does not declare replaysHistory' },
  );

  it('publish reaches every current subscriber, on any handle, with headers, and reports how many', async (h) => {
    const ch = await h.open();
    const other = await h.another(ch);
    const subs = [await ch.subscribe(), await ch.subscribe(), await other.subscribe()];
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) counts.push(await ch.publish(bytes(`news-${i}`), { headers: { seq: String(i) } }));
    assert.equal(counts, Array(10).fill(caps.countsSubscribers ? 3 : -1), 'publish resolves to the subscribers reached (-1 where unknowable)');
    const want = Array.from({ length: 10 }, (_, i) => `news-${i}`);
    for (const [i, sub] of subs.entries()) {
      const got = await nextTexts(sub, 10, h.ms(5000));
      assert.equal(ordered ? got : [...got].sort(), ordered ? want : [...want].sort(), `subscriber ${i}`);
    }
    if (!caps.mayDuplicate) await expectQuiet(subs, h.ms(100), 'a subscriber got a message twice');
  });

  it(
    'a subscriber gets what is published after it subscribed, not before; unsubscribing stops delivery',
    async (h) => {
      const ch = await h.open();
      if (caps.countsSubscribers) assert.is(await ch.publish(bytes('nobody')), 0, 'no subscribers yet: the message goes nowhere');
      else await ch.publish(bytes('nobody'));
      const sub = await ch.subscribe();
      const leaving = await ch.subscribe();
      const reached = await ch.publish(bytes('first'));
      if (caps.countsSubscribers) assert.is(reached, 2);
      assert.equal(await nextTexts(sub, 1, h.ms(5000)), ['first'], 'the message published before subscribing is not delivered');
      assert.equal(await nextTexts(leaving, 1, h.ms(5000)), ['first']);
      await leaving.unsubscribe();
      const after = await ch.publish(bytes('second'));
      if (caps.countsSubscribers) assert.is(after, 1, 'an unsubscribed subscriber is no longer counted');
      assert.equal(await nextTexts(sub, 1, h.ms(5000)), ['second']);
    },
    { skip: caps.replaysHistory && 'backend replays history to new subscribers (the replay case covers it)' },
  );

  it('for-await over a subscription acks as it goes; leaving the loop unsubscribes', async (h) => {
    const ch = await h.open();
    const sub = await ch.subscribe();
    for (let i = 0; i < 3; i++) await ch.publish(bytes(`s${i}`));
    const seen: string[] = [];
    await withTimeout(
      (async () => {
        for await (const d of sub) {
          seen.push(text(d.data));
          if (seen.length === 3) break;
        }
      })(),
      h.ms(5000),
      'iterating a subscription',
    );
    assert.equal([...seen].sort(), ['s0', 's1', 's2']);
    // The first two were acked when the loop asked for the next (the third was current at break).
    assert.ok(ch.stats().acked >= 2, `the loop acked as it went (stats().acked ${ch.stats().acked})`);
    if (caps.countsSubscribers) assert.is(await ch.publish(bytes('after-break')), 0, 'break unsubscribed');
  });
}
