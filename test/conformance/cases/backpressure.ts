// A full channel blocks, drops or errors exactly as configured (the original ignored the option).
// Capacity is counted in messages waiting to be received; each mode is a case only where the
// backend lists it in capabilities.backpressure.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BackpressureMode } from '../../../src/channel.js';
import { BACKPRESSURE_MODES } from '../../../src/options.js';
import { bytes, caseRegistrar, expectCode, expectNothing, receiveTexts, sleep, text, watch, withTimeout, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const supported = backend.capabilities.backpressure;
  const unless = (mode: BackpressureMode) => !supported.includes(mode) && `backend does not list '${mode}' in capabilities.backpressure`;

  it(
    'block: a send to a full channel waits, and proceeds as soon as a receive frees a place',
    async (h) => {
      const ch = await h.open({ capacity: 3, backpressure: 'block' });
      for (const s of ['1', '2', '3']) await ch.send(bytes(s));
      const fourth = watch(ch.send(bytes('4')));
      await sleep(h.ms(100));
      assert.not.ok(fourth.settled, `the fourth send waits while the channel is full (it ${fourth.error ? `failed: ${String(fourth.error)}` : 'resolved'})`);
      assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), '1');
      await withTimeout(fourth.done, h.ms(5000), 'the blocked send after a receive freed a place');
      assert.is(fourth.error, undefined, `the blocked send succeeds (got ${String(fourth.error)})`);
      assert.type(fourth.value, 'string', 'it resolves to the message id');
      assert.equal(await receiveTexts(ch, 3, h.ms(5000)), ['2', '3', '4']);
    },
    { skip: unless('block') },
  );

  it(
    'block with a send timeout: ChannelFull after sendTimeoutMs (or the per-call timeoutMs), counted as failed; nothing accepted is lost',
    async (h) => {
      const ch = await h.open({ capacity: 2, backpressure: 'block', sendTimeoutMs: h.ms(100) });
      await ch.send(bytes('a'));
      await ch.send(bytes('b'));
      await expectCode(() => ch.send(bytes('c')), 'ChannelFull', 'a send that waited sendTimeoutMs on a full channel');
      await expectCode(() => ch.send(bytes('d'), { timeoutMs: h.ms(30) }), 'ChannelFull', 'a send with a per-call timeoutMs on a full channel');
      assert.is(ch.stats().failed, 2, 'each send refused with ChannelFull counts in stats().failed');
      const ctl = new AbortController();
      const aborted = watch(ch.send(bytes('e'), { signal: ctl.signal, timeoutMs: h.ms(5000) }));
      ctl.abort();
      await withTimeout(aborted.done, h.ms(5000), 'a blocked send whose signal fired');
      await expectCode(() => Promise.reject(aborted.error), 'Aborted', 'a blocked send whose signal fired');
      assert.equal(await receiveTexts(ch, 2, h.ms(5000)), ['a', 'b']);
      await expectNothing(ch, h.ms(100), 'a send that failed was delivered anyway');
    },
    { skip: unless('block') },
  );

  it(
    'block: close() wakes a blocked send with ChannelClosed',
    async (h) => {
      const ch = await h.open({ capacity: 1, backpressure: 'block' });
      await ch.send(bytes('fills it'));
      const blocked = watch(ch.send(bytes('waits')));
      await sleep(h.ms(50));
      assert.not.ok(blocked.settled, 'the send waits on a full channel');
      await ch.close();
      await withTimeout(blocked.done, h.ms(5000), 'a blocked send after close()');
      await expectCode(() => Promise.reject(blocked.error ?? new Error('resolved instead')), 'ChannelClosed', 'a send blocked when close() ran');
    },
    { skip: unless('block') },
  );

  it(
    'drop-oldest: a full channel evicts the oldest waiting messages, keeps the newest, and counts the drops',
    async (h) => {
      const ch = await h.open({ capacity: 3, backpressure: 'drop-oldest' });
      for (const s of ['1', '2', '3', '4', '5']) await ch.send(bytes(s));
      assert.equal(await receiveTexts(ch, 3, h.ms(5000)), ['3', '4', '5']);
      await expectNothing(ch, h.ms(100), 'an evicted message was delivered');
      assert.is(ch.stats().dropped, 2);
    },
    { skip: unless('drop-oldest') },
  );

  it(
    'drop-newest: a full channel discards the message being sent (send still resolves), keeps the oldest, and counts the drops',
    async (h) => {
      const ch = await h.open({ capacity: 3, backpressure: 'drop-newest' });
      for (const s of ['1', '2', '3', '4', '5']) assert.type(await ch.send(bytes(s)), 'string');
      assert.equal(await receiveTexts(ch, 3, h.ms(5000)), ['1', '2', '3']);
      await expectNothing(ch, h.ms(100), 'a discarded message was delivered');
      assert.is(ch.stats().dropped, 2);
    },
    { skip: unless('drop-newest') },
  );

  it(
    'error: a send to a full channel throws ChannelFull at once (counted as failed); what was accepted is kept; space freed is usable again',
    async (h) => {
      const ch = await h.open({ capacity: 3, backpressure: 'error' });
      for (const s of ['1', '2', '3']) await ch.send(bytes(s));
      await expectCode(() => ch.send(bytes('4')), 'ChannelFull', 'a send to a full channel in error mode');
      assert.is(ch.stats().failed, 1, 'the send refused with ChannelFull counts in stats().failed');
      assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), '1');
      await ch.send(bytes('5'));
      assert.equal(await receiveTexts(ch, 3, h.ms(5000)), ['2', '3', '5']);
      await expectNothing(ch, h.ms(100), 'the refused message was delivered anyway');
      assert.is(ch.stats().dropped, 0, 'a refused send is an error, not a drop');
    },
    { skip: unless('error') },
  );

  it(
    'error: a sendBatch that fills the channel part-way fails with ChannelFull and leaves the earlier messages sent',
    async (h) => {
      const ch = await h.open({ capacity: 2, backpressure: 'error' });
      await expectCode(() => ch.sendBatch([bytes('b1'), bytes('b2'), bytes('b3')]), 'ChannelFull', 'a batch of 3 into room for 2');
      assert.equal(await receiveTexts(ch, 2, h.ms(5000)), ['b1', 'b2']);
      await expectNothing(ch, h.ms(100), 'the refused third message was delivered');
    },
    { skip: unless('error') },
  );

  const unsupported = BACKPRESSURE_MODES.filter((m) => !supported.includes(m));
  it(
    `a backpressure mode the backend cannot honour is refused with InvalidConfiguration, not ignored`,
    async (h) => {
      for (const mode of unsupported) {
        await expectCode(() => h.open({ capacity: 3, backpressure: mode }), 'InvalidConfiguration', `opening with backpressure '${mode}'`);
      }
    },
    { skip: unsupported.length === 0 && 'backend supports every backpressure mode' },
  );
}
