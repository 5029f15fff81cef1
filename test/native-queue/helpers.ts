// Shared by the native-queue tests: starting TypeScript worker scripts, deadlines, and the
// per-producer tallies of the stress tests.
import { Worker } from 'node:worker_threads';
import { within as withinMs } from '../support/services.js';

const BOOT_URL = new URL('../support/tsx-worker.mjs', import.meta.url);

export interface TestWorker {
  readonly worker: Worker;
  /** The next message the worker posts (rejects if it fails or exits first). */
  next<T = unknown>(): Promise<T>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
}

/** Starts `workers/<name>.ts` with `data` as its workerData. */
export function startWorker(name: string, data: object): TestWorker {
  const script = new URL(`./workers/${name}.ts`, import.meta.url).href;
  const worker = new Worker(BOOT_URL, { workerData: { ...data, script } });
  const inbox: unknown[] = [];
  const waiters: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiters.splice(0)) w.reject(failure);
  };
  worker.on('message', (m) => {
    const w = waiters.shift();
    if (w) w.resolve(m);
    else inbox.push(m);
  });
  worker.on('error', (e) => fail(new Error(`worker ${name} failed: ${e.message}`, { cause: e })));
  const exited = new Promise<number>((resolve) => {
    worker.on('exit', (code) => {
      fail(new Error(`worker ${name} exited (code ${code}) before posting`));
      resolve(code);
    });
  });
  return {
    worker,
    exited,
    next: <T>() =>
      new Promise<T>((resolve, reject) => {
        if (inbox.length > 0) resolve(inbox.shift() as T);
        else if (failure) reject(failure);
        else waiters.push({ resolve: resolve as (m: unknown) => void, reject });
      }),
  };
}

/** Rejects if `promise` does not settle within `ms` (uvu has no per-test timeout). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withinMs(ms, what, promise);
}

/** One tally per producer: byte `seq` counts how many times message `seq` was delivered. */
export function makeTallies(counts: number[]): SharedArrayBuffer[] {
  return counts.map((count) => new SharedArrayBuffer(count));
}

/** Describes what is wrong with a tally, given how many messages must have arrived exactly once. */
export function checkTally(buffer: SharedArrayBuffer, delivered: number, producer: number): string | undefined {
  const tally = new Uint8Array(buffer);
  for (let seq = 0; seq < tally.length; seq++) {
    const expected = seq < delivered ? 1 : 0;
    if (tally[seq] !== expected) return `producer ${producer}: message ${seq} delivered ${tally[seq]} times, expected ${expected}`;
  }
  return undefined;
}

/** What a consumer's MPMC handle recovered (its MpmcRing counters). */
export interface Recovery {
  claimsAbandoned: number;
  recordsAdopted: number;
  releasesTakenOver: number;
}

export interface ConsumerReport {
  received: number[];
  problems: string[];
  /** mpmc only. */
  recovery?: Recovery;
}

/** The recovery counters of several consumers, added up. */
export function totalRecovery(reports: readonly ConsumerReport[]): Recovery {
  const total: Recovery = { claimsAbandoned: 0, recordsAdopted: 0, releasesTakenOver: 0 };
  for (const r of reports) {
    total.claimsAbandoned += r.recovery?.claimsAbandoned ?? 0;
    total.recordsAdopted += r.recovery?.recordsAdopted ?? 0;
    total.releasesTakenOver += r.recovery?.releasesTakenOver ?? 0;
  }
  return total;
}
