// Interop with a Kafka client nobody here wrote (kcat, librdkafka): what KafkaChannel sends,
// kcat reads with its key and headers in the shared wire layout (src/base/wire-headers.ts); what
// kcat produces, KafkaChannel receives — under the broker's id and time, with its record key and
// headers. About 5 s.
import * as assert from 'uvu/assert';
import { WIRE_HEADERS } from '../../src/base/wire-headers.js';
import { serviceSuite } from '../support/services.js';
import { cleanupTopics, decode, encode, kcat, open, topicName } from './helpers.js';

const test = await serviceSuite('kafka: interop with kcat', 'kafka');

interface KcatRecord {
  partition: number;
  offset: number;
  key: string | null;
  payload: string;
  headers?: string[];
}

test('messages sent by KafkaChannel are read by kcat with their key, headers and envelope', async () => {
  const topic = topicName('kcat-read');
  const ch = await open(topic);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await ch.send(encode(`hello ${i}`), { key: `k${i}`, headers: { 'x-seq': String(i) }, correlationId: `c${i}` }));
    await ch.publish(encode('broadcast'));
    const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
    const records = out.trim().split('\n').map((l) => JSON.parse(l) as KcatRecord);
    assert.is(records.length, 4, 'kcat sees every message, each once');
    for (let i = 0; i < 3; i++) {
      const r = records[i]!;
      const h = new Map<string, string>();
      for (let j = 0; j + 1 < (r.headers ?? []).length; j += 2) h.set(r.headers![j]!, r.headers![j + 1]!);
      assert.is(r.payload, `hello ${i}`);
      assert.is(r.key, `k${i}`, 'the message key is the record key');
      assert.is(h.get('x-seq'), String(i), 'user headers are record headers');
      assert.is(h.get(WIRE_HEADERS.id), ids[i], 'the id travels in ps-id');
      assert.is(h.get(WIRE_HEADERS.correlationId), `c${i}`);
      assert.ok(Number(h.get(WIRE_HEADERS.timestamp)) > 0, 'ps-timestamp is epoch ms');
      assert.is(h.get(WIRE_HEADERS.route), undefined, 'a send carries no route header');
    }
    const published = records[3]!;
    assert.ok(published.headers?.includes(WIRE_HEADERS.route) && published.headers.includes('publish'), 'a published message carries ps-route: publish');
  } finally {
    await ch.close();
    await cleanupTopics(topic);
  }
});

test('messages produced by kcat are received by KafkaChannel with their key and headers, under the broker id', async () => {
  const topic = topicName('kcat-write');
  const ch = await open(topic);
  try {
    // -K: splits key and value on ':'; -H adds a header to every message.
    await kcat(['-P', '-t', topic, '-K:', '-H', 'origin=kcat', '-H', 'x-kind=interop'], 'ka:first\nkb:second\n');
    const got = [];
    for (let i = 0; i < 2; i++) {
      const d = await ch.receiveDelivery({ timeoutMs: 15_000 });
      got.push(d);
      await d.ack();
    }
    assert.equal(got.map((d) => decode(d.data)), ['first', 'second']);
    assert.equal(got.map((d) => d.key), ['ka', 'kb'], "another client's record key is the message key");
    assert.is(got[0]!.headers.origin, 'kcat');
    assert.is(got[0]!.headers['x-kind'], 'interop');
    assert.is(got[0]!.id, `${topic}-0-0`, 'a record without ps-id is known by topic-partition-offset');
    assert.is(got[1]!.id, `${topic}-0-1`);
    assert.is(got[0]!.deliveryCount, 1);
    assert.ok(Math.abs(got[0]!.timestamp - Date.now()) < 60_000, 'the broker timestamp stands in for ps-timestamp');
    // A kcat record nacked comes back as a copy under the same id.
    await ch.send(encode('ours'));
    await kcat(['-P', '-t', topic], 'third\n');
    const ours = await ch.receiveDelivery({ timeoutMs: 15_000 });
    await ours.ack();
    const third = await ch.receiveDelivery({ timeoutMs: 15_000 });
    assert.is(decode(third.data), 'third');
    await third.nack();
    const again = await ch.receiveDelivery({ timeoutMs: 15_000 });
    assert.is(again.id, third.id, 'the redelivered copy keeps the broker id it was first known by');
    assert.is(again.deliveryCount, 2);
    await again.ack();
  } finally {
    await ch.close();
    await cleanupTopics(topic);
  }
});

test.run();
