// Waking and parking on a bell (one 128-byte line: [sleepers, counter], see layout.ts).
//
// The protocol that avoids lost wake-ups, with every step sequentially consistent:
//   waiter: sleepers += 1; seen = counter; re-check the condition; wait(counter, seen, slice)
//   waker:  change the state (publish an index, set closed); if sleepers != 0: counter += 1; notify
// Either the waker sees the waiter's sleepers increment (and bumps the counter, which makes the
// wait return at once even if it has not started yet), or the waiter's re-check sees the waker's
// state change. Waiters wait for the counter to *change*, never for a value, so nothing can be
// skipped. Every wait is bounded by a slice, so even a bug here costs latency, not a hang.
import { BELL_COUNTER, BELL_SLEEPERS } from './layout.js';

/** Wakes the threads parked on the bell at `bell`, if there are any. Cheap when nobody sleeps. */
export function wakeIfSleeping(words: Int32Array, bell: number): void {
  if (Atomics.load(words, bell + BELL_SLEEPERS) !== 0) wakeAll(words, bell);
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
