// Elastic sizing under a burst: the pool grows while tasks back up in its queue (up to
// maxThreads), and once idle for idleTimeoutMs shrinks back to minThreads — observed through the
// pool's threadStart/threadExit events and its stats, never through timing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ThreadExit } from '../../src/pool/index.js';
import type { Behaviour } from './tasks/behaviours.js';
import { BEHAVIOURS, destroyPools, testPool, until } from './helpers.js';

const test = suite('Pool grows and shrinks');
test.after.each(destroyPools);

test('a burst grows the pool from minThreads to maxThreads; idle, it shrinks back; a second burst grows it again', async () => {
  // 3 threads on 2 cores: the tasks block (Atomics.wait), they do not spin. They are held until
  // three threads run them at once, so growth is observed however long threads take to start.
  const flags = new SharedArrayBuffer(4 * 4);
  const gate = new Int32Array(flags);
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 3, idleTimeoutMs: 300, workerData: { flags } });
  const starts: number[] = [];
  const exits: ThreadExit[] = [];
  pool.on('threadStart', (e: { id: number }) => starts.push(e.id));
  pool.on('threadExit', (e: ThreadExit) => exits.push(e));
  await pool.run({ op: 'echo', value: 'warm' });
  assert.is(pool.stats().threads, 1, 'minThreads at rest');

  for (const burst of [1, 2]) {
    Atomics.store(gate, 0, 0);
    const tasks = Array.from({ length: 60 }, () => pool.run({ op: 'hold', gate: 0 }));
    await until(`burst ${burst}: three threads running tasks at once`, () => pool.stats().busyThreads === 3, 30_000);
    assert.is(pool.stats().threads, 3, `burst ${burst}: grew to maxThreads, no further`);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    assert.equal(await Promise.all(tasks), new Array(60).fill('released'), `burst ${burst}: every task done`);
    await until(`burst ${burst}: shrink back to minThreads`, () => pool.stats().threads === 1, 15_000);
    assert.is(exits.filter((e) => e.reason === 'idle').length, 2 * burst, `burst ${burst}: two threads stopped for idleness`);
  }
  assert.is(pool.stats().peakThreads, 3);
  assert.is(starts.length, 5, 'the first thread, then two more per burst');
  assert.is(pool.stats().threadDeaths, 0);
  // Once at minThreads it stays there, however long it is idle.
  await new Promise((r) => setTimeout(r, 700));
  assert.is(pool.stats().threads, 1);
});

test('minThreads 0: an idle pool ends its last thread, and the next task starts one', async () => {
  const pool = testPool<Behaviour, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 0, maxThreads: 2, idleTimeoutMs: 100 });
  assert.is(pool.stats().threads, 0);
  assert.is(await pool.run({ op: 'echo', value: 1 }), 1);
  await until('the idle thread to stop', () => pool.stats().threads === 0, 10_000);
  assert.is(await pool.run({ op: 'echo', value: 2 }), 2);
  assert.is(pool.stats().threadsStarted, 2);
});

test.run();
