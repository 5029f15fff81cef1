// Where messages go. The contract's doc comments leave one point open and REFERENCE.md §1 settles
// it: the original's defect was that "send and publish reach different queues", so here they reach
// the same channel. Every message, sent or published, goes to the channel's receivers (which share
// it: exactly one gets it) and to every current subscriber group (each gets it once); `publish`
// differs from `send` only in resolving to the subscribers (groups) reached, or -1 if unknowable.
// A subscriber gets what was published after it subscribed (before, too, where replaysHistory).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Subscription } from '../../../src/channel.js';
import { assertExactlyOnce, bytes, caseRegistrar, consumeTogether, expectNothing, text, withTimeout, type BackendUnderTest } from '../backend.js';
import { isChannelError } from '../../../src/errors.js';

/** The next `n` messages of a subscription, acked, as text. */
async function nextTexts(sub: Subscription, n: number, timeoutMs = 5000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await sub.next({ timeoutMs }).catch((err: unknown) => {
      throw new Error(`subscriber got ${i} of ${n}, then: ${String(err)}`);
    });
    out.push(text(d.data));
    await d.ack();
  }
  return out;
}

async function expectNoMoreOn(sub: Subscription, ms: number, what: string): Promise<void> {
  try {
    const extra = await sub.next({ timeoutMs: ms });
    assert.unreachable(`${what}: received "${text(extra.data)}"`);
  } catch (err) {
    if (!isChannelError(err, 'Timeout')) throw err;
  }
}

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const ordered = caps.ordering !== 'none';

  it('messages sent before anyone receives keep payload and headers (100 messages, read by a later consumer)', async (h) => {
    const ch = await h.open();
    for (let i = 0; i < 100; i++) await ch.send(bytes(`early-${i}`), { headers: { seq: String(i), origin: 'before-receive' } });
    const late = await h.another(ch);
    const got: string[] = [];
    for (let i = 0; i < 100; i++) {
      const d = await late.receiveDelivery({ timeoutMs: 5000 });
      assert.is(d.headers.seq, text(d.data).slice('early-'.length), 'headers travel with their own message');
      assert.is(d.headers.origin, 'before-receive');
      got.push(text(d.data));
      await d.ack();
    }
    const want = Array.from({ length: 100 }, (_, i) => `early-${i}`);
    assert.equal(ordered ? got : [...got].sort(), ordered ? want : [...want].sort());
  });

  it(
    'a new subscriber replays what was published before it subscribed (100 messages, payload and headers)',
    async (h) => {
      const ch = await h.open();
      for (let i = 0; i < 100; i++) await ch.publish(bytes(`old-${i}`), { headers: { seq: String(i) } });
      const sub = await ch.subscribe();
      for (let i = 0; i < 100; i++) {
        const d = await sub.next({ timeoutMs: 5000 });
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
      const got = await nextTexts(sub, 10);
      assert.equal(ordered ? got : [...got].sort(), ordered ? want : [...want].sort(), `subscriber ${i}`);
      await expectNoMoreOn(sub, h.ms(100), `subscriber ${i} got a message twice`);
    }
  });

  it(
    'a subscriber gets what is published after it subscribed, not before; unsubscribing stops delivery',
    async (h) => {
      const ch = await h.open();
      if (caps.countsSubscribers) assert.is(await ch.publish(bytes('nobody')), 0, 'no subscribers yet');
      else await ch.publish(bytes('nobody'));
      const sub = await ch.subscribe();
      const leaving = await ch.subscribe();
      const reached = await ch.publish(bytes('first'));
      if (caps.countsSubscribers) assert.is(reached, 2);
      assert.equal(await nextTexts(sub, 1), ['first'], 'the message published before subscribing is not delivered');
      assert.equal(await nextTexts(leaving, 1), ['first']);
      await leaving.unsubscribe();
      const after = await ch.publish(bytes('second'));
      if (caps.countsSubscribers) assert.is(after, 1, 'an unsubscribed subscriber is no longer counted');
      assert.equal(await nextTexts(sub, 1), ['second']);
    },
    { skip: caps.replaysHistory && 'backend replays history to new subscribers (the replay case covers it)' },
  );

  it('every message, sent or published, from any handle, reaches one receiver and every subscriber', async (h) => {
    const ch = await h.open();
    const sender = await h.another(ch);
    const receivers = [await h.another(ch), await h.another(ch)];
    const subs = [await receivers[0]!.subscribe(), await ch.subscribe()];
    await sender.send(bytes('direct'));
    const reached = await sender.publish(bytes('broadcast'));
    if (caps.countsSubscribers) assert.is(reached, 2);
    for (const [i, sub] of subs.entries()) {
      assert.equal((await nextTexts(sub, 2)).sort(), ['broadcast', 'direct'], `subscriber ${i} gets both`);
      await expectNoMoreOn(sub, h.ms(100), `subscriber ${i} got a message twice`);
    }
    const got = await consumeTogether(2, 2, (i, signal) => receivers[i]!.receiveDelivery({ signal }));
    assertExactlyOnce(got.flat(), ['broadcast', 'direct'], 'the receivers between them');
    await expectNothing(ch, h.ms(150), 'a message reached a second receiver');
  });

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
      5000,
      'iterating a subscription',
    );
    assert.equal([...seen].sort(), ['s0', 's1', 's2']);
    if (caps.countsSubscribers) assert.is(await ch.publish(bytes('after-break')), 0, 'break unsubscribed');
  });
}
