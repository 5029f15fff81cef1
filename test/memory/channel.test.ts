import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { openChannel } from '../../src/open.js';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';
import { bytes, codeOf, sleep, within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel, one thread');
const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

test('new InMemoryChannel() works as the seed README types it', async () => {
  const channel = new InMemoryChannel();
  const id = await channel.send(new TextEncoder().encode('hello'));
  assert.type(id, 'string');
  assert.is(new TextDecoder().decode(await channel.receive()), 'hello');
  assert.is(await channel.tryReceive(), undefined);
  await channel.close();
});

test('send order, envelope fields and stats', async () => {
  const channel = new InMemoryChannel({ name: unique('order') });
  for (let i = 0; i < 50; i++) await channel.send(bytes(i), i % 2 ? { headers: { i: String(i) }, key: 'k', correlationId: `c${i}`, replyTo: 'r' } : undefined);
  assert.is(channel.stats().pending, 50);
  for (let i = 0; i < 50; i++) {
    const d = await channel.receiveDelivery();
    assert.is(d.data[0], i);
    assert.is(d.deliveryCount, 1);
    assert.equal(d.headers, i % 2 ? { i: String(i) } : {});
    assert.is(d.key, i % 2 ? 'k' : undefined);
    await d.ack();
  }
  const s = channel.stats();
  assert.is(s.sent, 50);
  assert.is(s.received, 50);
  assert.is(s.acked, 50);
  assert.is(s.pending, 0);
  assert.is(s.latency.count, 50);
  await channel.close();
});

test('two handles by name share one channel; openChannel("memory:NAME") too', async () => {
  const name = unique('named');
  const a = new InMemoryChannel({ name });
  const b = new InMemoryChannel({ name });
  const c = await openChannel(`memory:${name}`);
  await a.send(bytes(1));
  assert.equal([...(await c.receive())], [1]);
  await c.send(bytes(2));
  assert.equal([...(await b.receive())], [2]);
  assert.is(await codeOf(() => new InMemoryChannel({ name, capacity: 5 })), 'InvalidConfiguration');
  await a.close();
  assert.ok(b.isClosed, 'closing one handle closes the channel for all');
});

test('sendBatch takes the batch path and keeps order; receiveBatch returns early', async () => {
  const channel = new InMemoryChannel({ capacity: 100 });
  const ids = await channel.sendBatch([bytes(1), { data: bytes(2), headers: { h: 'v' } }, bytes(3)]);
  assert.is(ids.length, 3);
  const got = await channel.receiveBatch(10, { timeoutMs: 100 });
  assert.equal(got.map((d) => d.data[0]), [1, 2, 3]);
  assert.equal(got[1]!.headers, { h: 'v' });
  assert.equal(got.map((d) => d.id), ids);
  await channel.close();
});

test('backpressure error: ChannelFull at capacity, nothing accepted is lost', async () => {
  const channel = new InMemoryChannel({ capacity: 3, backpressure: 'error' });
  for (let i = 0; i < 3; i++) await channel.send(bytes(i));
  assert.is(await codeOf(channel.send(bytes(9))), 'ChannelFull');
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await channel.receive())[0]);
  assert.equal(got, [0, 1, 2]);
  await channel.close();
});

test('backpressure drop-newest and drop-oldest keep the right messages and count drops', async () => {
  const newest = new InMemoryChannel({ capacity: 2, backpressure: 'drop-newest' });
  const oldest = new InMemoryChannel({ capacity: 2, backpressure: 'drop-oldest' });
  for (let i = 0; i < 5; i++) {
    await newest.send(bytes(i));
    await oldest.send(bytes(i));
  }
  assert.equal([(await newest.receive())[0], (await newest.receive())[0]], [0, 1]);
  assert.equal([(await oldest.receive())[0], (await oldest.receive())[0]], [3, 4]);
  assert.is(newest.stats().dropped, 3);
  assert.is(oldest.stats().dropped, 3);
  assert.is(await newest.tryReceive(), undefined);
  await newest.close();
  await oldest.close();
});

test('backpressure drop-oldest also applies to the ring bytes', async () => {
  const channel = new InMemoryChannel({ capacityBytes: 1024, backpressure: 'drop-oldest' });
  for (let i = 0; i < 100; i++) await channel.send(new Uint8Array(100).fill(i));
  const last = [];
  for (let d = await channel.tryReceive(); d; d = await channel.tryReceive()) last.push(d[0]);
  assert.ok(last.length > 0 && last.length < 10, `kept ${last.length}`);
  assert.is(last.at(-1), 99);
  assert.is(channel.stats().dropped, 100 - last.length);
  await channel.close();
});

test('backpressure block: waits for room, times out as ChannelFull, aborts as Aborted', async () => {
  const channel = new InMemoryChannel({ capacity: 1 });
  await channel.send(bytes(1));
  const blocked = channel.send(bytes(2));
  let done = false;
  void blocked.then(() => (done = true));
  await sleep(30);
  assert.is(done, false, 'a send into a full channel waits');
  assert.equal([...(await channel.receive())], [1]);
  await within(2000, 'blocked send proceeds after a receive', blocked);
  assert.is(await codeOf(channel.send(bytes(3), { timeoutMs: 30 })), 'ChannelFull');
  const controller = new AbortController();
  const aborted = channel.send(bytes(4), { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  assert.is(await within(2000, 'abort', codeOf(aborted)), 'Aborted');
  assert.equal([...(await channel.receive())], [2]);
  assert.is(await channel.tryReceive(), undefined);
  await channel.close();
});

test('close wakes a blocked sender (ChannelClosed) and waiting receivers drain first', async () => {
  const channel = new InMemoryChannel({ capacity: 1 });
  await channel.send(bytes(7));
  const sender = codeOf(channel.send(bytes(8)));
  await sleep(20);
  await channel.close();
  assert.is(await within(2000, 'blocked sender wakes', sender), 'ChannelClosed');
  assert.equal([...(await channel.receive())], [7], 'what was sent before close is still received');
  assert.is(await within(2000, 'receiver after drain', codeOf(channel.receive())), 'ChannelClosed');
  assert.is(await codeOf(channel.send(bytes(1))), 'ChannelClosed');

  const idle = new InMemoryChannel();
  const waiting = [codeOf(idle.receive()), codeOf(idle.receive())];
  await sleep(20);
  await idle.close();
  assert.equal(await within(2000, 'waiting receivers wake', Promise.all(waiting)), ['ChannelClosed', 'ChannelClosed']);
});

test('receive timeout and abort', async () => {
  const channel = new InMemoryChannel();
  assert.is(await codeOf(channel.receive({ timeoutMs: 0 })), 'Timeout');
  assert.is(await within(2000, 'timeout', codeOf(channel.receive({ timeoutMs: 30 }))), 'Timeout');
  const controller = new AbortController();
  const waiting = codeOf(channel.receive({ signal: controller.signal }));
  setTimeout(() => controller.abort(), 20);
  assert.is(await within(2000, 'abort', waiting), 'Aborted');
  await channel.send(bytes(1));
  assert.equal([...(await channel.receive({ timeoutMs: 10 }))], [1], 'a timed-out receive took nothing');
  await channel.close();
});

test('nack redelivers with deliveryCount + 1, after its delay', async () => {
  const channel = new InMemoryChannel();
  await channel.send(bytes(5));
  const first = await channel.receiveDelivery();
  const started = performance.now();
  await first.nack({ delayMs: 80 });
  assert.is(await channel.tryReceive(), undefined, 'not before the delay');
  const again = await within(2000, 'redelivery', channel.receiveDelivery());
  assert.ok(performance.now() - started >= 70);
  assert.is(again.id, first.id);
  assert.is(again.deliveryCount, 2);
  await again.nack();
  const third = await channel.receiveDelivery({ timeoutMs: 500 });
  assert.is(third.deliveryCount, 3);
  await third.ack();
  assert.is(await codeOf(channel.ack('no-such-id')), 'MessageNotFound');
  await channel.close();
});

test('a delivery left unacked past ackTimeoutMs is redelivered to another handle; the late ack says so', async () => {
  const name = unique('deadline');
  const a = new InMemoryChannel({ name, ackTimeoutMs: 60 });
  const b = new InMemoryChannel({ name });
  await a.send(bytes(1));
  const held = await a.receiveDelivery();
  const again = await within(2000, 'redelivery after the deadline', b.receiveDelivery());
  assert.is(again.id, held.id);
  assert.is(again.deliveryCount, 2);
  assert.is(await codeOf(held.ack()), 'MessageNotFound');
  await again.ack();
  assert.is(a.stats().inFlight, 0);
  await a.close();
});

test('maxRetries then the dead-letter channel, with the original payload, headers and reasons', async () => {
  const dlqName = unique('dlq');
  const channel = new InMemoryChannel({ maxRetries: 1, deadLetter: dlqName });
  await channel.send(bytes(1, 2, 3), { headers: { origin: 'test' }, key: 'k1' });
  const first = await channel.receiveDelivery();
  await first.nack();
  const second = await channel.receiveDelivery({ timeoutMs: 500 });
  assert.is(second.deliveryCount, 2);
  await second.nack();
  assert.is(await channel.tryReceive(), undefined);
  const dlq = new InMemoryChannel({ name: dlqName });
  const dead = await dlq.receiveDelivery({ timeoutMs: 500 });
  assert.equal([...dead.data], [1, 2, 3]);
  assert.is(dead.headers.origin, 'test');
  assert.is(dead.key, 'k1');
  assert.is(dead.headers[DEAD_LETTER_HEADERS.originalChannel], channel.name);
  assert.is(dead.headers[DEAD_LETTER_HEADERS.originalId], first.id);
  assert.is(dead.headers[DEAD_LETTER_HEADERS.deliveryCount], '2');
  assert.match(dead.headers[DEAD_LETTER_HEADERS.reason]!, /maxRetries 1/);
  assert.is(channel.stats().deadLettered, 1);
  await channel.close();
  await dlq.close();
});

test('maxRetries 0: the first nack dead-letters; deadLetter(reason) is kept', async () => {
  const dlqName = unique('dlq0');
  const channel = new InMemoryChannel({ maxRetries: 0, deadLetter: dlqName });
  await channel.send(bytes(1));
  await channel.send(bytes(2));
  await (await channel.receiveDelivery()).nack();
  await (await channel.receiveDelivery()).deadLetter('poison');
  const dlq = new InMemoryChannel({ name: dlqName });
  const dead = await dlq.receiveBatch(2, { timeoutMs: 500 });
  assert.equal(dead.map((d) => d.data[0]), [1, 2]);
  assert.is(dead[1]!.headers[DEAD_LETTER_HEADERS.reason], 'poison');
  assert.is(await channel.tryReceive(), undefined);
  await channel.close();
  await dlq.close();
});

test('a delivery that keeps missing its ack deadline is dead-lettered after maxRetries', async () => {
  const dlqName = unique('dlq-deadline');
  const name = unique('deadline-dlq');
  const channel = new InMemoryChannel({ name, ackTimeoutMs: 40, maxRetries: 1, deadLetter: dlqName });
  const other = new InMemoryChannel({ name });
  await channel.send(bytes(3));
  const first = await channel.receiveDelivery();
  const second = await within(2000, 'redelivery 1', other.receiveDelivery());
  assert.is(second.deliveryCount, 2);
  assert.is(first.id, second.id);
  // Neither is settled: after the second deadline it has had 1 + maxRetries deliveries.
  assert.is(await within(2000, 'nothing more', codeOf(other.receive({ timeoutMs: 300 }))), 'Timeout');
  const dlq = new InMemoryChannel({ name: dlqName });
  const dead = await dlq.receiveDelivery({ timeoutMs: 1000 });
  assert.equal([...dead.data], [3]);
  assert.is(dead.headers[DEAD_LETTER_HEADERS.deliveryCount], '2');
  assert.match(dead.headers[DEAD_LETTER_HEADERS.reason]!, /ackTimeoutMs/);
  await channel.close();
  await dlq.close();
});

test('messages older than messageTtlMs are discarded and counted', async () => {
  const channel = new InMemoryChannel({ messageTtlMs: 30 });
  await channel.send(bytes(1));
  await sleep(50);
  await channel.send(bytes(2));
  assert.equal([...(await channel.receive())], [2]);
  assert.is(channel.stats().expired, 1);
  await channel.close();
});

test('pub/sub: two groups each get every message, members of a group share them', async () => {
  const channel = new InMemoryChannel();
  const a1 = await channel.subscribe({ group: 'a' });
  const a2 = await channel.subscribe({ group: 'a' });
  const b = await channel.subscribe({ group: 'b' });
  const solo = await channel.subscribe();
  for (let i = 0; i < 20; i++) assert.is(await channel.publish(bytes(i), { headers: { n: String(i) } }), 3);
  const take = async (s: typeof a1, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = await s.next({ timeoutMs: 500 });
      out.push(d.data[0]!);
      await d.ack();
    }
    return out;
  };
  const fromA = [...(await take(a1, 10)), ...(await take(a2, 10))].sort((x, y) => x - y);
  assert.equal(fromA, [...Array(20).keys()]);
  assert.equal(await take(b, 20), [...Array(20).keys()]);
  assert.equal(await take(solo, 20), [...Array(20).keys()]);
  await b.unsubscribe();
  assert.is(await channel.publish(bytes(99)), 2);
  // Too big for the subscriber rings: refused before any ring (the queue included) takes it.
  const pendingBefore = channel.stats().pending;
  assert.is(await codeOf(channel.publish(new Uint8Array(64 * 1024))), 'SerializationError');
  assert.is(channel.stats().pending, pendingBefore);
  await channel.close();
});

test('request/reply: correlation id, reply to the inbox, timeout when nobody answers', async () => {
  const channel = new InMemoryChannel();
  const responder = (async () => {
    const req = await channel.receiveDelivery();
    await req.ack();
    await channel.reply(req, bytes(req.data[0]! * 2), { headers: { ok: 'yes' } });
  })();
  const answer = await within(2000, 'request', channel.request(bytes(21), { timeoutMs: 1000 }));
  await responder;
  assert.equal([...answer.data], [42]);
  assert.is(answer.headers.ok, 'yes');
  assert.ok(answer.correlationId);
  assert.is(await within(2000, 'unanswered request', codeOf(channel.request(bytes(1), { timeoutMs: 40 }))), 'Timeout');
  await channel.close();
});

test('close hands this handle\'s unsettled deliveries back: a draining receiver gets them, then ChannelClosed', async () => {
  const name = unique('close-unsettled');
  const a = new InMemoryChannel({ name });
  const b = InMemoryChannel.attach(a.describe());
  await a.send(bytes(1));
  await a.send(bytes(2));
  const held = await a.receiveDelivery();
  await a.close();
  const drained = [await b.receiveDelivery({ timeoutMs: 500 }), await b.receiveDelivery({ timeoutMs: 500 })];
  assert.equal(drained.map((d) => d.data[0]).sort(), [1, 2]);
  assert.is(drained.find((d) => d.id === held.id)!.deliveryCount, 2);
  assert.is(await codeOf(b.receive({ timeoutMs: 200 })), 'ChannelClosed');
});

test('close drains a message nacked with a delay: the receiver waits for it, then ChannelClosed', async () => {
  const channel = new InMemoryChannel();
  await channel.send(bytes(4));
  await (await channel.receiveDelivery()).nack({ delayMs: 100 });
  await channel.close();
  assert.is(await channel.tryReceive(), undefined, 'not due yet, but not ChannelClosed either');
  const again = await within(2000, 'delayed redelivery after close', channel.receiveDelivery());
  assert.is(again.deliveryCount, 2);
  await again.ack();
  assert.is(await codeOf(channel.receive()), 'ChannelClosed');
});

test('a subscriber nack redelivers within its group; the other group is unaffected', async () => {
  const channel = new InMemoryChannel();
  const a = await channel.subscribe({ group: 'a' });
  const b = await channel.subscribe({ group: 'b' });
  await channel.publish(bytes(5));
  const first = await a.next({ timeoutMs: 500 });
  await first.nack();
  const again = await a.next({ timeoutMs: 500 });
  assert.is(again.id, first.id);
  assert.is(again.deliveryCount, 2);
  await again.ack();
  const inB = await b.next({ timeoutMs: 500 });
  assert.is(inB.deliveryCount, 1);
  await inB.ack();
  assert.is(await codeOf(b.next({ timeoutMs: 0 })), 'Timeout');
  await a.unsubscribe();
  assert.is(await codeOf(a.next()), 'ChannelClosed');
  await channel.close();
});

test('subscriber slots are bounded: ChannelFull names maxSubscribers; leaving frees a slot', async () => {
  const channel = new InMemoryChannel({ maxSubscribers: 2 });
  const s1 = await channel.subscribe({ group: 'x' });
  await channel.subscribe({ group: 'x' }); // same group: same slot
  await channel.subscribe({ group: 'y' });
  const full = await codeOf(channel.subscribe({ group: 'z' }));
  assert.is(full, 'ChannelFull');
  await s1.unsubscribe();
  assert.is(await codeOf(channel.subscribe({ group: 'z' })), 'ChannelFull', 'x still has a member');
  await channel.close();
});

test('reply to a plain channel name goes to that channel with the correlation id', async () => {
  const answers = new InMemoryChannel({ name: unique('answers') });
  const work = new InMemoryChannel();
  await work.send(bytes(1), { replyTo: answers.name, correlationId: 'c-1' });
  const request = await work.receiveDelivery();
  await work.reply(request, bytes(2));
  const answer = await answers.receiveDelivery({ timeoutMs: 500 });
  assert.equal([...answer.data], [2]);
  assert.is(answer.correlationId, 'c-1');
  await work.send(bytes(1), { replyTo: 'nobody-opened-this' });
  assert.is(await codeOf(work.reply(await work.receiveDelivery(), bytes(3))), 'InvalidConfiguration');
  await work.close();
  await answers.close();
});

test('more unsettled deliveries than the lease log holds: still handed out, nack and ack still work', async () => {
  const channel = new InMemoryChannel({ leaseBytes: 4096 });
  for (let i = 0; i < 100; i++) await channel.send(new Uint8Array(100).fill(i));
  const first = [];
  for (let i = 0; i < 100; i++) first.push(await channel.receiveDelivery({ timeoutMs: 500 }));
  assert.ok(sharedChannelOf(channel).leases.live() < 100, 'the log is full: some deliveries are unleased');
  for (const d of first) await d.nack();
  const again = [];
  for (let i = 0; i < 100; i++) again.push(await channel.receiveDelivery({ timeoutMs: 500 }));
  assert.equal(again.map((d) => d.data[0]).sort((a, b) => a! - b!), [...Array(100).keys()]);
  assert.ok(again.every((d) => d.deliveryCount === 2));
  for (const d of again) await d.ack();
  assert.is(await channel.tryReceive(), undefined);
  assert.is(sharedChannelOf(channel).leases.live(), 0);
  assert.is(channel.stats().inFlight, 0);
  await channel.close();
});

test('bad input: typed errors, nothing lost', async () => {
  const channel = new InMemoryChannel({ capacityBytes: 4096 });
  await channel.send(bytes(1));
  assert.is(await codeOf(channel.send('text' as never)), 'SerializationError');
  assert.is(await codeOf(channel.send(new Uint8Array(channel.capabilities.maxMessageBytes + 1))), 'SerializationError');
  assert.is(await codeOf(channel.send(bytes(1), { headers: { n: 5 as never } })), 'SerializationError');
  assert.is(await codeOf(channel.sendBatch([bytes(2), 'x' as never])), 'SerializationError');
  await channel.send(new Uint8Array(channel.capabilities.maxMessageBytes));
  assert.is(await codeOf(() => new InMemoryChannel({ delivery: 'exactly-once' })), 'InvalidConfiguration');
  assert.is(await codeOf(() => new InMemoryChannel({ maxSubscribers: -1 })), 'InvalidConfiguration');
  assert.is(await codeOf(() => new InMemoryChannel({ colour: 'red' } as never)), 'InvalidConfiguration');
  assert.is(await codeOf(() => InMemoryChannel.attach({} as never)), 'InvalidConfiguration');
  assert.equal([...(await channel.receive())], [1]);
  assert.is((await channel.receive()).byteLength, channel.capabilities.maxMessageBytes);
  await channel.close();
});

test.run();
