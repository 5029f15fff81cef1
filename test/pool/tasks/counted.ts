// Task module of the kill test: a task is its index as 4 bytes. Each run adds one to that index
// in a shared run counter and one to its thread's run counter — counts the test keeps itself,
// apart from anything the pool counts. The result is the index and the thread that ran it.
import { threadId } from 'node:worker_threads';
import { workerData } from '../../../src/pool/index.js';

export const THREAD_SLOTS = 256;
// (The test imports THREAD_SLOTS on the main thread, where there is no workerData.)
const shared = workerData as { executions: SharedArrayBuffer; perThread: SharedArrayBuffer } | undefined;
const runs = new Uint8Array(shared?.executions ?? new SharedArrayBuffer(0));
const perThread = new Int32Array(shared?.perThread ?? new SharedArrayBuffer(0));
const slot = threadId % THREAD_SLOTS;

export default function counted(task: Uint8Array): Uint8Array {
  const index = task[0]! | (task[1]! << 8) | (task[2]! << 16) | (task[3]! << 24);
  Atomics.add(runs, index, 1);
  Atomics.add(perThread, slot, 1);
  return new Uint8Array([task[0]!, task[1]!, task[2]!, task[3]!, slot]);
}
