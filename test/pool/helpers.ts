// Shared by the pool tests: task module URLs, a pool that is always destroyed after each test,
// and waiting for a condition (with a deadline that fails the test, never a fixed sleep).
import { Pool, type PoolOptions } from '../../src/pool/index.js';

export const ECHO = new URL('./tasks/echo.ts', import.meta.url);
export const BEHAVIOURS = new URL('./tasks/behaviours.ts', import.meta.url);

const open = new Set<Pool<any, any>>();

/** A pool the next `destroyPools()` ends, whatever the test did. */
export function testPool<T = unknown, R = unknown>(options: PoolOptions): Pool<T, R> {
  const pool = new Pool<T, R>(options);
  open.add(pool);
  return pool;
}

export async function destroyPools(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((p) => p.destroy()));
}

/** Resolves once `condition()` holds, checking every few ms; fails after `ms` naming `what`. */
export async function until(what: string, condition: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The rejection of a promise (fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`expected a rejection, got ${String(value)}`);
}
