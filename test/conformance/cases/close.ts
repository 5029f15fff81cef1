// close(): no hang, drain, then ChannelClosed; idempotent; every waiter woken.
//
// What close ends depends on the backend, as the contract's doc comment says: in-process backends
// close the channel for every handle (receivers drain what is left, then get ChannelClosed); broker
// backends close only this handle and the broker keeps what it accepted. The cases read
// `closeScope` for that, never the backend's name.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, closeScopeOf, expectCode, receiveTexts, sleep, text, watch, withTimeout, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const scope = closeScopeOf(backend);

  it('close wakes every blocked receive with ChannelClosed (no hang)', async (h) => {
    const ch = await h.open();
    const waiters = [watch(ch.receive()), watch(ch.receiveDelivery()), watch(ch.receiveBatch(5))];
    await sleep(h.ms(50));
    assert.ok(waiters.every((w) => !w.settled), 'receivers wait on an empty channel');
    await withTimeout(ch.close(), h.ms(5000), 'close() with receivers waiting');
    await withTimeout(Promise.all(waiters.map((w) => w.done)), h.ms(5000), 'blocked receivers after close()');
    for (const w of waiters) await expectCode(() => Promise.reject(w.error ?? new Error('resolved instead')), 'ChannelClosed', 'a receive blocked when close() ran');
  });

  it('close wakes a subscriber waiting for its next message with ChannelClosed', async (h) => {
    const ch = await h.open();
    const sub = await ch.subscribe();
    const waiting = watch(sub.next());
    await sleep(h.ms(50));
    assert.not.ok(waiting.settled, 'the subscriber waits while nothing is published');
    await withTimeout(ch.close(), h.ms(5000), 'close() with a subscriber waiting');
    await withTimeout(waiting.done, h.ms(5000), 'a subscriber waiting when close() ran');
    await expectCode(() => Promise.reject(waiting.error ?? new Error('resolved instead')), 'ChannelClosed', 'a subscription wait across close()');
  });

  it('close is idempotent; isClosed tells; send, publish, subscribe and receive then fail with ChannelClosed', async (h) => {
    const ch = await h.open();
    assert.is(ch.isClosed, false);
    await ch.close();
    assert.is(ch.isClosed, true);
    await withTimeout(ch.close(), h.ms(5000), 'a second close()');
    await expectCode(() => ch.send(bytes('x')), 'ChannelClosed', 'send after close');
    await expectCode(() => ch.sendBatch([bytes('x')]), 'ChannelClosed', 'sendBatch after close');
    await expectCode(() => ch.publish(bytes('x')), 'ChannelClosed', 'publish after close');
    await expectCode(() => ch.subscribe(), 'ChannelClosed', 'subscribe after close');
    await expectCode(() => ch.receive({ timeoutMs: h.ms(1000) }), 'ChannelClosed', 'receive after close of an empty channel');
  });

  it('concurrent close() calls on every handle all resolve, and the channel ends closed', async (h) => {
    const ch = await h.open();
    const others = [await h.another(ch), await h.another(ch)];
    await ch.send(bytes('in flight during close'));
    await withTimeout(Promise.all([ch.close(), ch.close(), ...others.map((o) => o.close()), ...others.map((o) => o.close())]), h.ms(5000), 'six concurrent close() calls');
    assert.ok(ch.isClosed && others.every((o) => o.isClosed), 'every handle reports closed');
  });

  it(
    'close drains: a receiver still gets what was sent before close, then ChannelClosed (channel-wide close)',
    async (h) => {
      const ch = await h.open();
      const other = await h.another(ch);
      for (const s of ['a', 'b', 'c']) await ch.send(bytes(s));
      await ch.close();
      assert.ok(other.isClosed, 'closing one handle of an in-process channel closes it for every handle');
      const drained = [...(await receiveTexts(other, 2, h.ms(2000))), ...(await receiveTexts(ch, 1, h.ms(2000)))];
      assert.equal(drained.sort(), ['a', 'b', 'c']);
      await expectCode(() => other.receive({ timeoutMs: h.ms(1000) }), 'ChannelClosed', 'receive once the closed channel is drained');
    },
    { skip: scope !== 'channel' && 'close() ends only this handle on this backend; the broker-side drain is the next case' },
  );

  it(
    'close keeps what was accepted: another handle receives what was sent before close (handle close)',
    async (h) => {
      const ch = await h.open();
      for (const s of ['a', 'b', 'c']) await ch.send(bytes(s));
      await ch.close();
      const later = await h.named(ch.name);
      assert.equal((await receiveTexts(later, 3, h.ms(5000))).sort(), ['a', 'b', 'c']);
    },
    { skip: scope !== 'handle' && 'close() ends the channel itself on this backend; the drain-then-ChannelClosed case covers it' },
  );

  it('for-await over the channel ends quietly when the channel closes, after what was already there', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('one'));
    await ch.send(bytes('two'));
    const seen: string[] = [];
    const loop = watch(
      (async () => {
        for await (const d of ch) {
          seen.push(text(d.data));
          if (seen.length === 2) setTimeout(() => void ch.close(), 20);
        }
      })(),
    );
    await withTimeout(loop.done, h.ms(5000), 'for-await loop after close()');
    assert.is(loop.error, undefined, `the loop ends without an error (got ${String(loop.error)})`);
    assert.equal(seen, ['one', 'two']);
  });
}
