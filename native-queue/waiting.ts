// Waking and parking on a bell (one 128-byte line: [armed, counter], see layout.ts).
//
// The protocol that avoids lost wake-ups, with every step sequentially consistent:
//   waiter (each round): seen = counter; armed += 1; re-check the condition; wait(counter, seen, slice)
//   waker:  change the state (publish an index, set closed);
//           if armed != 0 and exchange(armed, 0) != 0: counter += 1; notify
// The waker that takes the arms (the exchange) bumps the counter, and it does so after the
// waiter read `seen`, so the wait returns at once even if it has not started yet. Any waker
// that comes later either finds a new arm (and bumps the counter itself) or finds none because an
// earlier waker already took it, and then the counter has moved past `seen` already; a state
// change published before the waiter armed is seen by its re-check. Waiters wait for the counter
// to *change*, never for a value, so nothing can be skipped.
//
// Why the waker clears the arms instead of the waiter taking its own back when it leaves: a
// sleeping thread needs one notify, not one per message published while it is waking up (the
// old "sleepers" count stayed raised during the many microseconds a futex wake takes, and every
// publish in that window paid an Atomics.notify, which takes a process-wide lock). An arm left
// behind by a waiter whose re-check succeeded costs at most one spare notify later.
// Every wait is bounded by a slice, so even a bug here costs latency, not a hang.
import { BELL_ARMED, BELL_COUNTER } from './layout.js';

/** Wakes the threads parked on the bell at `bell`, if there are any. Cheap when nobody sleeps. */
export function wakeIfSleeping(words: Int32Array, bell: number): void {
  // The plain load first: the exchange is a locked write to a line the waiter also writes.
  if (Atomics.load(words, bell + BELL_ARMED) !== 0 && Atomics.exchange(words, bell + BELL_ARMED, 0) !== 0) {
    Atomics.add(words, bell + BELL_COUNTER, 1);
    Atomics.notify(words, bell + BELL_COUNTER);
  }
}

/**
 * Prepares one park: reads the counter to wait on, then arms the bell. The caller re-checks its
 * condition after this and only then parks with the returned value.
 */
export function armBell(words: Int32Array, bell: number): number {
  const seen = Atomics.load(words, bell + BELL_COUNTER);
  Atomics.add(words, bell + BELL_ARMED, 1);
  return seen;
}

/** Wakes every thread parked on the bell, unconditionally (close() uses this). */
export function wakeAll(words: Int32Array, bell: number): void {
  Atomics.add(words, bell + BELL_COUNTER, 1);
  Atomics.notify(words, bell + BELL_COUNTER);
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// lib ES2023 does not declare Atomics.waitAsync; Node 20 has it.
const atomicsWaitAsync = (Atomics as unknown as {
  waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult;
}).waitAsync;

/**
 * Parks the calling (main) thread's async flow until the bell's counter moves away from `seen`,
 * the slice ends or `abort` settles. A pending Atomics.waitAsync does not keep Node's event loop
 * alive, so a ref'd timer covering the slice does; it also ends the park if the waitAsync
 * resolution is late.
 */
export async function parkAsync(words: Int32Array, bell: number, seen: number, sliceMs: number, abort: Promise<void> | undefined): Promise<void> {
  const result = atomicsWaitAsync(words, bell + BELL_COUNTER, seen, sliceMs);
  if (!result.async) return;
  let timer: NodeJS.Timeout | undefined;
  const keepAlive = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.ceil(sliceMs) + 1);
  });
  try {
    await Promise.race(abort === undefined ? [result.value, keepAlive] : [result.value, keepAlive, abort]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parks a worker thread until the bell's counter moves away from `seen` or the slice ends. */
export function parkSync(words: Int32Array, bell: number, seen: number, sliceMs: number): void {
  Atomics.wait(words, bell + BELL_COUNTER, seen, sliceMs);
}

/** Something to Atomics.wait on that nobody ever notifies: a plain sleep. */
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the calling worker thread for `ms` (never call it on the main thread: it blocks). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepWord, 0, 0, Math.max(0, ms));
}
