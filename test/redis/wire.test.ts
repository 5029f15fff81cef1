// The stream layout as other clients see it: what redis-cli and a plain ioredis client write is
// received, what RedisChannel writes they can read back, field by field — the payload in `data`
// (binary), the envelope and headers as further fields (src/base/wire-headers.ts) — and the
// dead-letter stream, the receivers' handling of published entries and the inbox stream, each
// checked on the server itself.
import * as assert from 'uvu/assert';
import { RedisChannel } from '../../src/backends/redis/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';
import { WIRE_HEADERS } from '../../src/base/wire-headers.js';
import { serviceSuite, uniqueName, within } from '../support/services.js';
import { decode, deleteChannelKeys, encode, plainClient, redisCli, url } from './helpers.js';

const test = await serviceSuite('redis: the stream layout', 'redis');
const admin = plainClient();
const names: string[] = [];
const channelName = (prefix: string) => {
  const n = uniqueName(prefix);
  names.push(n);
  return n;
};

test.after(async () => {
  await deleteChannelKeys(admin, ...names);
  admin.disconnect();
});

test('an entry written by redis-cli with only a data field is received; id and time come from the entry id', async () => {
  const name = channelName('cli-bare');
  const ch = await RedisChannel.connect(url, name);
  try {
    const entryId = (await redisCli('XADD', name, '*', 'data', 'from redis-cli')).trim();
    assert.match(entryId, /^\d+-\d+$/);
    const d = await within(5000, 'receiving the redis-cli entry', ch.receiveDelivery({ timeoutMs: 5000 }));
    assert.is(decode(d.data), 'from redis-cli');
    assert.is(d.id, entryId, 'without ps-id the id is the stream entry id');
    assert.is(d.timestamp, Number(entryId.split('-')[0]), 'without ps-timestamp the time is the entry id');
    assert.equal({ ...d.headers }, {});
    assert.is(d.deliveryCount, 1);
    await d.ack();
  } finally {
    await ch.close();
  }
});

test('an entry written by redis-cli in the documented layout arrives with every envelope field and header', async () => {
  const name = channelName('cli-full');
  const ch = await RedisChannel.connect(url, name);
  try {
    await redisCli(
      'XADD', name, '*',
      'data', '{"n":1}',
      'content-type', 'application/json',
      WIRE_HEADERS.id, 'order-1',
      WIRE_HEADERS.timestamp, '1700000000123.5',
      WIRE_HEADERS.key, 'customer-7',
      WIRE_HEADERS.correlationId, 'corr-1',
      WIRE_HEADERS.replyTo, 'replies',
    );
    const d = await within(5000, 'receiving the redis-cli entry', ch.receiveDelivery({ timeoutMs: 5000 }));
    assert.is(decode(d.data), '{"n":1}');
    assert.is(d.id, 'order-1');
    assert.is(d.timestamp, 1700000000123.5);
    assert.is(d.key, 'customer-7');
    assert.is(d.correlationId, 'corr-1');
    assert.is(d.replyTo, 'replies');
    assert.equal({ ...d.headers }, { 'content-type': 'application/json' });
    await d.ack();
  } finally {
    await ch.close();
  }
});

test('a message RedisChannel sends reads back with redis-cli XRANGE: data first, then the headers, then the envelope fields', async () => {
  const name = channelName('to-cli');
  const ch = await RedisChannel.connect(url, name);
  try {
    const id = await ch.send(encode('hello cli'), { headers: { 'x-trace': 't-1' }, key: 'k1', correlationId: 'c1', replyTo: 'r1' });
    const lines = (await redisCli('XRANGE', name, '-', '+')).trim().split('\n');
    assert.match(lines[0]!, /^\d+-\d+$/, 'the entry id');
    const fields = lines.slice(1);
    const pairs = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) pairs.set(fields[i]!, fields[i + 1]!);
    assert.is(fields[0], 'data', 'the payload is the first field');
    assert.is(fields[1], 'hello cli');
    assert.is(fields[2], 'x-trace', 'user headers follow the payload');
    assert.is(pairs.get('x-trace'), 't-1');
    assert.is(pairs.get(WIRE_HEADERS.id), id);
    assert.ok(Math.abs(Number(pairs.get(WIRE_HEADERS.timestamp)) - Date.now()) < 60_000, 'ps-timestamp is the send time in epoch ms');
    assert.is(pairs.get(WIRE_HEADERS.key), 'k1');
    assert.is(pairs.get(WIRE_HEADERS.correlationId), 'c1');
    assert.is(pairs.get(WIRE_HEADERS.replyTo), 'r1');
    assert.not.ok(pairs.has(WIRE_HEADERS.deliveryCount), 'a first delivery carries no count field');
    assert.not.ok(pairs.has(WIRE_HEADERS.route), 'a send carries no route field');
  } finally {
    await ch.close();
  }
});

test('payloads are stored as binary: every byte value reads back unchanged with a plain ioredis client, and its binary entry is received', async () => {
  const name = channelName('binary');
  const ch = await RedisChannel.connect(url, name);
  try {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await ch.send(bytes);
    const fields = ((await admin.xrangeBuffer(name, '-', '+')) as [Buffer, Buffer[]][])[0]![1];
    assert.is(fields[0]!.toString(), 'data');
    assert.ok(Buffer.from(bytes).equals(fields[1]!), 'the stored payload is the bytes sent');
    await admin.xaddBuffer(Buffer.from(name), '*', Buffer.from('data'), Buffer.from([255, 0, 128, 10]));
    const got = [await ch.receive({ timeoutMs: 5000 }), await ch.receive({ timeoutMs: 5000 })];
    assert.ok(Buffer.from(got[0]!).equals(Buffer.from(bytes)));
    assert.equal([...got[1]!], [255, 0, 128, 10]);
  } finally {
    await ch.close();
  }
});

test('the dead-letter stream, read with a plain ioredis client: the payload, headers and the x-dead-letter-* fields; the original is acked', async () => {
  const name = channelName('dl-source');
  const dlq = channelName('dl-target');
  const ch = await RedisChannel.connect(url, name, { maxRetries: 1, deadLetter: dlq });
  try {
    const id = await ch.send(encode('poison'), { headers: { 'x-order': '9' }, key: 'k9' });
    await (await ch.receiveDelivery({ timeoutMs: 5000 })).nack();
    const second = await ch.receiveDelivery({ timeoutMs: 5000 });
    assert.is(second.deliveryCount, 2);
    await second.nack({ error: new TypeError('bad input') });

    const entries = (await admin.xrange(dlq, '-', '+')) as [string, string[]][];
    assert.is(entries.length, 1, 'one copy in the dead-letter stream');
    const fields = entries[0]![1];
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    assert.is(fields[0], 'data');
    assert.is(f.get('data'), 'poison');
    assert.is(f.get('x-order'), '9');
    assert.is(f.get(WIRE_HEADERS.key), 'k9');
    assert.is(f.get(DEAD_LETTER_HEADERS.originalId), id);
    assert.is(f.get(DEAD_LETTER_HEADERS.originalChannel), name);
    assert.is(f.get(DEAD_LETTER_HEADERS.deliveryCount), '2');
    assert.is(f.get(DEAD_LETTER_HEADERS.errorName), 'TypeError');
    assert.is(f.get(DEAD_LETTER_HEADERS.errorMessage), 'bad input');
    assert.ok((f.get(DEAD_LETTER_HEADERS.reason) ?? '').length > 0);
    assert.not.ok(f.has(DEAD_LETTER_HEADERS.group), 'consumed from the receivers\' queue: no group field');
    assert.is.not(f.get(WIRE_HEADERS.id), id, 'the copy has an id of its own');

    const [pendingCount] = (await admin.xpending(name, 'ps-receivers')) as [number];
    assert.is(pendingCount, 0, 'the original is acked in the receivers\' group');
    const [retryPending] = (await admin.xpending(`${name}:ps-retry:ps-receivers`, 'ps-receivers')) as [number];
    assert.is(retryPending, 0, 'and its retry copy too');
    assert.is(await admin.xlen(`${name}:ps-retry:ps-receivers`), 0, 'a settled retry copy is deleted');
  } finally {
    await ch.close();
  }
});

test('a published entry carries ps-route publish; the receivers\' group settles it without handing it out', async () => {
  const name = channelName('route');
  const ch = await RedisChannel.connect(url, name);
  try {
    const sub = await ch.subscribe({ group: 'audit' });
    assert.is(await ch.publish(encode('to the groups')), 1, 'one subscription group reached (XINFO GROUPS, ps-receivers not counted)');
    const entries = (await admin.xrange(name, '-', '+')) as [string, string[]][];
    const fields = entries[0]![1];
    assert.is(fields[fields.indexOf(WIRE_HEADERS.route) + 1], 'publish');
    assert.is(decode((await sub.next({ timeoutMs: 5000 })).data), 'to the groups');
    let received: unknown;
    try {
      received = await ch.receive({ timeoutMs: 200 });
    } catch (err) {
      received = (err as { code?: string }).code;
    }
    assert.is(received, 'Timeout', 'the receivers got nothing');
    const groups = (await admin.xinfo('GROUPS', name)) as unknown[][];
    const receivers = groups.map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]]))).find((g) => g.name === 'ps-receivers')!;
    assert.is(receivers.pending, 0, 'the published entry was read by the receivers\' group and acked');
    assert.is(receivers['last-delivered-id'], entries[0]![0], 'the receivers\' group moved past it');
    await sub.unsubscribe();
  } finally {
    await ch.close();
  }
});

test('request/reply: the handle\'s inbox stream exists while it has requests and is deleted on close', async () => {
  const name = channelName('rpc');
  const requester = await RedisChannel.connect(url, name);
  const responder = await RedisChannel.connect(url, name);
  let inbox = '';
  try {
    const pending = requester.request(encode('ping'), { timeoutMs: 5000 });
    const req = await responder.receiveDelivery({ timeoutMs: 5000 });
    inbox = req.replyTo!.split('#')[0]!;
    assert.match(inbox, /^ps-inbox-/);
    assert.is(await admin.exists(inbox), 1, 'the inbox stream exists');
    assert.ok((await admin.pttl(inbox)) > 0, 'and expires by itself should the process die');
    await responder.reply(req, encode('pong'));
    await req.ack();
    assert.is(decode((await pending).data), 'pong');
    const again = requester.request(encode('ping 2'), { timeoutMs: 5000 });
    const req2 = await responder.receiveDelivery({ timeoutMs: 5000 });
    assert.is(req2.replyTo!.split('#')[0], inbox, 'one inbox stream per handle, shared by its requests');
    await responder.reply(req2, encode('pong 2'));
    await req2.ack();
    assert.is(decode((await again).data), 'pong 2');
  } finally {
    await requester.close();
    await responder.close();
  }
  assert.is(await admin.exists(inbox), 0, 'the inbox stream is gone after close');
});

test('stats().pending is the receivers\' waiting count the server last reported to this handle (sends counted, publishes not)', async () => {
  const name = channelName('pending');
  const a = await RedisChannel.connect(url, name);
  const b = await RedisChannel.connect(url, name);
  try {
    assert.is(a.stats().pending, 0);
    for (let i = 0; i < 3; i++) await a.send(encode(`p${i}`));
    await a.publish(encode('not counted'));
    assert.is(a.stats().pending, 3);
    assert.is(b.stats().pending, 0, "b has not talked to the server since it connected: it still reports what it saw then");
    await b.receive({ timeoutMs: 5000 });
    assert.is(b.stats().pending, 2, 'b learns the count from its read');
    assert.is(a.stats().pending, 3, 'a only learns it on its next send or read');
    await a.send(encode('p3'));
    assert.is(a.stats().pending, 3);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a send taken by a receiver blocked in XREADGROUP is counted off the waiting counter by its ack (capacity stays exact)', async () => {
  const name = channelName('blocked-count');
  const sender = await RedisChannel.connect(url, name, { capacity: 1, backpressure: 'error' });
  const receiver = await RedisChannel.connect(url, name);
  try {
    const waiting = receiver.receiveDelivery({ timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 150)); // the receiver is blocked on the server now
    await sender.send(encode('one'));
    const d = await waiting;
    assert.is(decode(d.data), 'one');
    assert.is(receiver.stats().pending, 0, 'the receiving handle counts what it took');
    await d.ack();
    assert.is(await admin.get(`${name}:ps-waiting`), '0', 'the ack lowered the counter on the server');
    await sender.send(encode('two')); // ChannelFull if the counter still said 1
    assert.is(decode(await receiver.receive({ timeoutMs: 5000 })), 'two');
  } finally {
    await sender.close();
    await receiver.close();
  }
});

test('inspect(): the stream length, and each group with its members, lag, unacked entries and waiting retries', async () => {
  const name = channelName('inspect');
  const ch = await RedisChannel.connect(url, name);
  try {
    const sub = await ch.subscribe({ group: 'audit' });
    for (let i = 0; i < 3; i++) await ch.send(encode(`s${i}`));
    await ch.publish(encode('p'));
    const d = await sub.next({ timeoutMs: 5000 });
    await d.nack({ delayMs: 60_000 });
    const info = await ch.inspect();
    assert.is(info.name, name);
    assert.is(info.status, 'connected');
    assert.is(info.messages, 4, 'XLEN of the stream');
    const receivers = info.groups.find((g) => g.kind === 'receivers')!;
    assert.equal({ ...receivers }, { name: 'ps-receivers', kind: 'receivers', pending: 3, members: 0 }, 'three sends wait for the receivers (the publish does not)');
    const audit = info.groups.find((g) => g.name === 'audit')!;
    assert.is(audit.kind, 'group');
    assert.is(audit.members, 1);
    assert.is(audit.pending, 3, 'its lag: 4 entries, 1 delivered');
    const detail = (info.backend.groups as Record<string, { retriesDelayed: number; unacked: number }>).audit!;
    assert.is(detail.retriesDelayed, 1, 'the nacked one waits in the delay set');
    assert.is(detail.unacked, 0);
    assert.not.ok(JSON.stringify(info).includes('password'));
  } finally {
    await ch.close();
  }
});

test.run();
