// A message sent and received in one thread, at most once, is handed out as its own Delivery
// (local-message.ts): no delivery or settler object per message. These cases hold that object to
// every rule a SettleableDelivery keeps, and check what the hot path's shortcuts must not change:
// payload copies of both sizes (kept on the JS heap up to 64 bytes, in a shared chunk above),
// close seen by every handle while the channel is thread-local, one latency sample per delivery.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';
import { codeOf } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel, thread-local at-most-once deliveries');
const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;
const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('settle-once rules: ack twice is one ack, nack or deadLetter after it is AlreadySettled', async () => {
  const channel = new InMemoryChannel({ delivery: 'at-most-once' });
  try {
    await channel.sendBatch([filled(8, 1), filled(8, 2)]);
    const [a, b] = await channel.receiveBatch(2, { timeoutMs: 0 });
    assert.ok(sharedChannelOf(channel).queue.isLocal, 'still thread-local: these came out in object form');
    assert.is(a!.settlement, undefined);
    await a!.ack();
    await a!.ack();
    assert.is(a!.settlement, 'acked');
    assert.is(await codeOf(a!.nack()), 'AlreadySettled');
    assert.is(await codeOf(a!.deadLetter('x')), 'AlreadySettled');
    assert.is(await codeOf(b!.nack({ delayMs: -1 })), 'InvalidConfiguration', 'bad nack options are refused');
    assert.is(b!.settlement, undefined, 'a refused nack leaves it unsettled');
    await b!.ack();
    assert.is(await channel.tryReceive(), undefined, 'nothing was put back');
    assert.is(channel.stats().received, 2);
  } finally {
    await channel.close();
  }
});

test('a nacked one comes back as a new delivery (count 2); the old object stays settled as nacked', async () => {
  const channel = new InMemoryChannel({ delivery: 'at-most-once' });
  try {
    await channel.send(filled(100, 3));
    const [first] = await channel.receiveBatch(1, { timeoutMs: 0 });
    await first!.nack();
    await first!.nack(); // the same settlement again: a no-op, not a second put-back
    const [again, extra] = await channel.receiveBatch(2, { timeoutMs: 1000 });
    assert.is(extra, undefined, 'put back once');
    assert.is.not(again, first);
    assert.is(again!.id, first!.id);
    assert.is(again!.deliveryCount, 2);
    assert.is(first!.deliveryCount, 1, 'the first delivery still says what it was');
    assert.equal([...again!.data], [...filled(100, 3)]);
    assert.is(first!.settlement, 'nacked');
    assert.is(await codeOf(first!.ack()), 'AlreadySettled');
  } finally {
    await channel.close();
  }
});

test('deadLetter on such a delivery sends the payload, headers and reason to the dead-letter channel', async () => {
  const dlqName = unique('local-dlq');
  const channel = new InMemoryChannel({ delivery: 'at-most-once', deadLetter: dlqName });
  const dlq = new InMemoryChannel({ name: dlqName });
  try {
    await channel.send(filled(5, 4), { headers: { origin: 'local' }, key: 'k' });
    const [d] = await channel.receiveBatch(1, { timeoutMs: 0 });
    await d!.deadLetter('poison');
    const dead = await dlq.receiveDelivery({ timeoutMs: 1000 });
    assert.equal([...dead.data], [...filled(5, 4)]);
    assert.is(dead.headers.origin, 'local');
    assert.is(dead.key, 'k');
    assert.is(dead.headers[DEAD_LETTER_HEADERS.reason], 'poison');
    assert.is(dead.headers[DEAD_LETTER_HEADERS.originalId], d!.id);
  } finally {
    await channel.close();
    await dlq.close();
  }
});

test('payloads of every size are the channel\'s own copies, not views of the sender\'s buffer', async () => {
  const channel = new InMemoryChannel({ delivery: 'at-most-once' });
  try {
    // Around the 64-byte line between a copy on the JS heap and a slice of a shared chunk.
    const sizes = [0, 1, 63, 64, 65, 200, 9000];
    const sent = sizes.map((n, i) => filled(n, i));
    const originals = sent.map((m) => m.slice());
    await channel.sendBatch(sent);
    for (const m of sent) m.fill(0xee); // the sender reuses its buffers at once
    const got = await channel.receiveBatch(sizes.length, { timeoutMs: 0 });
    assert.equal(got.map((d) => [...d.data]), originals.map((m) => [...m]));
    for (const d of got) {
      // `.buffer` of a small on-heap copy is materialised on demand and holds exactly it.
      const view = new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength);
      assert.equal([...view], [...d.data]);
    }
  } finally {
    await channel.close();
  }
});

test('close by one handle is seen by every handle in the thread while the queue is thread-local', async () => {
  const name = unique('local-close');
  const a = new InMemoryChannel({ name });
  const b = new InMemoryChannel({ name });
  await a.send(filled(4, 5));
  await b.close();
  assert.ok(sharedChannelOf(a).queue.isLocal);
  assert.ok(a.isClosed, 'the other handle closed the channel');
  assert.is(await codeOf(a.send(filled(4, 6))), 'ChannelClosed');
  assert.equal([...(await a.receive())], [...filled(4, 5)], 'what was sent before still drains');
  assert.is(await codeOf(a.receive({ timeoutMs: 100 })), 'ChannelClosed');
});

test('batches, single receives and tryReceive each record one latency sample per delivery', async () => {
  const channel = new InMemoryChannel({ delivery: 'at-most-once' });
  try {
    const waiting = channel.receiveBatch(10, { timeoutMs: 2000 }); // waits for the first, then takes the rest
    await channel.sendBatch(Array.from({ length: 25 }, (_, i) => filled(16, i)));
    assert.is((await waiting).length, 10);
    assert.is((await channel.receiveBatch(10, { timeoutMs: 0 })).length, 10);
    await channel.receive();
    await channel.tryReceive();
    await channel.receiveDelivery();
    const s = channel.stats();
    assert.is(s.received, 23);
    assert.is(s.latency.count, s.received);
    assert.is(s.pending, 2);
  } finally {
    await channel.close();
  }
});

test.run();
