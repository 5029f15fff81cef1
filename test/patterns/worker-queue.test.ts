// Worker queue: competing consumers share the messages (each handled once), each keeps to its
// max in flight, a handler that throws sends its message back through the channel's retries to
// the dead-letter channel, and stop() finishes what is in hand.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/index.js';
import { WorkerQueue } from '../../src/patterns/index.js';
import { gate, readU16, sleep, u16, until } from './helpers.js';

const test = suite('WorkerQueue');

test('two competing consumers handle every message once between them, each within its concurrency', async () => {
  const jobs = new InMemoryChannel({ name: 'wq-jobs' });
  const handledBy = new Uint8Array(600);
  const most = [0, 0];
  const current = [0, 0];
  const consumer = (who: number) =>
    new WorkerQueue(
      jobs,
      async (d) => {
        current[who]!++;
        most[who] = Math.max(most[who]!, current[who]!);
        await sleep(1);
        handledBy[readU16(d.data)]! += 1;
        current[who]!--;
      },
      { concurrency: 3 },
    );
  const a = consumer(0);
  const b = consumer(1);
  for (let i = 0; i < 600; i++) await jobs.send(u16(i));
  await until('all 600 handled', () => a.stats().handled + b.stats().handled === 600);
  await Promise.all([a.stop(), b.stop()]);
  assert.ok(handledBy.every((n) => n === 1), 'each message handled exactly once');
  assert.ok(a.stats().handled > 0 && b.stats().handled > 0, `both consumers worked (${a.stats().handled} / ${b.stats().handled})`);
  assert.ok(most[0]! <= 3 && most[1]! <= 3, `max in flight 3 each, saw ${most}`);
  assert.is(most[0], 3, 'concurrency is used, not just allowed');
  await until('acks', () => jobs.stats().acked === 600);
  await jobs.close();
});

test("a handler that throws nacks: the channel's retries, then its dead-letter channel with the error", async () => {
  const jobs = new InMemoryChannel({ name: 'wq-retry', maxRetries: 2, deadLetter: 'wq-retry-dlq' });
  const dlq = new InMemoryChannel({ name: 'wq-retry-dlq' });
  let attempts = 0;
  const queue = new WorkerQueue(jobs, (d) => {
    if (d.data[0] === 0) {
      attempts++;
      throw new TypeError('cannot handle zero');
    }
  });
  await jobs.send(new Uint8Array([0]));
  await jobs.send(new Uint8Array([1]));
  const dead = await dlq.receiveDelivery({ timeoutMs: 5000 });
  assert.equal([...dead.data], [0]);
  assert.is(dead.headers[DEAD_LETTER_HEADERS.errorName], 'TypeError');
  assert.is(dead.headers[DEAD_LETTER_HEADERS.errorMessage], 'cannot handle zero');
  assert.is(attempts, 3, 'the first delivery and maxRetries redeliveries');
  await until('the good one handled', () => queue.stats().handled === 1);
  assert.is(queue.stats().failed, 3);
  await queue.stop();
  await Promise.all([jobs.close(), dlq.close()]);
});

test('stop() is graceful: no more receiving, the deliveries in hand finish and are acked', async () => {
  const jobs = new InMemoryChannel({ name: 'wq-stop' });
  const release = gate();
  let started = 0;
  let finished = 0;
  const queue = new WorkerQueue(
    jobs,
    async () => {
      started++;
      await release.opened;
      finished++;
    },
    { concurrency: 2 },
  );
  for (let i = 0; i < 5; i++) await jobs.send(u16(i));
  await until('two in hand', () => started === 2);
  const stopping = queue.stop();
  let stopped = false;
  void stopping.then(() => (stopped = true));
  await sleep(20);
  assert.is(stopped, false, 'stop waits for the handlers in hand');
  release.open();
  await stopping;
  assert.is(finished, 2);
  assert.is(started, 2, 'nothing taken after stop()');
  assert.is(jobs.stats().acked, 2);
  for (let i = 2; i < 5; i++) assert.is(readU16(await jobs.receive({ timeoutMs: 1000 })), i, 'the rest stays in the channel, in order');
  await jobs.close();
});

test('a worker queue ends by itself when its channel is closed and drained; bad options are refused', async () => {
  const jobs = new InMemoryChannel({ name: 'wq-close' });
  let handled = 0;
  const queue = new WorkerQueue(jobs, () => void handled++);
  await jobs.send(u16(1));
  await jobs.close();
  await queue.done;
  assert.is(handled, 1);
  assert.throws(() => new WorkerQueue(jobs, () => {}, { concurrency: 0 }), /concurrency is 0/);
  assert.throws(() => new WorkerQueue({} as never, () => {}), /takes a Channel or a Subscription/);
});

test.run();
