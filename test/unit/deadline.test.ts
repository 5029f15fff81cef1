import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withDeadline } from '../../src/deadline.js';
import type { ChannelError } from '../../src/errors.js';

const test = suite('deadlines');

const never = new Promise<never>(() => {});

test('times out with a Timeout error that says what was waited for', async () => {
  try {
    await withDeadline(never, 20, undefined, "waiting for a message", 'jobs');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChannelError).code, 'Timeout');
    assert.match((err as Error).message, 'waiting for a message');
    assert.match((err as Error).message, '[jobs]');
  }
});

test('an abort signal rejects with Aborted carrying the reason', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('user left')), 5);
  try {
    await withDeadline(never, Infinity, ac.signal, 'waiting');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChannelError).code, 'Aborted');
    assert.is(((err as Error).cause as Error).message, 'user left');
  }
});

test('work that finishes first wins and leaves no timer behind', async () => {
  assert.is(await withDeadline(Promise.resolve(42), 10_000, undefined, 'x'), 42);
});

test.run();
