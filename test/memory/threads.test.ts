// Real worker threads on one in-memory channel. The main thread only uses promise calls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel, type InMemoryChannelDescriptor } from '../../src/backends/memory/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';
import { codeOf, readU32, startChannelWorker, terminateChannelWorkers, within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel across worker threads');
const start = startChannelWorker;

test.after.each(terminateChannelWorkers);

test('workers produce with sendSync, other workers consume with receiveSync, none lost', async () => {
  const channel = new InMemoryChannel({ capacity: 64 }); // small: producers really block
  const producers = [0, 1, 2].map((p) => start('produce', channel.describe(), { count: 2000, base: p * 100_000 }));
  const consumers = [0, 1].map(() => start('consume', channel.describe()));
  // The main thread consumes too, with promises.
  const mine: number[] = [];
  const mainDone = (async () => {
    for (;;) {
      try {
        mine.push(readU32(await channel.receive()));
      } catch (err) {
        return codeOf(Promise.reject(err));
      }
    }
  })();
  for (const p of producers) assert.equal(await p.next('produced'), { done: 2000 });
  await within(10_000, 'drained', (async () => {
    while ((channel.stats().pending ?? 0) > 0) await new Promise((r) => setTimeout(r, 10));
  })());
  await channel.close();
  const results = await Promise.all(consumers.map((c) => c.next<{ seen: number[]; ended: string }>('consumed')));
  assert.is(await within(5000, 'main consumer ends', mainDone), 'ChannelClosed');
  const all = [...mine, ...results.flatMap((r) => r.seen)];
  for (const r of results) assert.is(r.ended, 'ChannelClosed');
  assert.is(all.length, 6000);
  assert.is(new Set(all).size, 6000);
  // Per producer, each consumer sees that producer's messages in send order (FIFO per receiver).
  for (const seen of [mine, ...results.map((r) => r.seen)]) {
    for (const p of [0, 1, 2]) {
      const mineFromP = seen.filter((v) => Math.floor(v / 100_000) === p);
      assert.equal(mineFromP, [...mineFromP].sort((a, b) => a - b));
    }
  }
});

test('flaky consumers in two workers nack a third of the time: every message is acked, none lost', async () => {
  const channel = new InMemoryChannel({ maxRetries: 1000, capacity: 500 });
  const consumers = [1, 2].map((seed) => start('flaky-consume', channel.describe(), { base: seed }));
  const total = 3000;
  for (let i = 0; i < total; i += 100) {
    await channel.sendBatch(Array.from({ length: 100 }, (_, k) => {
      const data = new Uint8Array(4);
      new DataView(data.buffer).setUint32(0, i + k);
      return data;
    }));
  }
  await within(30_000, 'everything settled', (async () => {
    while ((channel.stats().pending ?? 0) > 0 || sharedChannelOf(channel).leases.live() > 0) await new Promise((r) => setTimeout(r, 10));
  })());
  await channel.close();
  const results = await Promise.all(consumers.map((c) => c.next<{ acked: number[]; nacks: number; ended: string }>('flaky results')));
  const acked = results.flatMap((r) => r.acked);
  // How the work splits between the two workers is up to the scheduler (one may boot late on a
  // busy machine and get little), so the split is not asserted; that nacks really happened is.
  const nacks = results.reduce((sum, r) => sum + r.nacks, 0);
  assert.ok(nacks > 300, `about 30% of deliveries should be nacked, got ${nacks}`);
  assert.is(new Set(acked).size, total, 'every message acked');
  assert.is(acked.length, total, 'and each exactly once here (nobody missed a deadline)');
  for (const r of results) assert.is(r.ended, 'ChannelClosed');
});

test('a worker terminated while holding unacked deliveries loses none of them', async () => {
  const channel = new InMemoryChannel({ ackTimeoutMs: 150 });
  for (let i = 0; i < 5; i++) await channel.send(new Uint8Array([i]));
  const holder = start('hold', channel.describe(), { count: 3 });
  const { holding } = await holder.next<{ holding: string[] }>('holding');
  assert.is(holding.length, 3);
  await holder.worker.terminate();
  const got = [];
  for (let i = 0; i < 5; i++) {
    const d = await within(5000, `delivery ${i}`, channel.receiveDelivery());
    got.push({ value: d.data[0]!, id: d.id, count: d.deliveryCount });
    await d.ack();
  }
  assert.equal(got.map((g) => g.value).sort(), [0, 1, 2, 3, 4]);
  for (const g of got) assert.is(g.count, holding.includes(g.id) ? 2 : 1);
  assert.is(await channel.tryReceive(), undefined);
  await channel.close();
});

test('a group member terminated with deliveries in hand: another member of the group gets them', async () => {
  const channel = new InMemoryChannel({ ackTimeoutMs: 150 });
  const holder = start('hold-subscribed', channel.describe(), { group: 'g', count: 2 });
  await holder.next('ready');
  const mine = await channel.subscribe({ group: 'g' });
  for (let i = 0; i < 3; i++) await channel.publish(new Uint8Array([i]));
  const { holding } = await holder.next<{ holding: string[] }>('holding');
  await holder.worker.terminate();
  const got = [];
  for (let i = 0; i < 3; i++) {
    const d = await within(5000, `group delivery ${i}`, mine.next());
    got.push(d);
    await d.ack();
  }
  assert.equal(got.map((d) => d.data[0]).sort(), [0, 1, 2]);
  for (const d of got) assert.is(d.deliveryCount, holding.includes(d.id) ? 2 : 1);
  await channel.close();
});

test('close in the main thread wakes a worker blocked in receiveSync', async () => {
  const channel = new InMemoryChannel();
  const waiter = start('wait-closed', channel.describe());
  await waiter.next('waiting');
  await new Promise((r) => setTimeout(r, 30));
  await channel.close();
  assert.equal(await waiter.next('woken'), { ended: 'ChannelClosed' });
});

test('close in the main thread wakes a worker blocked in sendSync with ChannelClosed; nothing sent is lost', async () => {
  const channel = new InMemoryChannel({ capacity: 5 });
  const sender = start('produce-until-closed', channel.describe(), { count: 5 });
  await sender.next('channel full');
  await new Promise((r) => setTimeout(r, 50)); // the worker is now parked in sendSync
  assert.is(channel.stats().pending, 5);
  await channel.close();
  assert.equal(await sender.next('woken'), { sent: 5, ended: 'ChannelClosed' });
  const drained = [];
  for (let i = 0; i < 5; i++) drained.push((await channel.receive())[0]);
  assert.equal(drained, [0, 1, 2, 3, 4]);
  assert.is(await codeOf(channel.receive()), 'ChannelClosed');
});

test('the dead-letter channel works from an attached handle in a worker', async () => {
  const dlqName = `dlq-${Math.random().toString(36).slice(2)}`;
  const channel = new InMemoryChannel({ maxRetries: 2, deadLetter: dlqName });
  await channel.send(new Uint8Array([7]), { headers: { h: '1' } });
  const worker = start('exhaust', channel.describe());
  assert.equal(await worker.next('exhausted'), { counts: [1, 2, 3] });
  const dlq = new InMemoryChannel({ name: dlqName });
  const dead = await dlq.receiveDelivery({ timeoutMs: 1000 });
  assert.equal([...dead.data], [7]);
  assert.is(dead.headers.h, '1');
  assert.is(dead.headers[DEAD_LETTER_HEADERS.deliveryCount], '3');
  await channel.close();
  await dlq.close();
});

test('subscribers in workers: a group spread over two workers shares, another group gets all', async () => {
  const channel = new InMemoryChannel();
  const shared = [start('subscribe', channel.describe(), { group: 'g', count: 10 }), start('subscribe', channel.describe(), { group: 'g', count: 10 })];
  const whole = start('subscribe', channel.describe(), { group: 'h', count: 20 });
  for (const w of [...shared, whole]) await w.next('ready');
  for (let i = 0; i < 20; i++) assert.is(await channel.publish(new Uint8Array([i])), 2);
  const split = await Promise.all(shared.map((w) => w.next<{ got: number[] }>('group g')));
  assert.equal(split.flatMap((s) => s.got).sort((a, b) => a - b), [...Array(20).keys()]);
  assert.equal((await whole.next<{ got: number[] }>('group h')).got, [...Array(20).keys()]);
  await channel.close();
});

test('request from the main thread, reply from a worker', async () => {
  const channel = new InMemoryChannel();
  const responder = start('respond', channel.describe(), { count: 3 });
  for (let i = 0; i < 3; i++) {
    const reply = await channel.request(new Uint8Array([i]), { timeoutMs: 5000 });
    assert.equal([...reply.data], [i + 100]);
  }
  assert.equal(await responder.next('answered'), { answered: 3 });
  await channel.close();
});

test('the main thread may not block: sync calls throw a typed error there', async () => {
  const channel = new InMemoryChannel();
  assert.is(await codeOf(() => channel.sendSync(new Uint8Array(1))), 'InvalidConfiguration');
  assert.is(await codeOf(() => channel.receiveSync({ timeoutMs: 0 })), 'InvalidConfiguration');
  await channel.close();
});

test.run();
