// Small helpers shared by the memory backend's tests.
import { Worker } from 'node:worker_threads';
import type { InMemoryChannelDescriptor } from '../../src/backends/memory/index.js';
import type { ChannelError } from '../../src/errors.js';
import { within } from '../support/services.js';

export { within };

export const bytes = (...values: number[]) => new Uint8Array(values);

/** The error code a promise rejects with (undefined when it resolves). */
export async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    return (err as ChannelError).code ?? String(err);
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BOOT = new URL('../support/tsx-worker.mjs', import.meta.url);
const SCRIPT = new URL('./workers/channel-worker.ts', import.meta.url).href;
const running = new Set<Worker>();

/**
 * Starts workers/channel-worker.ts on `task` with a channel's descriptor. `next(what)` resolves
 * with the worker's next message (or fails after 15 s, naming `what`); a worker error fails it too.
 */
export function startChannelWorker(task: string, descriptor: InMemoryChannelDescriptor, extra: Record<string, unknown> = {}) {
  const worker = new Worker(BOOT, { workerData: { script: SCRIPT, task, descriptor, ...extra } });
  running.add(worker);
  const messages: unknown[] = [];
  const waiters: { resolve: (m: unknown) => void; reject: (err: unknown) => void }[] = [];
  let failure: unknown;
  worker.on('message', (m) => (waiters.length ? waiters.shift()!.resolve(m) : messages.push(m)));
  worker.on('error', (err) => {
    failure = err;
    for (const w of waiters.splice(0)) w.reject(err);
  });
  const next = <T>(what: string, ms = 15_000): Promise<T> =>
    within(
      ms,
      `worker ${task}: ${what}`,
      new Promise<T>((resolve, reject) => {
        if (messages.length) resolve(messages.shift() as T);
        else if (failure !== undefined) reject(failure);
        else waiters.push({ resolve: resolve as (m: unknown) => void, reject });
      }),
    );
  return { worker, next };
}

/** Terminates every worker startChannelWorker started (for test.after.each). */
export async function terminateChannelWorkers(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
  running.clear();
}

/** A 4-byte big-endian message carrying n, and the reading back. */
export function u32(n: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, n);
  return data;
}
export const readU32 = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset).getUint32(0);
