// The original's trio — send, receive, tryReceive — in order, with timeouts and aborts.
// (close, the fourth call, has its own file.)
import { getEventListeners } from 'node:events';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, expectCode, receiveTexts, sleep, text, watch, withTimeout, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const ordered = backend.capabilities.ordering !== 'none';

  it(
    'send then receive keeps send order (100 messages)',
    async (h) => {
      const ch = await h.open();
      const sent = Array.from({ length: 100 }, (_, i) => `m${i}`);
      for (const s of sent) await ch.send(bytes(s));
      const got = await receiveTexts(ch, sent.length, h.ms(5000));
      assert.equal(got, sent);
    },
    { skip: !ordered && 'backend declares ordering none' },
  );

  it('send resolves to the id the receiver sees; ids are unique and increase for one sender', async (h) => {
    const ch = await h.open();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await ch.send(bytes(`m${i}`)));
    for (const id of ids) assert.type(id, 'string');
    assert.is(new Set(ids).size, ids.length, 'every send gets its own id');
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `ids sort by send order: ${ids[i - 1]} < ${ids[i]}`);
    const seen = new Map<string, string>();
    for (let i = 0; i < ids.length; i++) {
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      seen.set(d.id, text(d.data));
      await d.ack();
    }
    ids.forEach((id, i) => assert.is(seen.get(id), `m${i}`, `the delivery with id ${id} carries the message sent under it`));
  });

  it('tryReceive: undefined on an empty channel, the message on a non-empty one, then undefined again', async (h) => {
    const ch = await h.open();
    assert.is(await ch.tryReceive(), undefined, 'empty channel');
    await ch.send(bytes('only'));
    const got = await ch.tryReceive();
    assert.ok(got instanceof Uint8Array, 'a waiting message is returned');
    assert.is(text(got), 'only');
    assert.is(await ch.tryReceive(), undefined, 'the message was taken once');
  });

  it('receive times out with Timeout (per call and from the receiveTimeoutMs option), and the timed-out wait swallows nothing', async (h) => {
    const ch = await h.open({ receiveTimeoutMs: h.ms(100) });
    await expectCode(() => ch.receive({ timeoutMs: h.ms(80) }), 'Timeout', 'receive({ timeoutMs: 80 }) on an empty channel');
    await expectCode(() => ch.receive(), 'Timeout', 'receive() with receiveTimeoutMs 100 on an empty channel');
    await expectCode(() => ch.receiveDelivery({ timeoutMs: 0 }), 'Timeout', 'receiveDelivery({ timeoutMs: 0 }) on an empty channel');
    // A receiver that gave up must not stay registered and eat the next message.
    await ch.send(bytes('after the timeouts'));
    assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'after the timeouts');
  });

  it('receive with timeoutMs 0 takes what is there now', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('ready'));
    assert.is(text(await ch.receive({ timeoutMs: 0 })), 'ready');
    await expectCode(() => ch.receive({ timeoutMs: 0 }), 'Timeout', 'receive({ timeoutMs: 0 }) once it is empty again');
  });

  it('receive waits for a message sent later', async (h) => {
    const ch = await h.open();
    const waiting = watch(ch.receive({ timeoutMs: h.ms(5000) }));
    await sleep(h.ms(50));
    assert.not.ok(waiting.settled, 'receive waits while the channel is empty');
    await ch.send(bytes('late'));
    await waiting.done;
    assert.is(waiting.error, undefined, `the waiting receive got the message (error: ${String(waiting.error)})`);
    assert.is(text(waiting.value!), 'late');
  });

  it('receive is aborted by its signal (Aborted), also when already aborted, and the aborted wait swallows nothing', async (h) => {
    const ch = await h.open();
    const pre = new AbortController();
    pre.abort(new Error('caller gave up'));
    await expectCode(() => ch.receive({ signal: pre.signal }), 'Aborted', 'receive with an already aborted signal');

    const ctl = new AbortController();
    const waiting = watch(ch.receive({ signal: ctl.signal }));
    await sleep(h.ms(50));
    assert.not.ok(waiting.settled, 'still waiting before the abort');
    ctl.abort(new Error('stop'));
    await withTimeout(waiting.done, h.ms(5000), 'receive after its signal aborted');
    await expectCode(() => Promise.reject(waiting.error), 'Aborted', 'receive whose signal fired while waiting');

    await ch.send(bytes('after the abort'));
    assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'after the abort');
  });

  it('a receive that finishes (message, timeout or abort) leaves no listener on its signal', async (h) => {
    const ch = await h.open();
    const ctl = new AbortController();
    for (let i = 0; i < 50; i++) await ch.send(bytes(`l${i}`));
    for (let i = 0; i < 50; i++) await ch.receive({ signal: ctl.signal, timeoutMs: h.ms(5000) });
    for (let i = 0; i < 5; i++) await expectCode(() => ch.receive({ signal: ctl.signal, timeoutMs: h.ms(10) }), 'Timeout', 'receive on an empty channel');
    const waiting = watch(ch.receiveDelivery({ signal: ctl.signal }));
    await sleep(h.ms(20));
    assert.ok(getEventListeners(ctl.signal, 'abort').length >= 1, 'a waiting receive listens to its signal');
    await ch.send(bytes('wake'));
    await withTimeout(waiting.done, h.ms(5000), 'the waiting receive');
    await waiting.value?.ack();
    assert.is(getEventListeners(ctl.signal, 'abort').length, 0, 'a long-lived signal reused for many receives must not collect listeners');
  });

  it('several receivers waiting at once each get one message', async (h) => {
    const ch = await h.open();
    const waiters = Array.from({ length: 5 }, () => watch(ch.receive({ timeoutMs: h.ms(5000) })));
    for (let i = 0; i < 5; i++) await ch.send(bytes(`w${i}`));
    await Promise.all(waiters.map((w) => w.done));
    const got = waiters.map((w) => {
      assert.is(w.error, undefined, `a waiting receiver failed: ${String(w.error)}`);
      return text(w.value!);
    });
    assert.equal([...got].sort(), ['w0', 'w1', 'w2', 'w3', 'w4']);
  });
}
