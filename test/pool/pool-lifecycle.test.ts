// Aborting tasks, close() and destroy(): a queued task aborted never runs; a running one has its
// thread ended and replaced while the tasks queued behind it on that thread run elsewhere;
// close() lets everything accepted finish and never hangs; destroy() ends everything at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ThreadExit } from '../../src/pool/index.js';
import type { Behaviour } from './tasks/behaviours.js';
import { BEHAVIOURS, destroyPools, rejectionOf, testPool, until } from './helpers.js';

const test = suite('Pool abort, close and destroy');
test.after.each(destroyPools);

test('a queued task aborted rejects with Aborted and never runs', async () => {
  const runs = new SharedArrayBuffer(8 * 4);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1, workerData: { runs } });
  await pool.run({ op: 'echo', value: 'warm' });
  const busy = pool.run({ op: 'sleep', ms: 300, index: 0 }); // holds the only thread
  const controller = new AbortController();
  // maxInFlightPerWorker 1 would hand it out; with the default it may sit in the lane: either
  // way it must not run once aborted.
  const queued = pool.run({ op: 'sleep', ms: 1, index: 1 }, { signal: controller.signal });
  await until('the first task to start', () => new Int32Array(runs)[0] === 1);
  controller.abort(new Error('changed my mind'));
  const err = await rejectionOf(queued);
  assert.is(err.code, 'Aborted');
  assert.is(err.cause?.message, 'changed my mind');
  assert.is(await busy, 300);
  assert.is(await pool.run({ op: 'sleep', ms: 1, index: 2 }), 1, 'the pool goes on');
  assert.is(new Int32Array(runs)[1], 0, 'the aborted task never ran');
  assert.is(pool.stats().cancelled, 1);
  const already = await rejectionOf(pool.run({ op: 'echo', value: 1 }, { signal: AbortSignal.abort() }));
  assert.is(already.code, 'Aborted', 'an already aborted signal rejects at once');
});

test('a running task aborted: its thread is ended and replaced, the other tasks it held run elsewhere', async () => {
  const runs = new SharedArrayBuffer(64 * 4);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1, workerData: { runs } });
  const exits: ThreadExit[] = [];
  pool.on('threadExit', (e: ThreadExit) => exits.push(e));
  await pool.run({ op: 'echo', value: 'warm' });
  const controller = new AbortController();
  const long = pool.run({ op: 'sleep', ms: 60_000, index: 0 }, { signal: controller.signal });
  const behind = Array.from({ length: 5 }, (_, i) => pool.run({ op: 'sleep', ms: 1, index: 1 + i }));
  await until('the long task to start', () => new Int32Array(runs)[0] === 1);
  controller.abort();
  assert.is((await rejectionOf(long)).code, 'Aborted');
  assert.equal(await Promise.all(behind), [1, 1, 1, 1, 1], 'the tasks behind it ran on the replacement');
  assert.equal(exits.map((e) => e.reason), ['abort']);
  for (let i = 1; i <= 5; i++) assert.is(new Int32Array(runs)[i], 1, `task ${i} ran once`);
  assert.is(pool.stats().threadDeaths, 0, 'an abort is not a death');
});

test('close() lets every accepted task finish, then refuses new ones and stops every thread', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 2, maxThreads: 2 });
  const exits: ThreadExit[] = [];
  pool.on('threadExit', (e: ThreadExit) => exits.push(e));
  const accepted = Array.from({ length: 20 }, (_, i) => pool.run({ op: 'sleep', ms: 10, index: i }));
  const closing = pool.close();
  const refused = await rejectionOf(pool.run({ op: 'echo', value: 1 }));
  assert.is(refused.code, 'ChannelClosed');
  assert.match(refused.message, /closing/);
  await closing;
  assert.equal(await Promise.all(accepted), new Array(20).fill(10));
  assert.is(pool.stats().threads, 0);
  assert.ok(exits.length >= 2 && exits.every((e) => e.reason === 'close'), JSON.stringify(exits));
  assert.is(pool.close(), closing, 'close() again is the same close');
});

test('close() does not hang when a thread dies while it drains, nor with a timeout on a task that never ends', async () => {
  const flags = new SharedArrayBuffer(16);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 2, workerData: { flags } });
  const dying = pool.run({ op: 'exit-once', index: 0 });
  const others = Array.from({ length: 10 }, () => pool.run({ op: 'sleep', ms: 5 }));
  await pool.close();
  assert.is(await dying, 'survived');
  assert.equal(await Promise.all(others), new Array(10).fill(5));

  const stuck = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1 });
  const forever = rejectionOf(stuck.run({ op: 'sleep', ms: 600_000 }));
  await until('the stuck pool to start the task', () => stuck.stats().inFlight === 1);
  await stuck.close({ timeoutMs: 200 });
  const err = await forever;
  assert.is(err.code, 'ChannelClosed');
  assert.match(err.message, /timeoutMs 200/);
  assert.is(stuck.stats().threads, 0);
});

test('destroy() rejects queued and running tasks with ChannelClosed and ends every thread', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1 });
  await pool.run({ op: 'echo', value: 'warm' });
  const tasks = Array.from({ length: 5 }, () => rejectionOf(pool.run({ op: 'sleep', ms: 60_000 })));
  await until('a task to be handed out', () => pool.stats().inFlight > 0);
  await pool.destroy();
  for (const t of tasks) assert.is((await t).code, 'ChannelClosed');
  assert.is(pool.stats().threads, 0);
  assert.is((await rejectionOf(pool.run({ op: 'echo', value: 1 }))).code, 'ChannelClosed');
});

test.run();
