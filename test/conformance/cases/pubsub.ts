// Where messages go: `send` to exactly one receiver, `publish` to every current subscriber — from
// any handle of the channel (the original's send and publish reached different queues).
//
// Semantics taken from the contract's doc comments: a Subscription is "a stream of published
// messages"; publish is "fan-out: every current subscriber (or group) gets it" and resolves to the
// subscribers reached (or -1 if unknowable); receive takes "the next message" sent to the channel.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Subscription } from '../../../src/channel.js';
import { bytes, caseRegistrar, expectNothing, sleep, text, watch, withTimeout, type BackendUnderTest } from '../backend.js';
import { isChannelError } from '../../../src/errors.js';

/** The next `n` published messages of a subscription, acked, as [text, headers.n]. */
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

  it('send goes to exactly one receiver and publish to every subscriber, whichever handle sends', async (h) => {
    const ch = await h.open();
    const sender = await h.another(ch);
    const receiverA = await h.another(ch);
    const receiverB = await h.another(ch);
    const sub = await receiverA.subscribe();
    await sender.send(bytes('direct'));
    const reached = await sender.publish(bytes('broadcast'));
    if (caps.countsSubscribers) assert.is(reached, 1);
    assert.equal(await nextTexts(sub, 1), ['broadcast'], 'the subscriber gets the published message');
    const stop = new AbortController();
    const waits = [watch(receiverA.receive({ signal: stop.signal })), watch(receiverB.receive({ signal: stop.signal }))];
    await withTimeout(Promise.race(waits.map((w) => w.done)), 5000, 'a receiver getting the sent message');
    await sleep(h.ms(150)); // room for a wrong second delivery to show up
    stop.abort();
    await Promise.all(waits.map((w) => w.done));
    const got = waits.filter((w) => w.value !== undefined).map((w) => text(w.value!));
    assert.equal(got, ['direct'], 'exactly one receiver gets the sent message');
    for (const w of waits) if (w.value === undefined) assert.ok(isChannelError(w.error, 'Aborted'), `the other receiver was only aborted (got ${String(w.error)})`);
  });

  it('send and publish do not cross: subscriptions carry published messages, receive carries sent ones', async (h) => {
    const ch = await h.open();
    const sub = await ch.subscribe();
    await ch.send(bytes('sent-1'));
    await ch.publish(bytes('published-1'));
    await ch.send(bytes('sent-2'));
    await ch.publish(bytes('published-2'));
    const published = await nextTexts(sub, 2);
    assert.equal([...published].sort(), ['published-1', 'published-2'], 'a subscription sees published messages only');
    await expectNoMoreOn(sub, h.ms(150), 'a sent message reached a subscription');
    const sent = [text(await ch.receive({ timeoutMs: 5000 })), text(await ch.receive({ timeoutMs: 5000 }))];
    assert.equal([...sent].sort(), ['sent-1', 'sent-2'], 'receive sees sent messages only');
    await expectNothing(ch, h.ms(150), 'a published message reached receive');
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
