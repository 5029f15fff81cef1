// Consumer groups on Kafka: per-key order across three consumers of one group (a topic of six
// partitions, so the three share it), and two groups each getting every message while the
// members of each share it. About 15 s (group joins settle before the traffic starts, so the
// order is not blurred by a rebalance).
import * as assert from 'uvu/assert';
import type { Delivery, Subscription } from '../../src/channel.js';
import { isChannelError } from '../../src/errors.js';
import type { KafkaChannel } from '../../src/backends/kafka/index.js';
import { serviceSuite } from '../support/services.js';
import { cleanupTopics, decode, encode, open, sleep, topicName } from './helpers.js';

const test = await serviceSuite('kafka: consumer groups and per-key order', 'kafka');

/** Aborts `stop` after `ms` unless the work ends first (the timer never outlives the test). */
async function boundedBy(ms: number, stop: AbortController, work: Promise<unknown>): Promise<void> {
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}

/** Receives (and acks) until `stop` aborts; records what each consumer got, in order. */
async function drain(next: (signal: AbortSignal) => Promise<Delivery>, stop: AbortSignal, got: string[], hold: () => Promise<void>): Promise<void> {
  while (!stop.aborted) {
    let d: Delivery;
    try {
      d = await next(stop);
    } catch (err) {
      if (stop.aborted || isChannelError(err, 'Aborted')) return;
      throw err;
    }
    await hold();
    got.push(decode(d.data));
    await d.ack();
  }
}

test('per-key order across 3 consumers of one group on 6 partitions: each key in send order, the keys spread over the consumers', async () => {
  const topic = topicName('perkey');
  const first = await open(topic, { partitions: 6, ordering: 'per-key' });
  const consumers: KafkaChannel[] = [first, await first.another(), await first.another()];
  try {
    // Each joins the receivers' group, then the group settles before anything is sent.
    await Promise.all(consumers.map((c) => c.receive({ timeoutMs: 500 }).catch(() => undefined)));
    await sleep(3000);
    const keys = Array.from({ length: 12 }, (_, k) => `key-${k}`);
    const perKey = 25;
    const messages = [];
    for (let i = 0; i < perKey; i++) for (const key of keys) messages.push({ data: encode(`${key}#${i}`), key });
    await first.sendBatch(messages);

    const got: string[][] = consumers.map(() => []);
    const stop = new AbortController();
    const seen = new Set<string>();
    const watchDone = setInterval(() => {
      for (const g of got) for (const m of g) seen.add(m);
      if (seen.size >= messages.length) stop.abort();
    }, 50);
    try {
      await boundedBy(30_000, stop, Promise.all(consumers.map((c, i) => drain((signal) => c.receiveDelivery({ signal }), stop.signal, got[i]!, () => sleep(Math.random() * 3)))));
    } finally {
      clearInterval(watchDone);
    }
    assert.is(seen.size, messages.length, `every message arrived (${seen.size} of ${messages.length})`);
    const busy = got.filter((g) => g.length > 0).length;
    assert.ok(busy >= 2, `the keys spread over the consumers (${got.map((g) => g.length).join(' / ')}): with one busy consumer per-key order across consumers was not tested`);
    // Per key, the first time each message is seen comes in send order, whoever saw it (a
    // redelivery after a rebalance may repeat a key's tail, never reorder it).
    for (const key of keys) {
      const firsts: number[] = [];
      const own = new Set<number>();
      for (const g of got) {
        const mine = g.filter((m) => m.startsWith(`${key}#`)).map((m) => Number(m.split('#')[1]));
        if (mine.length > 0) for (const n of mine) if (!own.has(n)) (own.add(n), firsts.push(n));
      }
      assert.equal(firsts, Array.from({ length: perKey }, (_, i) => i), `${key} was handed out in send order`);
      const holders = got.filter((g) => g.some((m) => m.startsWith(`${key}#`))).length;
      assert.is(holders, 1, `${key} went to one consumer (its partition's)`);
    }
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
    await cleanupTopics(topic);
  }
});

test('two groups each get every message; the two members of each group share it', async () => {
  const topic = topicName('twogroups');
  const ch = await open(topic, { partitions: 4, ordering: 'none' });
  const handles: KafkaChannel[] = [ch, await ch.another(), await ch.another(), await ch.another()];
  const subs: Subscription[] = [];
  try {
    for (const [i, h] of handles.entries()) subs.push(await h.subscribe({ group: i < 2 ? 'audit' : 'mail' }));
    await sleep(3000); // both groups settle (two members each)
    const expected = Array.from({ length: 400 }, (_, i) => `m-${i}`);
    await ch.sendBatch(expected.map((e, i) => ({ data: encode(e), key: `k${i % 16}` })));
    const got: string[][] = subs.map(() => []);
    const stop = new AbortController();
    const done = () => [0, 2].every((g) => new Set([...got[g]!, ...got[g + 1]!]).size >= expected.length);
    const timer = setInterval(() => done() && stop.abort(), 50);
    try {
      await boundedBy(30_000, stop, Promise.all(subs.map((s, i) => drain((signal) => s.next({ signal }), stop.signal, got[i]!, async () => {}))));
    } finally {
      clearInterval(timer);
    }
    for (const [name, g] of [['audit', 0], ['mail', 2]] as const) {
      const all = new Set([...got[g]!, ...got[g + 1]!]);
      assert.is(all.size, expected.length, `group ${name} got every message (${all.size} of ${expected.length})`);
      assert.ok(got[g]!.length > 0 && got[g + 1]!.length > 0, `both members of ${name} got some (${got[g]!.length} / ${got[g + 1]!.length})`);
    }
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await cleanupTopics(topic);
  }
});

test.run();
