// One million tiny tasks while worker threads are terminated at random: every task's result
// arrives exactly once, counted by this test itself (a bitmap of results, and a per-index run
// counter the task module keeps in shared memory), never by the pool's own counters.
//
// The dangerous window is a thread killed after running tasks whose results have not arrived
// (they must be run again, and answered once). At each kill the test compares how many tasks
// the victim has run (the task module counts per thread) with how many results from that thread
// it has received (each result names its thread); kills that land while the first is ahead are
// counted, and a minimum is required, so the test cannot pass by killing idle threads. The tasks
// that ran twice (the run counter) show the window's consequence.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pool } from '../../src/pool/index.js';
import { THREAD_SLOTS } from './tasks/counted.js';
import { destroyPools, testPool } from './helpers.js';

const test = suite('Pool: a million tasks under random thread kills');
test.after.each(destroyPools);

const TOTAL = 1_000_000;
/** Tasks submitted at once (a sliding window keeps the pool busy without a million promises at once). */
const CHUNK = 10_000;
const MIN_KILLS = 10;
const MIN_KILLS_IN_FLIGHT = 7;
const COUNTED = new URL('./tasks/counted.ts', import.meta.url);

function taskBytes(i: number): Uint8Array {
  return new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, (i >>> 24) & 0xff]);
}

const indexOf = (b: Uint8Array) => b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);


test(`${TOTAL} tasks, threads terminated at random: none lost, none answered twice`, async () => {
  const executions = new SharedArrayBuffer(TOTAL);
  const perThread = new SharedArrayBuffer(THREAD_SLOTS * 4);
  const pool: Pool<Uint8Array, Uint8Array> = testPool({ filename: COUNTED, minThreads: 2, maxThreads: 2, maxRetries: 50, workerData: { executions, perThread } });
  const results = new Uint8Array(TOTAL); // how many times each task's result arrived
  const ranOn = new Int32Array(perThread);
  const answeredFrom = new Int32Array(THREAD_SLOTS);
  const unanswered = (slot: number) => Atomics.load(ranOn, slot) - answeredFrom[slot]!;
  let wrong = 0;
  let finished = false;
  let kills = 0;
  let killsInFlight = 0;
  const started = performance.now();

  // Kills: a random 30–200 ms after both threads are ready (so one always runs: a replacement
  // takes ~1 s to start from the TypeScript sources under tsx), one of them picked at random is
  // terminated as soon as it has run tasks not yet answered. `armed`: the killer has its victim
  // and waits for that.
  let armed = false;
  const terminated = new Set<unknown>();
  const killer = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 170));
      const threads = pool.threads.filter((w) => !terminated.has(w));
      if (finished || threads.length < 2) continue;
      const victim = threads[Math.floor(Math.random() * threads.length)]!;
      const slot = victim.threadId % THREAD_SLOTS;
      armed = true;
      const giveUp = performance.now() + 3000; // (never wait for ever: the victim may stop getting work)
      while (unanswered(slot) === 0 && !finished && performance.now() < giveUp) await new Promise((r) => setImmediate(r));
      armed = false;
      if (finished) break;
      if (unanswered(slot) > 0) killsInFlight++;
      kills++;
      terminated.add(victim);
      void victim.terminate();
    }
  })();

  const runChunk = (from: number) => {
    const all: Promise<void>[] = [];
    for (let i = from; i < Math.min(from + CHUNK, TOTAL); i++) {
      all.push(
        pool.run(taskBytes(i)).then((r) => {
          if (indexOf(r) !== i) wrong++;
          results[i]!++;
          answeredFrom[r[4]!]!++;
        }),
      );
    }
    return Promise.all(all);
  };
  // Two chunks in flight at a time, so the pool never runs dry between chunks.
  // The kills are spread over the whole run: a chunk waits until the kills have kept pace
  // (MIN_KILLS over the million), unless the killer is armed and needs work to land in.
  let previous = runChunk(0);
  for (let from = CHUNK; from < TOTAL; from += CHUNK) {
    while (kills < Math.floor((from / TOTAL) * (MIN_KILLS + 1)) && !armed) await new Promise((r) => setTimeout(r, 2));
    const next = runChunk(from);
    await previous;
    previous = next;
  }
  await previous;
  finished = true;
  await killer;
  const seconds = (performance.now() - started) / 1000;

  let lost = 0;
  let answeredTwice = 0;
  let neverRan = 0;
  let ranAgain = 0;
  const runs = new Uint8Array(executions);
  for (let i = 0; i < TOTAL; i++) {
    if (results[i] === 0) lost++;
    else if (results[i]! > 1) answeredTwice++;
    if (runs[i] === 0) neverRan++;
    else if (runs[i]! > 1) ranAgain++;
  }
  const stats = pool.stats();
  console.log(
    `    ${TOTAL} tasks in ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} task/s) with ${kills} kills, ${killsInFlight} of them while the thread had run tasks not yet answered; ` +
      `${ranAgain} tasks ran more than once (at-least-once: their first run's result died with its thread); pool saw ${stats.threadDeaths} deaths, re-queued ${stats.retried}`,
  );
  assert.is(lost, 0, 'tasks whose result never arrived');
  assert.is(answeredTwice, 0, 'tasks whose result arrived twice');
  assert.is(wrong, 0, 'results that were not their task\'s');
  assert.is(neverRan, 0, 'tasks that never ran (yet resolved)');
  assert.ok(kills >= MIN_KILLS, `only ${kills} kills landed (want ${MIN_KILLS})`);
  assert.ok(killsInFlight >= MIN_KILLS_IN_FLIGHT, `only ${killsInFlight} kills hit a thread with unanswered work (want ${MIN_KILLS_IN_FLIGHT})`);
  assert.ok(ranAgain <= kills * pool.options.maxInFlightPerWorker, 'runs again are bounded by what the killed threads held');
});

test.run();
