// Bad input gets a typed error that says what was wrong — and loses nothing already accepted.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChannelOptions } from '../../../src/channel.js';
import { bytes, caseRegistrar, expectCode, expectNothing, receiveTexts, type BackendUnderTest } from '../backend.js';

/** Payloads a JavaScript caller might pass by mistake. */
const NOT_BYTES: [string, unknown][] = [
  ['a string', 'hello'],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['an array of numbers', [1, 2, 3]],
  ['a plain object', { data: 'x' }],
  ['an ArrayBuffer (not a view)', new ArrayBuffer(4)],
];

const BAD_OPTIONS: [string, Record<string, unknown>][] = [
  ['negative capacity', { capacity: -1 }],
  ['fractional capacity', { capacity: 2.5 }],
  ['unknown backpressure mode', { backpressure: 'sometimes' }],
  ['misspelt option key', { capacty: 10 }],
  ['negative maxRetries', { maxRetries: -1 }],
  ['unknown delivery guarantee', { delivery: 'at-least-twice' }],
  ['unknown ordering', { ordering: 'random' }],
  ['negative sendTimeoutMs', { sendTimeoutMs: -5 }],
  ['negative ackTimeoutMs', { ackTimeoutMs: -1 }],
  ['negative connectTimeoutMs', { connectTimeoutMs: -1 }],
  ['dead-letter channel named like the channel itself', { deadLetter: '__SELF__' }],
];

/** The 64 MiB above which an oversize case would allocate too much to be worth it. */
const OVERSIZE_TEST_LIMIT = 64 << 20;

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;

  it('a payload that is not a Uint8Array is a SerializationError (send, publish, sendBatch); accepted messages are kept', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('kept-1'));
    await ch.send(bytes('kept-2'));
    for (const [what, value] of NOT_BYTES) {
      await expectCode(() => ch.send(value as Uint8Array), 'SerializationError', `send of ${what}`);
      await expectCode(() => ch.publish(value as Uint8Array), 'SerializationError', `publish of ${what}`);
    }
    await expectCode(() => ch.sendBatch([{ data: 'text' as unknown as Uint8Array }]), 'SerializationError', 'sendBatch with a string payload');
    await expectCode(() => ch.sendBatch('abc' as unknown as Uint8Array[]), 'SerializationError', 'sendBatch of a string');
    assert.equal(await receiveTexts(ch, 2, h.ms(5000)), ['kept-1', 'kept-2']);
    await expectNothing(ch, h.ms(100), 'a refused payload was delivered');
  });

  it(
    'a payload over capabilities.maxMessageBytes is a SerializationError; one at the limit is accepted',
    async (h) => {
      const ch = await h.open();
      const max = ch.capabilities.maxMessageBytes;
      await ch.send(bytes('before'));
      await expectCode(() => ch.send(new Uint8Array(max + 1)), 'SerializationError', `a payload of maxMessageBytes + 1 (${max + 1}) bytes`);
      const atLimit = new Uint8Array(max).fill(7);
      await ch.send(atLimit);
      assert.equal(await receiveTexts(ch, 1, h.ms(5000)), ['before'], 'what was accepted before is kept');
      const got = await ch.receive({ timeoutMs: h.ms(10_000) });
      assert.is(got.byteLength, max);
      assert.ok(got.every((b) => b === 7));
    },
    {
      skip:
        (!Number.isFinite(caps.maxMessageBytes) || caps.maxMessageBytes > OVERSIZE_TEST_LIMIT) &&
        `maxMessageBytes is ${caps.maxMessageBytes}; an oversize payload would need more than 64 MiB`,
      timeoutMs: 20_000,
    },
  );

  it('bad options are InvalidConfiguration naming the option; the channel of that name keeps what it accepted', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('safe'));
    for (const [what, options] of BAD_OPTIONS) {
      const opts = { ...options } as Partial<ChannelOptions>;
      if (opts.deadLetter === '__SELF__') opts.deadLetter = ch.name;
      const err = await expectCode(() => h.named(ch.name, opts), 'InvalidConfiguration', `opening with ${what}`);
      const key = Object.keys(options)[0]!;
      assert.ok(err.message.includes(key), `the error for ${what} names the option '${key}': ${err.message}`);
    }
    await expectCode(() => h.named('not a valid name!'), 'InvalidConfiguration', 'opening a channel with an unusable name');
    assert.equal(await receiveTexts(ch, 1, h.ms(5000)), ['safe']);
  });

  it('use after close is ChannelClosed for every call', async (h) => {
    const ch = await h.open();
    await ch.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['send', () => ch.send(bytes('x'))],
      ['sendBatch', () => ch.sendBatch([bytes('x')])],
      ['receive', () => ch.receive({ timeoutMs: h.ms(500) })],
      ['receiveDelivery', () => ch.receiveDelivery({ timeoutMs: h.ms(500) })],
      ['receiveBatch', () => ch.receiveBatch(3, { timeoutMs: h.ms(500) })],
      ['tryReceive', () => ch.tryReceive()],
      ['publish', () => ch.publish(bytes('x'))],
      ['subscribe', () => ch.subscribe()],
      ['request', () => ch.request(bytes('x'), { timeoutMs: h.ms(500) })],
    ];
    for (const [what, call] of calls) await expectCode(call, 'ChannelClosed', `${what} after close`);
  });

  it('receive options that make no sense are refused, and a refused call takes nothing', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('still here'));
    await expectCode(() => ch.receiveBatch(-1), 'InvalidConfiguration', 'receiveBatch(-1)');
    await expectCode(() => ch.receiveBatch(1.5), 'InvalidConfiguration', 'receiveBatch(1.5)');
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    await expectCode(() => d.nack({ delayMs: -1 }), 'InvalidConfiguration', 'nack with a negative delay');
    await expectCode(() => d.deadLetter(42 as unknown as string), 'InvalidConfiguration', 'deadLetter without a reason string');
    assert.is(d.settlement, undefined, 'a refused settlement leaves the delivery unsettled');
    await d.ack();
    assert.is(ch.stats().acked, 1);
  });
}
