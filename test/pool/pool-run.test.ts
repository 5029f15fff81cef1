// Pool.run(): results, codecs, the task's own errors, bad input, maxQueue, workerData, and a
// task module that cannot load. Every test uses real worker threads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChannelError } from '../../src/errors.js';
import { Pool, TaskError } from '../../src/pool/index.js';
import type { Behaviour } from './tasks/behaviours.js';
import { BEHAVIOURS, ECHO, destroyPools, rejectionOf, testPool } from './helpers.js';

const test = suite('Pool.run');
test.after.each(destroyPools);

test('bytes in, bytes out: every task gets its own result, in any number', async () => {
  const pool = testPool<Uint8Array, Uint8Array>({ filename: ECHO, minThreads: 2, maxThreads: 2 });
  const tasks = Array.from({ length: 5000 }, (_, i) => new Uint8Array([i & 0xff, (i >> 8) & 0xff, 1, 2, 3].slice(0, 1 + (i % 5))));
  const results = await Promise.all(tasks.map((t) => pool.run(t)));
  results.forEach((r, i) => assert.equal([...r], [...tasks[i]!], `task ${i}`));
  assert.is(pool.stats().completed, 5000);
  assert.is(pool.stats().failed, 0);
});

test("codec 'v8' carries what structured clone carries; 'json' plain data", async () => {
  const v8 = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1 });
  const value = { when: new Date(5), ids: new Map([[1, 'a']]), big: 2n ** 70n, bytes: new Uint16Array([1, 2]), nested: [{ x: null }] };
  assert.equal(await v8.run({ op: 'echo', value }), value);
  const json = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'json', maxThreads: 1 });
  assert.equal(await json.run({ op: 'echo', value: { a: [1, 'two', null], b: true } }), { a: [1, 'two', null], b: true });
  assert.is(await json.run({ op: 'echo', value: undefined }), undefined);
});

test('a task that throws rejects with its own name, message, code and the worker stack; the pool goes on', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1 });
  const thrown = await rejectionOf(pool.run({ op: 'throw', message: 'width must be > 0', name: 'SizeError', code: 'E_SIZE' }));
  assert.instance(thrown, TaskError);
  assert.is(thrown.name, 'SizeError');
  assert.is(thrown.message, 'width must be > 0');
  assert.is(thrown.code, 'E_SIZE');
  assert.match(thrown.stack, /behaviours\.ts/, 'the stack is the one from the worker');
  const rejected = await rejectionOf(pool.run({ op: 'reject', message: 'async failure' }));
  assert.is(rejected.message, 'async failure');
  const plain = await rejectionOf(pool.run({ op: 'throw-value' }));
  assert.match(plain.message, /non-Error value: "a plain string"/);
  assert.is(await pool.run({ op: 'echo', value: 'still here' }), 'still here');
  assert.is(pool.stats().failed, 3);
  assert.is(pool.stats().threadDeaths, 0, 'a throwing task does not take its thread down');
});

test('retryOnThrow runs a task that threw again before rejecting', async () => {
  const flags = new SharedArrayBuffer(16);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1, retryOnThrow: 1, workerData: { flags } });
  assert.is(await pool.run({ op: 'throw-once', index: 0 }), 'second time works');
  assert.is(new Int32Array(flags)[0], 2, 'ran twice');
  assert.is(pool.stats().retried, 1);
  const still = await rejectionOf(pool.run({ op: 'throw', message: 'always' }));
  assert.is(still.message, 'always', 'past retryOnThrow the error comes through');
});

test('bad input is a typed ChannelError saying what to do, and loses nothing already accepted', async () => {
  const pool = testPool<unknown, unknown>({ filename: ECHO, maxThreads: 1 });
  const accepted = pool.run(new Uint8Array([9]));
  const notBytes = await rejectionOf(pool.run('a string'));
  assert.instance(notBytes, ChannelError);
  assert.is(notBytes.code, 'SerializationError');
  assert.match(notBytes.message, /codec: 'v8'/);
  const tooBig = await rejectionOf(pool.run(new Uint8Array(pool.maxTaskBytes + 1)));
  assert.is(tooBig.code, 'SerializationError');
  assert.match(tooBig.message, /laneBytes/);
  const badSignal = await rejectionOf(pool.run(new Uint8Array(1), { signal: 'soon' as unknown as AbortSignal }));
  assert.is(badSignal.code, 'InvalidConfiguration');
  assert.equal([...((await accepted) as Uint8Array)], [9], 'the task accepted before is unharmed');
  const v8 = testPool<unknown, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1 });
  const fn = await rejectionOf(v8.run({ op: 'echo', value: () => 1 }));
  assert.is(fn.code, 'SerializationError');
});

test('bad options are refused with InvalidConfiguration naming the option', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ filename: ECHO, maxThreds: 2 }, /unknown pool option 'maxThreds'/],
    [{ filename: ECHO, minThreads: 3, maxThreads: 2 }, /maxThreads \(2\) is below minThreads \(3\)/],
    [{ filename: ECHO, codec: 'msgpack' }, /codec is "msgpack"/],
    [{ filename: ECHO, laneBytes: 100_000 }, /power of two/],
    [{ filename: ECHO, idleTimeoutMs: -1 }, /idleTimeoutMs/],
    [{ filename: '' }, /filename/],
    [{ filename: 'https://example.com/task.js' }, /local modules only/],
  ];
  for (const [options, message] of cases) {
    try {
      new Pool(options as never);
      assert.unreachable(`accepted ${JSON.stringify(options)}`);
    } catch (err) {
      assert.instance(err, ChannelError);
      assert.is((err as ChannelError).code, 'InvalidConfiguration');
      assert.match((err as Error).message, message);
    }
  }
});

test('maxQueue: a run() beyond it rejects with ChannelFull, the queued ones still run', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 0, maxThreads: 1, maxQueue: 2 });
  const first = pool.run({ op: 'echo', value: 1 });
  const second = pool.run({ op: 'echo', value: 2 });
  const third = await rejectionOf(pool.run({ op: 'echo', value: 3 }));
  assert.is(third.code, 'ChannelFull');
  assert.match(third.message, /maxQueue of 2/);
  assert.equal(await Promise.all([first, second]), [1, 2]);
});

test('workerData reaches the task module', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1, workerData: { label: 'from the main thread' } });
  assert.is(await pool.run({ op: 'worker-data' }), 'from the main thread');
});

test('a task module that cannot load fails the queued tasks with InvalidConfiguration, not a restart loop', async () => {
  const missing = testPool({ filename: new URL('./tasks/no-such-module.ts', import.meta.url), maxThreads: 2 });
  const err = await rejectionOf(missing.run(new Uint8Array(1)));
  assert.is(err.code, 'InvalidConfiguration');
  assert.match(err.message, /could not start/);
  const noFunction = testPool({ filename: new URL('./helpers.ts', import.meta.url), maxThreads: 1 });
  const err2 = await rejectionOf(noFunction.run(new Uint8Array(1)));
  assert.match(err2.message, /no function export named 'default'/);
  assert.ok(missing.stats().threadsStarted <= 3, `started ${missing.stats().threadsStarted} threads for a module that cannot load`);
});

test('a result larger than a lane carries rejects that task only', async () => {
  const pool = testPool<Behaviour, Uint8Array>({ filename: BEHAVIOURS, codec: 'v8', maxThreads: 1, laneBytes: 1 << 16 });
  assert.is((await pool.run({ op: 'bytes', length: 20_000 })).length, 20_000, 'a big result that fits');
  const err = await rejectionOf(pool.run({ op: 'bytes', length: 100_000 }));
  assert.is(err.name, 'SerializationError');
  assert.match(err.message, /laneBytes/);
  assert.is((await pool.run({ op: 'bytes', length: 3 })).length, 3);
});

test.run();
