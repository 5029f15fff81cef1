// Task module of the pool tests (codec 'v8'): each task says what to do — return a value, throw,
// reject, exit the thread, run out of memory, sleep — so one module covers every case.
// `workerData` (the pool option) carries shared flags: `exitOnce`/`throwOnce` act only on the
// first run of their index, so the retry can succeed; `runs` counts every run of an index
// (an independent count the tests read from the main thread).
import { workerData } from '../../../src/pool/index.js';

export type Behaviour =
  | { op: 'echo'; value: unknown }
  | { op: 'throw'; message: string; name?: string; code?: string }
  | { op: 'throw-value' }
  | { op: 'reject'; message: string }
  | { op: 'exit'; code?: number }
  | { op: 'exit-once'; index: number }
  | { op: 'throw-once'; index: number }
  | { op: 'sleep'; ms: number; index?: number }
  | { op: 'hold'; gate: number }
  | { op: 'async-sleep'; ms: number }
  | { op: 'oom' }
  | { op: 'bytes'; length: number }
  | { op: 'worker-data' };

interface Shared {
  flags?: SharedArrayBuffer;
  runs?: SharedArrayBuffer;
  label?: string;
}

const shared = (workerData ?? {}) as Shared;
const flags = shared.flags ? new Int32Array(shared.flags) : undefined;
const runs = shared.runs ? new Int32Array(shared.runs) : undefined;
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

export default async function behave(task: Behaviour): Promise<unknown> {
  if ('index' in task && task.index !== undefined && runs) Atomics.add(runs, task.index, 1);
  switch (task.op) {
    case 'echo':
      return task.value;
    case 'throw': {
      const error = new RangeError(task.message);
      if (task.name) error.name = task.name;
      if (task.code) Object.assign(error, { code: task.code });
      throw error;
    }
    case 'throw-value':
      throw 'a plain string';
    case 'reject':
      return Promise.reject(new Error(task.message));
    case 'exit':
      process.exit(task.code ?? 3);
    // falls through (never: process.exit ends the thread)
    case 'exit-once':
      if (Atomics.add(flags!, task.index, 1) === 0) process.exit(7);
      return 'survived';
    case 'throw-once':
      if (Atomics.add(flags!, task.index, 1) === 0) throw new Error('first time fails');
      return 'second time works';
    case 'sleep':
      Atomics.wait(sleepWord, 0, 0, task.ms); // blocks this worker, like CPU work would, without spinning
      return task.ms;
    case 'hold':
      // Blocks this worker (without spinning) until the main thread sets flags[gate] (30 s at most).
      Atomics.wait(flags!, task.gate, 0, 30_000);
      return 'released';
    case 'async-sleep':
      await new Promise((resolve) => setTimeout(resolve, task.ms));
      return 'slept';
    case 'oom': {
      const hoard: unknown[] = [];
      for (;;) hoard.push(new Array(100_000).fill({ grow: hoard.length }));
    }
    case 'bytes':
      return new Uint8Array(task.length).fill(7);
    case 'worker-data':
      return shared.label;
  }
}
