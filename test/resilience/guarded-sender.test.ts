// Resilience around sends, against a real in-memory channel made to fail for real: a full
// channel in `error` mode (ChannelFull: a failure that passes once a consumer makes room), a
// full channel in `block` mode (a send that waits: the guard's timeout), bad input and a closed
// channel (failures that must not be retried nor counted by the breaker).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { CircuitOpenError, guardSends, type BreakerState } from '../../src/resilience/index.js';

const test = suite('GuardedSender');
const one = new Uint8Array([1]);

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

test('retry with exponential backoff and jitter: sends into a full channel go through once a consumer makes room', async () => {
  const channel = new InMemoryChannel({ name: 'guard-retry', capacity: 1, backpressure: 'error' });
  await channel.send(one); // full
  const guarded = guardSends(channel, { retry: { maxAttempts: 8, initialDelayMs: 5, maxDelayMs: 40 }, breaker: false });
  const delays: number[] = [];
  guarded.on('retry', (err, _attempt, delayMs) => {
    assert.is((err as { code?: string }).code, 'ChannelFull');
    delays.push(delayMs);
    if (delays.length === 3) void channel.receive(); // room, after the third failure
  });
  const id = await guarded.send(new Uint8Array([2]));
  assert.type(id, 'string');
  assert.is(delays.length, 3, 'three failed attempts, then the fourth went through');
  assert.ok(delays.every((d) => d >= 0 && d <= 40), `each pause within maxDelayMs: ${delays}`);
  assert.equal([...(await channel.receive())], [2]);
  // Past maxAttempts the last error comes through as it was.
  await channel.send(one);
  const tight = guardSends(channel, { retry: { maxAttempts: 2, initialDelayMs: 1 }, breaker: false });
  const err = await rejection(tight.send(one));
  assert.is(err.code, 'ChannelFull');
  await channel.close();
});

test('the breaker opens on repeated failures, fails fast while open, half-opens, and closes on a success', async () => {
  const channel = new InMemoryChannel({ name: 'guard-breaker', capacity: 1, backpressure: 'error' });
  await channel.send(one);
  const guarded = guardSends(channel, { retry: false, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 100 } });
  const states: BreakerState[] = [];
  guarded.on('state', (s) => states.push(s));
  for (let i = 0; i < 3; i++) assert.is((await rejection(guarded.send(one))).code, 'ChannelFull');
  assert.is(guarded.breakerState, 'open');
  const failedBefore = channel.stats().failed;
  const fast = await rejection(guarded.send(one));
  assert.instance(fast, CircuitOpenError);
  assert.is(fast.code, 'BackendError');
  assert.match(fast.message, /failing fast/);
  assert.is(channel.stats().failed, failedBefore, 'while open, the channel is not even tried');
  await channel.receive(); // the channel recovers
  await new Promise((r) => setTimeout(r, 150)); // past halfOpenAfterMs: the next send is the trial
  await guarded.send(new Uint8Array([3]));
  assert.is(guarded.breakerState, 'closed');
  assert.equal(states, ['open', 'half-open', 'closed']);
  await channel.close();
});

test('bad input and a closed channel fail at once: not retried, and the breaker does not count them', async () => {
  const channel = new InMemoryChannel({ name: 'guard-bad' });
  let retries = 0;
  const guarded = guardSends(channel, { retry: { maxAttempts: 5, initialDelayMs: 1 }, breaker: { consecutiveFailures: 2 } });
  guarded.on('retry', () => retries++);
  for (let i = 0; i < 3; i++) assert.is((await rejection(guarded.send('not bytes' as unknown as Uint8Array))).code, 'SerializationError');
  assert.is(guarded.breakerState, 'closed');
  await channel.close();
  for (let i = 0; i < 3; i++) assert.is((await rejection(guarded.send(one))).code, 'ChannelClosed');
  assert.is(guarded.breakerState, 'closed');
  assert.is(retries, 0);
  assert.throws(() => guardSends(channel, { retry: { maxAttempts: 0 } }), /maxAttempts is 0/);
});

test('timeoutMs aborts a send stuck on a full channel (Timeout), and retries it', async () => {
  const channel = new InMemoryChannel({ name: 'guard-timeout', capacity: 1, backpressure: 'block' });
  await channel.send(one);
  let retries = 0;
  const guarded = guardSends(channel, { timeoutMs: 30, retry: { maxAttempts: 2, initialDelayMs: 1 }, breaker: false });
  guarded.on('retry', (err) => {
    retries++;
    assert.is((err as { code?: string }).code, 'Timeout');
  });
  const err = await rejection(guarded.send(new Uint8Array([2])));
  assert.is(err.code, 'Timeout');
  assert.match(err.message, /timeoutMs \(30 ms\)/);
  assert.is(retries, 1);
  assert.is(channel.stats().pending, 1, 'the aborted sends left nothing behind');
  // The caller's own abort stays an abort, and is not retried.
  const controller = new AbortController();
  const mine = rejection(guarded.send(new Uint8Array([3]), { signal: controller.signal }));
  controller.abort();
  assert.is((await mine).code, 'Aborted');
  await channel.close();
});

test('bulkhead: beyond limit + queue sends at once, ChannelFull at once', async () => {
  const channel = new InMemoryChannel({ name: 'guard-bulkhead', capacity: 1, backpressure: 'block' });
  await channel.send(one); // every send below waits
  const guarded = guardSends(channel, { bulkhead: { limit: 1, queue: 1 }, retry: false, breaker: false });
  const first = guarded.send(new Uint8Array([2]));
  const second = guarded.send(new Uint8Array([3]));
  const third = await rejection(guarded.send(new Uint8Array([4])));
  assert.is(third.code, 'ChannelFull');
  assert.match(third.message, /bulkhead/);
  for (const expected of [1, 2, 3]) assert.equal([...(await channel.receive())], [expected]);
  await Promise.all([first, second]);
  await channel.close();
});

test.run();
