// Worker threads that die: process.exit inside a task, running out of memory under
// resourceLimits, terminated from outside. The task that was running is run again on a
// replacement thread (or, past maxRetries, fails with WorkerDiedError); the other tasks the
// dead thread held run elsewhere, uncharged; the thread is replaced; nothing is lost.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkerDiedError, type ThreadExit } from '../../src/pool/index.js';
import type { Behaviour } from './tasks/behaviours.js';
import { BEHAVIOURS, destroyPools, rejectionOf, testPool, until } from './helpers.js';

const test = suite('Pool with dying worker threads');
test.after.each(destroyPools);

test('process.exit inside a task: the task runs again on a new thread, the others are unharmed', async () => {
  const flags = new SharedArrayBuffer(64 * 4);
  const runs = new SharedArrayBuffer(64 * 4);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1, workerData: { flags, runs } });
  const exits: ThreadExit[] = [];
  pool.on('threadExit', (e: ThreadExit) => exits.push(e));
  await pool.run({ op: 'echo', value: 'warm' });
  // One thread: the exiting task and the ones behind it are all handed to the same worker.
  const before = Array.from({ length: 5 }, (_, i) => pool.run({ op: 'sleep', ms: 1, index: i }));
  const dying = pool.run({ op: 'exit-once', index: 30 });
  const after = Array.from({ length: 5 }, (_, i) => pool.run({ op: 'sleep', ms: 1, index: 10 + i }));
  assert.is(await dying, 'survived');
  assert.equal(await Promise.all([...before, ...after]), new Array(10).fill(1));
  assert.equal(exits.map((e) => [e.reason, e.code]), [['died', 7]]);
  const counts = new Int32Array(runs);
  assert.is(counts[30], 2, 'the exiting task ran twice: on the thread it ended, then on the replacement');
  for (let i = 0; i < 5; i++) assert.is(counts[i], 1, `task ${i}, finished before the exit, ran once`);
  for (let i = 10; i < 15; i++) assert.is(counts[i], 1, `task ${i}, queued behind it on the dead thread, ran once`);
  const stats = pool.stats();
  assert.is(stats.threadDeaths, 1);
  assert.is(stats.threads, 1, 'replaced');
  assert.is(stats.completed, 12);
});

test('a task that kills every thread it runs on fails with WorkerDiedError after maxRetries; the pool recovers', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 2, maxRetries: 2 });
  const poison = rejectionOf(pool.run({ op: 'exit', code: 9 }));
  const innocent = Array.from({ length: 20 }, (_, i) => pool.run({ op: 'echo', value: i }));
  const err = await poison;
  assert.instance(err, WorkerDiedError);
  assert.is(err.attempts, 3, 'the first run and maxRetries more');
  assert.match(err.message, /exited with code 9/);
  assert.equal(await Promise.all(innocent), Array.from({ length: 20 }, (_, i) => i));
  assert.is(await pool.run({ op: 'echo', value: 'after' }), 'after');
  assert.is(pool.stats().threadDeaths, 3);
});

test('out of memory under resourceLimits: WorkerDiedError that says so, and a fresh thread for the next task', async () => {
  const pool = testPool<Behaviour, unknown>({
    filename: BEHAVIOURS,
    codec: 'v8',
    minThreads: 1,
    maxThreads: 1,
    maxRetries: 0,
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
  });
  const err = await rejectionOf(pool.run({ op: 'oom' }));
  assert.instance(err, WorkerDiedError);
  assert.match(err.message, /out of memory/);
  assert.is(err.cause?.code, 'ERR_WORKER_OUT_OF_MEMORY');
  assert.is(await pool.run({ op: 'echo', value: 'fine' }), 'fine');
});

test('a thread terminated from outside while running a task: the task runs again and resolves once', async () => {
  const runs = new SharedArrayBuffer(16);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1, workerData: { runs } });
  await pool.run({ op: 'echo', value: 'warm' });
  const task = pool.run({ op: 'sleep', ms: 300, index: 0 });
  await until('the task to start', () => new Int32Array(runs)[0] === 1);
  await pool.threads[0]!.terminate();
  assert.is(await task, 300);
  assert.is(new Int32Array(runs)[0], 2, 'started twice: once on the terminated thread, once on its replacement');
  assert.is(pool.stats().retried, 1);
});

test.run();
