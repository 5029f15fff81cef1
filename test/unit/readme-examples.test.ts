// The README's usage snippets, run as written (one thread; the worker-thread snippet is what
// test/memory/threads.test.ts and the demo do). If the README says it, it works.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel, openChannel, DEAD_LETTER_HEADERS, type ChannelError } from '../../src/index.js';
import { createRing, attachRing } from '../../native-queue/index.js';

const test = suite('README examples');
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

test('in one thread: the seed example as typed', async () => {
  const channel = new InMemoryChannel();
  await channel.send(new TextEncoder().encode('hello'));
  assert.is(str(await channel.receive()), 'hello');
  assert.is(await channel.tryReceive(), undefined);
  await channel.close();
});

test('acknowledged delivery: past maxRetries a nacked message goes to the dead-letter channel with its reason', async () => {
  const orders = new InMemoryChannel({ name: 'readme-orders', maxRetries: 3, deadLetter: 'readme-orders-dlq', ackTimeoutMs: 10_000 });
  const dlq = new InMemoryChannel({ name: 'readme-orders-dlq' });
  await orders.send(text('order-1'), { headers: { tenant: 't1' } });
  for (let attempt = 1; attempt <= 4; attempt++) {
    const d = await orders.receiveDelivery({ timeoutMs: 5000 });
    assert.is(d.deliveryCount, attempt);
    await d.nack({ requeue: true });
  }
  const dead = await dlq.receiveDelivery({ timeoutMs: 5000 });
  assert.is(str(dead.data), 'order-1');
  assert.is(dead.headers.tenant, 't1');
  assert.ok(dead.headers[DEAD_LETTER_HEADERS.reason]);
  await dead.ack();
  assert.is(await orders.tryReceive(), undefined);
  await orders.close();
  await dlq.close();
});

test('settlements: ack twice is a no-op, nack after ack is AlreadySettled, an unknown id is MessageNotFound', async () => {
  const c = new InMemoryChannel();
  await c.send(text('x'));
  const d = await c.receiveDelivery();
  await d.ack();
  await d.ack();
  const codes: string[] = [];
  await d.nack().catch((e: ChannelError) => codes.push(e.code));
  await c.ack('no-such-id').catch((e: ChannelError) => codes.push(e.code));
  assert.equal(codes, ['AlreadySettled', 'MessageNotFound']);
  await c.close();
});

test('pub/sub: each group gets every message, publish counts the groups, the plain receivers get only what is sent', async () => {
  const events = new InMemoryChannel({ name: 'readme-events' });
  const audit = await events.subscribe({ group: 'audit' });
  const mail = await events.subscribe({ group: 'mail' });
  const groupsReached = await events.publish(text('created'), { headers: { type: 'created' }, key: 'user-42' });
  assert.is(groupsReached, 2);
  for (const sub of [audit, mail]) {
    const d = await sub.next({ timeoutMs: 2000 });
    assert.is(str(d.data), 'created');
    assert.is(d.headers.type, 'created');
    assert.is(d.key, 'user-42');
    await d.ack();
  }
  assert.is(await events.tryReceive(), undefined, 'publish reaches the groups only');
  await events.send(text('sent'));
  assert.is(str(await events.receive({ timeoutMs: 2000 })), 'sent');
  for (const sub of [audit, mail]) assert.is(str((await sub.next({ timeoutMs: 2000 })).data), 'sent', 'a send reaches every group too');
  await audit.unsubscribe();
  await mail.unsubscribe();
  await events.close();
});

test('batches: mixed entries in, what is there out', async () => {
  const channel = new InMemoryChannel();
  const ids = await channel.sendBatch([text('a'), text('b'), { data: text('c'), headers: { x: '1' } }]);
  assert.is(ids.length, 3);
  const batch = await channel.receiveBatch(100, { timeoutMs: 50 });
  assert.equal(batch.map((d) => str(d.data)), ['a', 'b', 'c']);
  assert.is(batch[2]!.headers.x, '1');
  assert.equal(batch.map((d) => d.id), ids);
  for (const d of batch) await d.ack();
  await channel.close();
});

test('request/reply: correlation id and reply-to are set for you', async () => {
  const rpc = new InMemoryChannel({ name: 'readme-rpc' });
  const responder = (async () => {
    const req = await rpc.receiveDelivery({ timeoutMs: 5000 });
    await rpc.reply(req, text(`re: ${str(req.data)}`));
    await req.ack();
  })();
  const answer = await rpc.request(text('ping'), { timeoutMs: 2000 });
  await responder;
  assert.is(str(answer.data), 're: ping');
  assert.ok(answer.correlationId);
  await rpc.close();
});

test('openChannel: the same memory name in one thread is the same channel', async () => {
  const a = await openChannel('memory:readme-jobs', { capacity: 100 });
  const b = await openChannel('memory:readme-jobs', { capacity: 100 });
  await a.send(text('shared'));
  assert.is(str(await b.receive({ timeoutMs: 1000 })), 'shared');
  await a.close();
});

test('the rings on their own: a batch in, drained out (in one thread here)', () => {
  const ring = createRing('spsc', { capacityBytes: 1 << 20 });
  const messages = [text('one'), text('two')];
  assert.is(ring.trySendBatch(messages), 2);
  const seen: string[] = [];
  attachRing(ring.describe()).drain((view) => seen.push(str(view)));
  assert.equal(seen, ['one', 'two']);
});

test('the largest message is what the README says: min(capacityBytes/2 − 8, leaseBytes/2 − 32) − 42', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.match(readme, '`min(capacityBytes/2 − 8, leaseBytes/2 − 32) − 42` bytes (524 214 by default)');
  const formula = (capacityBytes: number, leaseBytes: number) => Math.min(capacityBytes / 2 - 8, leaseBytes / 2 - 32) - 42;
  for (const [capacityBytes, leaseBytes] of [[1 << 20, 1 << 20], [1 << 16, 1 << 16], [1 << 22, 1 << 16], [1 << 16, 1 << 22]] as const) {
    const channel = new InMemoryChannel({ capacityBytes, leaseBytes });
    assert.is(channel.capabilities.maxMessageBytes, formula(capacityBytes, leaseBytes), `capacityBytes ${capacityBytes}, leaseBytes ${leaseBytes}`);
    await channel.send(new Uint8Array(formula(capacityBytes, leaseBytes)));
    assert.is((await channel.receive()).length, formula(capacityBytes, leaseBytes), 'a message of exactly that size goes through');
    await channel.close();
  }
  assert.is(formula(1 << 20, 1 << 20), 524_214);
});

test.run();
