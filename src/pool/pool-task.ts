// One task on the main thread, from run() until its promise settles. The pool keeps it (not the
// channel) until its result is in, so a task handed to a worker that dies is put back and run
// elsewhere, whatever the channel underneath could or could not have redelivered.
import type { PoolThread } from './pool-thread.js';

export type TaskState = 'queued' | 'dispatched' | 'settled';

export class PoolTask {
  state: TaskState = 'queued';
  /** Starts counted on threads that died while running it (the running one: see thread-control.ts). */
  attempts = 0;
  /** Failures it has been retried after (retryOnThrow). */
  thrownRetries = 0;
  thread: PoolThread | undefined = undefined;
  slot = -1;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    /** Submission order: tasks put back after a death go in again in this order. */
    readonly seq: number,
    readonly data: Uint8Array,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly submittedAt: number,
  ) {}
}
