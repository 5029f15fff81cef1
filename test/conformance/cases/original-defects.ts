// Every defect found in the original (../shared/REFERENCE.md §1) that the Channel contract can
// observe, as a case that passes here. The topical files test these behaviours more widely; each
// case here pins one defect by name so the list can be checked off. The rest are tested where they
// can fail: URL parsing in test/unit/channel-url.test.ts (kafka's broker list, nats' TLS and
// credentials), exactly-once in exactly-once.ts, a broker backend's connections, options and health
// checks in that backend's own tests, and latency claims by the benchmarks (`npm run bench`).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BackpressureMode } from '../../../src/channel.js';
import { DEAD_LETTER_HEADERS } from '../../../src/base/dead-letter.js';
import {
  assertNoneLost,
  bytes,
  caseRegistrar,
  drainUntilQuiet,
  expectCode,
  expectNothing,
  nextTexts,
  receiveTexts,
  sleep,
  text,
  uniqueName,
  watch,
  withTimeout,
  type BackendUnderTest,
} from '../backend.js';

/** What each mode does with a second send to a channel of capacity 1 (first 'x', then 'y'). */
const SECOND_SEND: Record<BackpressureMode, { fails: boolean; left: string }> = {
  block: { fails: true, left: 'x' }, // with a 50 ms send timeout: ChannelFull
  error: { fails: true, left: 'x' },
  'drop-newest': { fails: false, left: 'x' },
  'drop-oldest': { fails: false, left: 'y' },
};

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noRedelivery = !caps.redelivery && 'backend does not declare redelivery';
  const noDlq = (!caps.deadLetter && 'backend does not declare deadLetter') || noRedelivery;

  // ---- every backend -------------------------------------------------------------------------

  it('original defect: close() left a blocked receive waiting forever', async (h) => {
    const ch = await h.open();
    const blocked = watch(ch.receive());
    await sleep(h.ms(20));
    await ch.close();
    await withTimeout(blocked.done, h.ms(5000), 'a receive blocked across close()');
    await expectCode(() => Promise.reject(blocked.error ?? new Error('resolved instead')), 'ChannelClosed', 'the blocked receive');
  });

  it('original defect: send and publish reached different queues — now a subscriber sees both, and receivers see what was sent', async (h) => {
    const ch = await h.open();
    const other = await h.another(ch);
    const sub = await other.subscribe();
    await ch.send(bytes('sent'));
    await ch.publish(bytes('published'));
    assert.equal((await nextTexts(sub, 2, h.ms(5000))).sort(), ['published', 'sent'], 'a subscriber on another handle gets both');
    if (caps.keepsForAbsentReceivers) {
      assert.equal(await receiveTexts(other, 1, h.ms(5000)), ['sent'], 'a receiver on another handle gets what was sent');
      await expectNothing(other, h.ms(150), 'a published message reached the receivers\' queue');
    }
  });

  it('original defect: the backpressure option was ignored', async (h) => {
    for (const mode of caps.backpressure) {
      const ch = await h.open({ capacity: 1, backpressure: mode, sendTimeoutMs: h.ms(50) });
      assert.is(ch.options.backpressure, mode);
      await ch.send(bytes('x'));
      const second = watch(ch.send(bytes('y')));
      await withTimeout(second.done, h.ms(5000), `a second send in '${mode}' mode`);
      const want = SECOND_SEND[mode];
      assert.is(second.error !== undefined, want.fails, `'${mode}': the second send ${want.fails ? 'fails' : 'resolves'} (got ${String(second.error ?? 'success')})`);
      if (want.fails) await expectCode(() => Promise.reject(second.error), 'ChannelFull', `'${mode}': the refused send`);
      assert.equal(await receiveTexts(ch, 1, h.ms(5000)), [want.left], `'${mode}': what is left in the channel`);
    }
  });

  it('original defect: latency and throughput statistics were always 0', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('timed'));
    await sleep(5);
    await ch.receive({ timeoutMs: h.ms(5000) });
    const s = ch.stats();
    assert.ok(s.latency.count > 0 && s.latency.maxMs > 0, `latency measured: ${JSON.stringify(s.latency)}`);
    assert.ok(s.throughput.sentPerSec > 0 && s.throughput.receivedPerSec > 0, `throughput measured: ${JSON.stringify(s.throughput)}`);
  });

  it(
    'original defect: maxRetries 0 was silently treated as 3',
    async (h) => {
      const dlqName = uniqueName('dlq');
      const dlq = await h.named(dlqName);
      const ch = await h.open({ maxRetries: 0, deadLetter: dlqName });
      assert.is(ch.options.maxRetries, 0);
      await ch.send(bytes('fail once'));
      await (await ch.receiveDelivery({ timeoutMs: h.ms(5000) })).nack();
      await expectNothing(ch, h.ms(150), 'redelivered despite maxRetries 0');
      assert.is(text(await dlq.receive({ timeoutMs: h.ms(5000) })), 'fail once');
    },
    { skip: !caps.deadLetter && 'backend does not declare deadLetter' },
  );

  // ---- found in the Redis backend, checked on every backend -------------------------------------

  it('original defect (redis): the stream key option was ignored — the name given is the channel used', async (h) => {
    const name = uniqueName('named');
    const a = await h.named(name);
    const b = await h.named(name);
    const elsewhereCh = await h.open();
    assert.is(a.name, name);
    await a.send(bytes('to the named channel'));
    await expectNothing(elsewhereCh, h.ms(100), 'another channel got the message');
    assert.equal(await receiveTexts(b, 1, h.ms(5000)), ['to the named channel']);
  });

  it('original defect (redis): a receive without a group started at "$" and missed earlier messages', async (h) => {
    const ch = await h.open();
    for (const s of ['early-1', 'early-2']) await ch.send(bytes(s));
    const late = await h.another(ch);
    assert.equal((await receiveTexts(late, 2, h.ms(5000))).sort(), ['early-1', 'early-2']);
  });

  it('original defect (redis): nack with requeue never redelivered', async (h) => {
    const ch = await h.open();
    await ch.send(bytes('again'));
    await (await ch.receiveDelivery({ timeoutMs: h.ms(5000) })).nack({ requeue: true });
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    assert.is(text(d.data), 'again');
    assert.is(d.deliveryCount, 2);
    await d.ack();
  }, { skip: noRedelivery });

  it('original defect (redis): dead-letter entries lacked the payload (and kafka produced none)', async (h) => {
    const dlqName = uniqueName('dlq');
    const dlq = await h.named(dlqName);
    const ch = await h.open({ deadLetter: dlqName });
    await ch.send(bytes('the payload'), { headers: { h: 'v' } });
    await (await ch.receiveDelivery({ timeoutMs: h.ms(5000) })).deadLetter('broken');
    const dead = await dlq.receiveDelivery({ timeoutMs: h.ms(5000) });
    assert.is(text(dead.data), 'the payload');
    assert.is(dead.headers.h, 'v');
    assert.is(dead.headers[DEAD_LETTER_HEADERS.reason], 'broken');
    await dead.ack();
  }, { skip: noDlq });

  it('original defect (redis): headers and timestamps were dropped', async (h) => {
    const ch = await h.open();
    const before = Date.now();
    await ch.send(bytes('meta'), { headers: { a: '1', b: '2' } });
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    assert.equal({ ...d.headers }, { a: '1', b: '2' });
    assert.ok(d.timestamp >= before - 5 && d.timestamp <= Date.now() + 5, `timestamp ${d.timestamp} is the send time`);
    await d.ack();
  });

  // ---- found in the Kafka backend, checked on every backend -------------------------------------

  it('original defect (kafka): a new consumer per receive lost or repeated messages between receives', async (h) => {
    const ch = await h.open();
    const sent = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const s of sent) await ch.send(bytes(s));
    const got: string[] = [];
    for (let i = 0; i < sent.length; i++) got.push(...(await receiveTexts(ch, 1, h.ms(5000))));
    got.push(...(await drainUntilQuiet(ch, h.ms(150))));
    assertNoneLost(got, sent, 'twenty receives one at a time', caps);
  });

  it('original defect (kafka): ack committed nothing — an acked message comes back to no one', async (h) => {
    const ch = await h.open({ ackTimeoutMs: h.ms(150) });
    await ch.send(bytes('acked'));
    await (await ch.receiveDelivery({ timeoutMs: h.ms(5000) })).ack();
    await sleep(h.ms(300));
    await expectNothing(await h.another(ch), h.ms(150), 'an acked message was delivered again');
  }, { skip: noRedelivery });

  // ---- found in the NATS backend, checked on every backend --------------------------------------

  it('original defect (nats): a fresh subscription per receive lost what was published between calls', async (h) => {
    const ch = await h.open();
    const sub = await ch.subscribe();
    for (let i = 0; i < 5; i++) await ch.publish(bytes(`between-${i}`));
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      const d = await sub.next({ timeoutMs: h.ms(5000) });
      got.push(text(d.data));
      await d.ack();
    }
    assert.equal([...got].sort(), ['between-0', 'between-1', 'between-2', 'between-3', 'between-4']);
  });

  it('original defect (nats): ack and nack did nothing', async (h) => {
    const ch = await h.open({ ackTimeoutMs: h.ms(150) });
    await ch.send(bytes('n'));
    await (await ch.receiveDelivery({ timeoutMs: h.ms(5000) })).nack();
    const again = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    assert.is(text(again.data), 'n', 'nack redelivers');
    assert.is(again.deliveryCount, 2);
    await again.ack();
    // Where a deadline would redeliver an unsettled message, give it the time to.
    if (caps.ackDeadline) await sleep(h.ms(300));
    await expectNothing(ch, h.ms(150), 'ack did not settle');
  }, { skip: noRedelivery });
}
