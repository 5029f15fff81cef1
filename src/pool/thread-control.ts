// The words one pool worker and the main thread share besides its two lanes, and the pool-wide
// results bell. Plain Int32Arrays over SharedArrayBuffers, written with Atomics.
//
// Per worker (`control`):
//   [RUNNING]          slot + 1 of the task the worker is running now, 0 between tasks. Read by
//                      the main thread when the worker died (the task that was running is the
//                      one charged an attempt: the others in its lane did not take it down) and
//                      when a running task is aborted (its thread is then terminated).
//   [CANCELLED + s]    1: the task in slot s was aborted; the worker skips it if it has not started.
// Pool-wide (`bell`): one native-queue bell line the workers ring after sending results, so the
//                      main thread parks on one word whatever worker answers; and on the next
//                      line [FRAMES_SENT], a count of result frames sent, which the main thread
//                      watches for a few µs before it parks (a park and wake costs tens of µs).

export const RUNNING = 0;
export const CANCELLED = 1;
export const BELL = 0;
/** Word index of the result-frame count (its own 128-byte line, apart from the bell's). */
export const FRAMES_SENT = 32;
export const BELL_BYTES = 256;

export function createControl(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer((CANCELLED + slots) * 4);
}

export function createBell(): SharedArrayBuffer {
  return new SharedArrayBuffer(BELL_BYTES);
}

/** What a pool worker gets in its workerData. */
export interface PoolWorkerSetup {
  /** The worker script itself (the development boot imports it after registering tsx). */
  readonly entry: string;
  readonly filename: string;
  readonly exportName: string;
  readonly codec: string;
  readonly tasks: unknown;
  readonly results: unknown;
  readonly control: SharedArrayBuffer;
  readonly bell: SharedArrayBuffer;
  /** Flush a result frame once it holds this many bytes. */
  readonly frameBytes: number;
  /** The pool's `workerData` option, for the task module (see worker-data.ts). */
  readonly userData: unknown;
}
