// The pool fed by a channel: deliveries from an input channel run as tasks, results go to an
// output channel with the input's id as correlation id, inputs are acked after their result is
// sent and nacked (the input's retry/dead-letter policy) when the task fails; never more than
// maxInFlightPerWorker × threads deliveries out at once. Over the Channel contract only — the
// in-memory channel here stands for any backend.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/index.js';
import { destroyPools, testPool, until } from './helpers.js';

const test = suite('Pool.consume (channel-fed)');
test.after.each(destroyPools);

const PICKY = new URL('./tasks/picky.ts', import.meta.url);
const COUNT = 3000;

test('every input becomes one result on the output, correlated, with the in-flight bound kept', async () => {
  const pool = testPool<Uint8Array, Uint8Array>({ filename: PICKY, minThreads: 2, maxThreads: 2 });
  const input = new InMemoryChannel({ name: 'feed-in' });
  const output = new InMemoryChannel({ name: 'feed-out' });
  const sentIds = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) sentIds.set(await input.send(new Uint8Array([1, i & 0xff, i >> 8])), i);
  const feed = pool.consume(input, output, { maxInFlightPerWorker: 3 });
  let most = 0;
  const watch = setInterval(() => (most = Math.max(most, feed.stats().inFlight)), 1);
  const seen = new Set<string>();
  for (let n = 0; n < COUNT; n++) {
    const d = await output.receiveDelivery({ timeoutMs: 20_000 });
    const i = sentIds.get(d.correlationId!);
    assert.ok(i !== undefined, `result ${n} carries an input's id as correlationId`);
    assert.ok(!seen.has(d.correlationId!), 'one result per input');
    seen.add(d.correlationId!);
    assert.equal([...d.data], [i! >> 8, i! & 0xff, 1], 'the task\'s output (reversed)');
    await d.ack();
  }
  clearInterval(watch);
  await feed.stop();
  assert.ok(most <= 3 * 2, `at most 3 per thread in flight, saw ${most}`);
  assert.is(feed.stats().sent, COUNT);
  await until('the acks to land', () => input.stats().acked === COUNT);
  assert.is(input.stats().inFlight, 0);
  await Promise.all([input.close(), output.close()]);
});

test("a failing task nacks its input: the input's retries, then its dead-letter channel", async () => {
  const pool = testPool<Uint8Array, Uint8Array>({ filename: PICKY, minThreads: 1, maxThreads: 1 });
  const input = new InMemoryChannel({ name: 'feed-in-2', maxRetries: 1, deadLetter: 'feed-dlq' });
  const output = new InMemoryChannel({ name: 'feed-out-2' });
  const dlq = new InMemoryChannel({ name: 'feed-dlq' });
  await input.send(new Uint8Array([0xff, 1]));
  await input.send(new Uint8Array([2, 3]));
  const feed = pool.consume(input, output);
  const good = await output.receive({ timeoutMs: 20_000 });
  assert.equal([...good], [3, 2]);
  const dead = await dlq.receiveDelivery({ timeoutMs: 20_000 });
  assert.equal([...dead.data], [0xff, 1]);
  assert.match(dead.headers[DEAD_LETTER_HEADERS.errorMessage]!, /0xFF payloads are refused/);
  assert.is(dead.headers[DEAD_LETTER_HEADERS.errorName], 'Error');
  assert.is(feed.stats().nacked, 2, 'tried twice (maxRetries 1), nacked each time');
  await feed.stop();
  assert.is(await output.tryReceive(), undefined, 'no result for the refused input');
  await Promise.all([input.close(), output.close(), dlq.close()]);
});

test('stop() ends the feed with everything it took settled; what it did not take stays in the input', async () => {
  const pool = testPool<Uint8Array, Uint8Array>({ filename: PICKY, minThreads: 1, maxThreads: 1 });
  const input = new InMemoryChannel({ name: 'feed-in-3' });
  const output = new InMemoryChannel({ name: 'feed-out-3' });
  const feed = pool.consume(input, output, { maxInFlightPerWorker: 1 });
  await input.send(new Uint8Array([5]));
  assert.equal([...(await output.receive({ timeoutMs: 20_000 }))], [5]);
  await feed.stop();
  await feed.done;
  await input.send(new Uint8Array([6]));
  assert.equal([...(await input.receive({ timeoutMs: 1000 }))], [6], 'a stopped feed takes nothing more');
  const bad = (() => {
    try {
      pool.consume(input, output, { maxInFlightPerWorker: 0 });
    } catch (err) {
      return err as { code?: string };
    }
  })();
  assert.is(bad?.code, 'InvalidConfiguration');
  await Promise.all([input.close(), output.close()]);
});

test.run();
