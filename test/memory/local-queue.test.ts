// A channel that has not left its thread keeps its queue in a plain array (channel-queue.ts);
// describe() moves what is queued, in order, into the shared ring. These cases cover the switch:
// nothing queued before it is lost or reordered, a receiver waiting across it still gets served,
// and the local byte bound never holds more than the ring can take.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel, type InMemoryChannelDescriptor } from '../../src/backends/memory/index.js';
import { codeOf, readU32, startChannelWorker, terminateChannelWorkers, u32, within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel thread-local queue and the switch to the shared ring');
/** Starts a channel worker and resolves with its first report. */
const start = (task: string, descriptor: InMemoryChannelDescriptor, extra: Record<string, unknown> = {}) =>
  startChannelWorker(task, descriptor, extra).next<Record<string, unknown>>('reports', 20_000);
const isLocal = (c: InMemoryChannel) => sharedChannelOf(c).queue.isLocal;

test.after.each(terminateChannelWorkers);

test('messages queued before describe() reach a worker in order, a nacked one included; close before it still drains', async () => {
  const channel = new InMemoryChannel();
  assert.ok(isLocal(channel), 'a fresh channel starts thread-local');
  for (let i = 0; i < 500; i++) await channel.send(u32(i), i % 7 === 0 ? { headers: { n: String(i) } } : undefined);
  // Take the first one and nack it: it goes back into the (local) queue, behind the rest.
  const first = await channel.receiveDelivery();
  assert.is(readU32(first.data), 0);
  await first.nack();
  await channel.close(); // closed while local: receivers must still drain everything, then ChannelClosed
  const report = start('consume', channel.describe());
  assert.not.ok(isLocal(channel), 'describe() moved the queue into the shared ring');
  const { seen, ended } = (await report) as { seen: number[]; ended: string };
  assert.equal(seen, [...Array.from({ length: 499 }, (_, i) => i + 1), 0], 'in send order, the nacked one after the rest');
  assert.is(ended, 'ChannelClosed');
});

test('a receive() waiting on the local queue when describe() is called gets what a worker sends', async () => {
  const channel = new InMemoryChannel();
  try {
    const waiting = channel.receive({ timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 20)); // parked on the local queue
    const done = start('produce', channel.describe(), { count: 3, base: 7000 });
    assert.is(readU32(await within(15_000, 'the waiting receive', waiting)), 7000);
    await done;
    assert.is(readU32(await channel.receive({ timeoutMs: 5000 })), 7001);
    assert.is(readU32(await channel.receive({ timeoutMs: 5000 })), 7002);
  } finally {
    await channel.close();
  }
});

test('a local queue holds no more bytes than the ring takes: filled to the brim, everything moves', async () => {
  const channel = new InMemoryChannel({ capacityBytes: 4096, backpressure: 'error', leaseBytes: 65536 });
  try {
    const sent: Uint8Array[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (;;) {
      const data = new Uint8Array(1 + Math.floor(random() * 300)).map((_, i) => (i * 31 + sent.length) & 0xff);
      const code = await codeOf(channel.send(data));
      if (code === 'ChannelFull') break;
      assert.is(code, undefined);
      sent.push(data);
    }
    assert.ok(sent.length > 5, `some messages fit (${sent.length})`);
    assert.is(channel.stats().pending, sent.length);
    channel.describe(); // would throw if the ring refused any of them
    for (const data of sent) assert.equal(await channel.receive({ timeoutMs: 1000 }), data);
    assert.is(await channel.tryReceive(), undefined);
  } finally {
    await channel.close();
  }
});

test('describe() takes the dead-letter channel out of thread-local mode too; other handles in the thread share the queue', async () => {
  const dead = new InMemoryChannel({ name: 'local-queue-dead' });
  const channel = new InMemoryChannel({ name: 'local-queue-source', deadLetter: 'local-queue-dead', maxRetries: 0 });
  const twin = new InMemoryChannel({ name: 'local-queue-source' });
  try {
    await channel.send(u32(1));
    assert.is(readU32(await twin.receive({ timeoutMs: 1000 })), 1, 'a second handle in the thread sees the local queue');
    await channel.send(u32(2));
    await (await channel.receiveDelivery({ timeoutMs: 1000 })).nack(); // maxRetries 0: dead-lettered
    assert.ok(isLocal(dead) && isLocal(channel));
    const descriptor = channel.describe();
    assert.not.ok(isLocal(channel) || isLocal(dead) || isLocal(twin));
    assert.ok(descriptor.deadLetter, 'the dead-letter channel travels inside');
    assert.is(readU32(await dead.receive({ timeoutMs: 1000 })), 2, 'what was dead-lettered before the switch is still there');
  } finally {
    await channel.close();
    await dead.close();
  }
});

test('waits on a local queue keep their rules: timeout, abort, and close wake a receiver', async () => {
  const channel = new InMemoryChannel();
  assert.is(await codeOf(channel.receive({ timeoutMs: 30 })), 'Timeout');
  const abort = new AbortController();
  const aborted = codeOf(channel.receive({ signal: abort.signal }));
  setTimeout(() => abort.abort(), 10);
  assert.is(await within(5000, 'aborted receive', aborted), 'Aborted');
  const closing = codeOf(channel.receive());
  setTimeout(() => void channel.close(), 10);
  assert.is(await within(5000, 'receive woken by close', closing), 'ChannelClosed');
  assert.ok(isLocal(channel));
});

test('a message kept in object form is the sender\'s no more: payload and headers copied at send; nack encodes it for redelivery', async () => {
  const channel = new InMemoryChannel({ delivery: 'at-most-once' });
  try {
    const payload = new Uint8Array([1, 2, 3]);
    const headers: Record<string, string> = { kind: 'a' };
    await channel.send(payload, { headers, key: 'k', correlationId: 'c1', replyTo: 'r' });
    payload.fill(9);
    headers.kind = 'changed';
    headers.extra = 'x';
    const [first] = await channel.receiveBatch(4, { timeoutMs: 0 });
    assert.equal([...first!.data], [1, 2, 3]);
    assert.equal({ ...first!.headers }, { kind: 'a' });
    assert.is(first!.key, 'k');
    assert.is(first!.correlationId, 'c1');
    assert.is(first!.replyTo, 'r');
    assert.is(first!.deliveryCount, 1);
    await first!.nack(); // at-most-once may still put it back on request
    const again = await channel.receiveDelivery({ timeoutMs: 1000 });
    assert.is(again.id, first!.id);
    assert.is(again.deliveryCount, 2);
    assert.equal([...again.data], [1, 2, 3]);
    assert.equal({ ...again.headers }, { kind: 'a' });
    assert.is(again.timestamp, first!.timestamp);
  } finally {
    await channel.close();
  }
});

test('a channel made in a worker: sync calls on its local queue, then described to the main thread with what it holds', async () => {
  const carrier = new InMemoryChannel(); // the worker script attaches to something; this task ignores it
  try {
    const report = (await start('create-local', carrier.describe(), { count: 50, base: 900 })) as {
      emptyWait: string;
      first: number;
      descriptor: InMemoryChannelDescriptor;
    };
    assert.is(report.emptyWait, 'Timeout', 'receiveSync on an empty local queue waits, then times out');
    assert.is(report.first, 900);
    const attached = InMemoryChannel.attach(report.descriptor);
    for (let i = 1; i < 50; i++) assert.is(readU32(await attached.receive({ timeoutMs: 2000 })), 900 + i);
    assert.is(await attached.tryReceive(), undefined);
    await attached.close();
  } finally {
    await carrier.close();
  }
});

test('a local backlog that never empties stays in order across the queue compacting itself', async () => {
  const channel = new InMemoryChannel({ capacityBytes: 1 << 22 });
  try {
    let next = 0;
    let expected = 0;
    for (let i = 0; i < 300; i++) await channel.send(u32(next++)); // a standing backlog
    for (let round = 0; round < 20_000; round++) {
      await channel.send(u32(next++));
      assert.is(readU32(await channel.receive()), expected++);
    }
    while (expected < next) assert.is(readU32(await channel.receive()), expected++);
    assert.is(await channel.tryReceive(), undefined);
    assert.is(channel.stats().pending, 0);
  } finally {
    await channel.close();
  }
});

test.run();
