// What comes back, and how: a consumer killed in another process leaves its entries pending and
// the claim loop hands them to a live consumer with the delivery count from XPENDING (and handles
// in worker threads share a channel like any others); a consumer
// that comes back under its own name reads its own pending entries first; entries deleted while
// pending (XAUTOCLAIM's third reply on Redis 7) are dropped, not delivered; a reader whose
// connection is killed mid-wait, or whose stream is deleted underneath it, carries on.
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { RedisChannel } from '../../src/backends/redis/index.js';
import { isChannelError } from '../../src/errors.js';
import { serviceSuite, uniqueName, within } from '../support/services.js';
import { decode, deleteChannelKeys, encode, plainClient, sleep, url } from './helpers.js';

const test = await serviceSuite('redis: recovery', 'redis');
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

const childScript = fileURLToPath(new URL('./child-consumer.ts', import.meta.url));
const threadBoot = new URL('../support/tsx-worker.mjs', import.meta.url);
const threadScript = new URL('./thread-producer.ts', import.meta.url).href;

test('a consumer killed with SIGKILL in another process: the claim loop gives its entries to a live consumer, same ids, deliveryCount 2', async () => {
  const name = channelName('killed-child');
  const producer = await RedisChannel.connect(url, name);
  const live = await RedisChannel.connect(url, name, { ackTimeoutMs: 400 });
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, url, name, 'doomed-child', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await producer.send(encode(`job-${i}`)));
    const line = await within(15_000, 'the child taking three deliveries', new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before taking its deliveries`)));
    }));
    const holding = (JSON.parse(line) as { holding: string[] }).holding;
    assert.equal([...holding].sort(), [...sent].sort(), 'the child holds the three messages');
    const pending = (await admin.xpending(name, 'ps-receivers', '-', '+', 10, 'doomed-child')) as unknown[][];
    assert.is(pending.length, 3, 'they are pending for the child consumer');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const got = [];
    for (let i = 0; i < 3; i++) got.push(await live.receiveDelivery({ timeoutMs: 10_000 }));
    assert.equal(got.map((d) => d.id).sort(), [...sent].sort(), 'the live consumer got the same messages (same ids)');
    for (const d of got) {
      assert.is(d.deliveryCount, 2, `${decode(d.data)}: its second delivery`);
      await d.ack();
    }
    const after = (await admin.xpending(name, 'ps-receivers')) as [number];
    assert.is(after[0], 0, 'nothing is left pending');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await producer.close();
    await live.close();
  }
});

test('worker threads: a producer handle in each of two worker threads, a consumer in the main thread — one channel, every message', async () => {
  const name = channelName('threads');
  const consumer = await RedisChannel.connect(url, name);
  const workers = [0, 1].map((thread) => new Worker(threadBoot, { workerData: { script: threadScript, url, name, count: 50, thread } }));
  try {
    await within(20_000, 'both worker threads sending', Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }))));
    const got = new Set<string>();
    while (got.size < 100) got.add(decode(await consumer.receive({ timeoutMs: 5000 }).catch((err: unknown) => { throw new Error(`got ${got.size} of 100: ${String(err)}`); })));
    assert.is(got.size, 100);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await consumer.close();
  }
});

test('a consumer that comes back under its own name reads its own pending entries first (0), then new ones (>)', async () => {
  const name = channelName('own-pending');
  const producer = await RedisChannel.connect(url, name);
  try {
    await producer.send(encode('taken before the crash'));
    // A crashed process: it read the entry as consumer w1 and never acked it.
    const taken = (await admin.xreadgroup('GROUP', 'ps-receivers', 'w1', 'COUNT', 1, 'STREAMS', name, '>')) as unknown[];
    assert.ok(taken, 'the plain client took it as w1');
    await producer.send(encode('sent after the crash'));
    const back = await RedisChannel.connect(url, name, { consumer: 'w1', ackTimeoutMs: 60_000 });
    try {
      const first = await back.receiveDelivery({ timeoutMs: 5000 });
      assert.is(decode(first.data), 'taken before the crash', 'its own pending entry comes first, long before any claim');
      assert.is(first.deliveryCount, 2);
      const second = await back.receiveDelivery({ timeoutMs: 5000 });
      assert.is(decode(second.data), 'sent after the crash');
      assert.is(second.deliveryCount, 1);
      await first.ack();
      await second.ack();
    } finally {
      await back.close();
    }
  } finally {
    await producer.close();
  }
});

test('entries deleted while pending are dropped from the pending list by the claim (XAUTOCLAIM deleted ids), never delivered', async () => {
  const name = channelName('deleted-pending');
  const producer = await RedisChannel.connect(url, name);
  const live = await RedisChannel.connect(url, name, { ackTimeoutMs: 200 });
  try {
    await producer.send(encode('kept'));
    await producer.send(encode('deleted'));
    const read = (await admin.xreadgroup('GROUP', 'ps-receivers', 'ghost', 'COUNT', 2, 'STREAMS', name, '>')) as [string, [string, string[]][]][];
    const [keptId, deletedId] = read[0]![1].map(([id]) => id);
    await admin.xdel(name, deletedId!);
    const d = await live.receiveDelivery({ timeoutMs: 5000 });
    assert.is(decode(d.data), 'kept');
    assert.is(d.deliveryCount, 2);
    await d.ack();
    await sleep(400);
    let extra: unknown;
    try {
      extra = decode(await live.receive({ timeoutMs: 600 }));
    } catch (err) {
      extra = (err as { code?: string }).code;
    }
    assert.is(extra, 'Timeout', 'the deleted entry is not delivered');
    const pending = (await admin.xpending(name, 'ps-receivers')) as [number];
    assert.is(pending[0], 0, `nothing is left pending (kept ${keptId} acked, deleted ${deletedId} dropped)`);
  } finally {
    await producer.close();
    await live.close();
  }
});

/** Kills the connections whose CLIENT LIST name starts with `prefix`; returns how many. */
async function killConnections(prefix: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  let killed = 0;
  for (const line of list.split('\n')) {
    const id = /\bid=(\d+)/.exec(line)?.[1];
    const nm = /\bname=(\S*)/.exec(line)?.[1] ?? '';
    if (id && nm.startsWith(prefix)) {
      await admin.client('KILL', 'ID', id);
      killed++;
    }
  }
  return killed;
}

test('a receive blocked while its reader connection is killed keeps waiting and gets what is sent next (no hung command)', async () => {
  const name = channelName('killed-conn');
  const ch = await RedisChannel.connect(url, name);
  const producer = await RedisChannel.connect(url, name);
  try {
    const waiting = ch.receive({ timeoutMs: 15_000 });
    await sleep(150);
    for (let round = 0; round < 3; round++) {
      assert.ok((await killConnections(`plexspaces-channel:reader:ps-receivers:${name}`)) >= 1, 'the blocked reader connection was found and killed');
      await sleep(150);
    }
    await producer.send(encode('after the kills'));
    assert.is(decode(await within(10_000, 'the receive after its connection was killed three times', waiting)), 'after the kills');
  } finally {
    await ch.close();
    await producer.close();
  }
});

test('after a reconnect, a consumer reads its own pending entries back without counting them again (a delivery it holds stays one delivery)', async () => {
  const name = channelName('reconnect-count');
  const ch = await RedisChannel.connect(url, name, { ackTimeoutMs: 60_000 });
  const producer = await RedisChannel.connect(url, name);
  try {
    await producer.send(encode('held through the reconnect'));
    const held = await ch.receiveDelivery({ timeoutMs: 5000 });
    const waiting = ch.receiveDelivery({ timeoutMs: 10_000 });
    await sleep(150);
    assert.ok((await killConnections(`plexspaces-channel:reader:ps-receivers:${name}`)) >= 1);
    await sleep(300); // reconnected; its next read is of its own pending list first
    await producer.send(encode('after'));
    const next = await within(10_000, 'the receive after the reconnect', waiting);
    assert.is(decode(next.data), 'after', 'the held one is not handed out again');
    const pending = (await admin.xpending(name, 'ps-receivers', '-', '+', 10)) as [string, string, number, number][];
    assert.equal(pending.map(([, , , count]) => count), [1, 1], 'neither entry counted twice');
    await held.ack();
    await next.ack();
  } finally {
    await ch.close();
    await producer.close();
  }
});

test('a stream deleted underneath a receiving channel: its group is made again and what is sent next arrives', async () => {
  const name = channelName('deleted-stream');
  const ch = await RedisChannel.connect(url, name);
  try {
    await ch.send(encode('before'));
    assert.is(decode(await ch.receive({ timeoutMs: 5000 })), 'before');
    const waiting = ch.receive({ timeoutMs: 10_000 });
    await sleep(100);
    await deleteChannelKeys(admin, name);
    await sleep(100);
    await ch.send(encode('after the delete'));
    assert.is(decode(await within(10_000, 'a receive across the delete', waiting)), 'after the delete');
  } finally {
    await ch.close();
  }
});

test('maxLength trims the stream (MAXLEN ~); a receiver that falls behind the trim loses what was trimmed, and is told nothing false', async () => {
  const name = channelName('maxlen');
  const ch = await RedisChannel.connect(url, name, { maxLength: 100 });
  try {
    await ch.sendBatch(Array.from({ length: 1000 }, (_, i) => encode(`m${i}`)));
    const len = await admin.xlen(name);
    assert.ok(len >= 100 && len < 400, `XLEN ${len}: about 100 (approximate trimming keeps whole nodes)`);
    const first = decode(await ch.receive({ timeoutMs: 5000 }));
    assert.ok(Number(first.slice(1)) >= 1000 - len, `the first message left is ${first}`);
  } finally {
    await ch.close();
  }
});

test('capacity counts only what waits for the receivers: a channel of capacity 2 in error mode takes publishes without limit', async () => {
  const name = channelName('capacity');
  const ch = await RedisChannel.connect(url, name, { capacity: 2, backpressure: 'error' });
  try {
    const sub = await ch.subscribe();
    for (let i = 0; i < 10; i++) await ch.publish(encode(`pub${i}`));
    await ch.send(encode('s1'));
    await ch.send(encode('s2'));
    const err = await ch.send(encode('s3')).then(() => undefined, (e: unknown) => e);
    assert.ok(isChannelError(err, 'ChannelFull'), `the third send is refused (got ${String(err)})`);
    assert.is(await admin.get(`${name}:ps-waiting`), '2', 'the waiting counter is the receivers\' queue');
    assert.is(decode(await ch.receive({ timeoutMs: 5000 })), 's1', 'publishes on the way are settled unread');
    await ch.send(encode('s3'));
    for (let i = 0; i < 12; i++) await (await sub.next({ timeoutMs: 5000 })).ack();
  } finally {
    await ch.close();
  }
});

test.run();
