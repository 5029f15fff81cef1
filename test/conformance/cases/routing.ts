// Where messages go (contract v2, the comment at the top of src/channel.ts):
// - `send` reaches the channel's receivers' queue (the plain receivers share it: each message goes
//   to one of them) and every subscription group;
// - `publish` reaches every subscription group, and only them.
// So a channel used for publish/subscribe alone never fills a queue nobody reads (v1 sent every
// publish to the receivers too, and a pub/sub-only channel stalled at ~8 700 messages), a work
// queue keeps what was sent before its first receiver came, and a subscriber gets every message
// sent or published after it subscribed.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertNoneLost,
  bytes,
  caseRegistrar,
  consumeTogether,
  drainUntilQuiet,
  expectQuiet,
  nextTexts,
  receiveTexts,
  text,
  withTimeout,
  type BackendUnderTest,
} from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const ordered = caps.ordering !== 'none';
  const noRetention = !caps.keepsForAbsentReceivers && 'backend does not declare keepsForAbsentReceivers (a message sent while no receiver is attached is gone)';

  it(
    'messages sent before anyone receives keep payload and headers (100 messages, read by a later consumer)',
    async (h) => {
      const ch = await h.open();
      for (let i = 0; i < 100; i++) await ch.send(bytes(`early-${i}`), { headers: { seq: String(i), origin: 'before-receive' } });
      const late = await h.another(ch);
      const got: string[] = [];
      for (let i = 0; i < 100; i++) {
        const d = await late.receiveDelivery({ timeoutMs: h.ms(5000) });
        assert.is(d.headers.seq, text(d.data).slice('early-'.length), 'headers travel with their own message');
        assert.is(d.headers.origin, 'before-receive');
        got.push(text(d.data));
        await d.ack();
      }
      const want = Array.from({ length: 100 }, (_, i) => `early-${i}`);
      assert.equal(ordered ? got : [...got].sort(), ordered ? want : [...want].sort());
    },
    { skip: noRetention },
  );

  it('send reaches one receiver and every subscription group; publish reaches every group and no receiver', async (h) => {
    const ch = await h.open();
    const sender = await h.another(ch);
    const receivers = [await h.another(ch), await h.another(ch)];
    // An ungrouped subscriber (a group of its own) on a receiver's handle, and a named group.
    const subs = [await receivers[0]!.subscribe(), await ch.subscribe({ group: h.group() })];
    await sender.send(bytes('direct'));
    const reached = await sender.publish(bytes('broadcast'));
    if (caps.countsSubscribers) assert.is(reached, 2, 'publish reached the two groups');
    else assert.is(reached, -1, 'a backend that cannot count says -1');
    for (const [i, sub] of subs.entries()) {
      assert.equal((await nextTexts(sub, 2, h.ms(5000))).sort(), ['broadcast', 'direct'], `group ${i} gets what was sent and what was published`);
    }
    if (!caps.mayDuplicate) await expectQuiet(subs, h.ms(100), 'a group got a message twice');
    const got = (await consumeTogether(2, 1, (i, signal) => receivers[i]!.receiveDelivery({ signal }))).flat();
    const late = (await Promise.all(receivers.map((r) => drainUntilQuiet(r, h.ms(150))))).flat();
    // 'broadcast' among them is "unexpected": publish must not reach the receivers' queue.
    assertNoneLost([...got, ...late], ['direct'], 'what the receivers got between them', caps);
  });

  it(
    'a subscriber gets every message sent and published after it subscribed (50 sends and 50 publishes interleaved); the receivers get the 50 sent',
    async (h) => {
      const ch = await h.open();
      const sub = await (await h.another(ch)).subscribe();
      const sent = Array.from({ length: 50 }, (_, i) => `sent-${i}`);
      const published = Array.from({ length: 50 }, (_, i) => `published-${i}`);
      for (let i = 0; i < 50; i++) {
        await ch.send(bytes(sent[i]!));
        await ch.publish(bytes(published[i]!));
      }
      const subscribed = await nextTexts(sub, 100, h.ms(5000));
      assertNoneLost(subscribed, [...sent, ...published], 'the subscriber', caps);
      if (caps.keepsForAbsentReceivers) {
        // The receiver came after the sends: the queue kept them. A published message here is
        // "unexpected" in the accounting.
        const receiver = await h.another(ch);
        const received = [...(await receiveTexts(receiver, 50, h.ms(5000))), ...(await drainUntilQuiet(receiver, h.ms(150)))];
        assertNoneLost(received, sent, 'the receivers', caps);
      }
    },
    { timeoutMs: 20_000 },
  );

  it(
    'a channel used only for publish/subscribe never stalls: one subscriber drains 12 000 messages of 64 B published with default options, and nothing piles up for receivers',
    async (h) => {
      const total = 12_000;
      const ch = await h.open();
      const subscriberHandle = await h.another(ch);
      const sub = await subscriberHandle.subscribe();
      const expected = Array.from({ length: total }, (_, i) => `m-${i}-`.padEnd(64, '.'));
      let published = 0;
      const got: string[] = [];
      const distinct = new Set<string>();
      const draining = (async () => {
        while (distinct.size < total) {
          const d = await sub.next({ timeoutMs: h.ms(10_000) }).catch((err: unknown) => {
            throw new Error(`the subscriber got ${distinct.size} of ${total} (${published} published), then: ${String(err)}`, { cause: err });
          });
          const body = text(d.data);
          got.push(body);
          distinct.add(body);
          await d.ack();
        }
      })();
      // A few publishes in flight at a time, so a broker's round trip does not set the pace;
      // order is not what this case is about.
      const publishing = (async () => {
        for (let i = 0; i < total; i += 64) {
          await Promise.all(expected.slice(i, i + 64).map((m) => ch.publish(bytes(m))));
          published = Math.min(total, i + 64);
        }
      })();
      await withTimeout(
        Promise.all([draining, publishing]),
        h.ms(50_000),
        () => `pub/sub stalled: ${published} of ${total} published, ${distinct.size} drained`,
      );
      assertNoneLost(got, expected, '12 000 published messages', caps);
      for (const [which, handle] of [['publishing', ch], ['subscribing', subscriberHandle]] as const) {
        const pending = handle.stats().pending;
        assert.ok(pending === undefined || pending === 0, `nothing waits in the receivers' queue after pub/sub only (${which} handle: pending ${pending})`);
      }
    },
    { timeoutMs: 60_000 },
  );
}
