// Pool: CPU-parallel worker threads in one Node process, with the API a piscina user knows —
// `new Pool({ filename, minThreads, maxThreads, idleTimeoutMs, maxQueue, resourceLimits })`,
// `run(task, { signal })`, `close()`, `destroy()` — and the work travelling through in-memory
// channels over SharedArrayBuffers (two lanes per worker, many tasks per frame), never one
// postMessage per task. See README.md for what it promises and what it costs.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { InMemoryChannel } from '../backends/memory/index.js';
import type { Channel } from '../channel.js';
import { abortedError } from '../deadline.js';
import { ChannelClosedError, ChannelFullError, InvalidConfigurationError, SerializationError } from '../errors.js';
import { feedPool, type FeedOptions, type PoolFeed } from './channel-feed.js';
import { codecNamed, type Codec } from './codecs.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './pool-options.js';
import { PoolCounters, type PoolStats } from './pool-stats.js';
import { PoolTask } from './pool-task.js';
import { laneOptions } from './pool-thread.js';
import { TaskFlow } from './task-flow.js';
import { FRAME_HEADER_BYTES, TASK_ENTRY_HEADER_BYTES } from './task-frames.js';
import { createBell } from './thread-control.js';
import { ThreadSet } from './thread-set.js';

/** Task frames close at this size (a bigger task travels in a frame of its own). */
const FRAME_BYTES = 64 * 1024;

export interface RunOptions {
  /** Aborting rejects the task with Aborted: a queued task never runs, a running one has its thread terminated (and replaced). */
  signal?: AbortSignal;
}

export interface CloseOptions {
  /** Longest close() waits for queued and running tasks; those left then reject with ChannelClosed. Default: no limit. */
  timeoutMs?: number;
}

export class Pool<Task = unknown, Result = unknown> extends EventEmitter {
  readonly options: Readonly<ResolvedPoolOptions>;
  /** The largest task, in bytes once encoded, one lane can carry. */
  readonly maxTaskBytes: number;
  readonly #codec: Codec;
  readonly #counters = new PoolCounters();
  readonly #flow: TaskFlow;
  readonly #threads: ThreadSet;
  #seq = 0;
  #closing: Promise<void> | undefined;
  #destroyed = false;

  constructor(options: PoolOptions) {
    super();
    const o = resolvePoolOptions(options);
    this.options = Object.freeze(o);
    this.#codec = codecNamed(o.codec);
    // What one lane carries at most, read from a lane's own capabilities (so it stays true if the
    // in-memory backend's limits change).
    const probe = new InMemoryChannel(laneOptions(o.laneBytes));
    const laneMax = probe.capabilities.maxMessageBytes;
    void probe.close();
    this.maxTaskBytes = laneMax - FRAME_HEADER_BYTES - TASK_ENTRY_HEADER_BYTES;
    const bell = createBell();
    this.#threads = new ThreadSet(
      {
        filename: o.filename,
        exportName: o.name,
        codec: o.codec,
        laneBytes: o.laneBytes,
        slots: o.maxInFlightPerWorker,
        frameBytes: Math.min(FRAME_BYTES, laneMax),
        resourceLimits: o.resourceLimits,
        userData: o.workerData,
        bell,
      },
      o,
      this.#counters,
      this,
    );
    this.#flow = new TaskFlow(
      { codec: this.#codec, maxInFlightPerWorker: o.maxInFlightPerWorker, maxRetries: o.maxRetries, retryOnThrow: o.retryOnThrow, frameBytes: Math.min(FRAME_BYTES, laneMax) },
      this.#threads,
      this.#counters,
      bell,
    );
    this.#threads.flow = this.#flow;
    this.#threads.startMinimum();
  }

  /**
   * Runs `task` on a worker thread; resolves to what the task function returned. Rejects with the
   * task's own error (TaskError), WorkerDiedError (its thread died on every attempt), Aborted,
   * ChannelFull (maxQueue reached), ChannelClosed (after close/destroy) or SerializationError.
   * With codec 'bytes' the task's bytes are read when it is handed to a worker: leave them alone
   * until the promise settles.
   */
  run(task: Task, options?: RunOptions): Promise<Result> {
    if (this.#closing !== undefined) {
      return Promise.reject(new ChannelClosedError(this.#destroyed ? 'the pool was destroyed; make a new Pool' : 'the pool is closing and takes no more tasks; make a new Pool'));
    }
    const signal = options?.signal;
    if (options !== undefined && (options === null || typeof options !== 'object' || (signal !== undefined && !(signal instanceof AbortSignal)))) {
      return Promise.reject(new InvalidConfigurationError('run() takes (task, { signal? }) where signal is an AbortSignal'));
    }
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'before the task was queued'));
    if (this.#flow.queue.length >= this.options.maxQueue) {
      return Promise.reject(new ChannelFullError(`the pool's queue holds its maxQueue of ${this.options.maxQueue} tasks; wait for some to finish, or raise maxQueue`));
    }
    let data: Uint8Array;
    try {
      data = this.#codec.encode(task, 'the task');
    } catch (err) {
      return Promise.reject(err);
    }
    if (data.length > this.maxTaskBytes) {
      return Promise.reject(new SerializationError(`the task is ${data.length} bytes encoded; a pool lane carries at most ${this.maxTaskBytes}: split it, or raise the pool's laneBytes`));
    }
    return new Promise<Result>((resolve, reject) => {
      const queued = new PoolTask(this.#seq++, data, resolve as (v: unknown) => void, reject, signal, performance.now());
      if (signal !== undefined) {
        queued.onAbort = () => this.#abort(queued);
        signal.addEventListener('abort', queued.onAbort, { once: true });
      }
      this.#flow.submit(queued);
    });
  }

  /**
   * Takes deliveries from `input` (any backend), runs each as a task and sends its result to
   * `output`, acking the input once the result is sent (nack with the error when the task fails).
   * See channel-feed.ts.
   */
  consume(input: Channel, output: Channel, options?: FeedOptions): PoolFeed {
    return feedPool(this as Pool<Uint8Array, Uint8Array>, input, output, options);
  }

  /** Threads alive now (starting, running, idle, stopping): the number stats().threads gives, without building the stats. */
  get liveThreads(): number {
    return this.#threads.live.length;
  }

  /** Threads ready to run tasks (Node Worker objects). */
  get threads(): readonly Worker[] {
    return this.#threads.workers;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const t of this.#threads.live) if (t.outstanding > 0) busy++;
    return this.#counters.snapshot({ threads: this.#threads.live.length, busyThreads: busy, queued: this.#flow.queue.length, inFlight: this.#flow.inFlight });
  }

  /** Takes no more tasks, lets the queued and running ones finish, then stops every thread. */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new InvalidConfigurationError(`close() timeoutMs is ${String(timeoutMs)}; use a number of ms >= 0, or leave it out to wait for every task`));
    }
    this.#closing = (async () => {
      const finished = await waitAtMost(this.#flow.idle(), timeoutMs);
      if (!finished) this.#rejectEverything(() => new ChannelClosedError(`the pool closed before this task finished (close() timeoutMs ${timeoutMs} ran out)`));
      await this.#threads.stopAll(finished ? 'close' : 'destroy');
      this.#flow.dispose();
    })();
    return this.#closing;
  }

  /** Stops at once: queued and running tasks reject with ChannelClosed, every thread is terminated. */
  destroy(): Promise<void> {
    if (this.#destroyed) return this.#closing!;
    this.#destroyed = true;
    const pending = this.#closing;
    this.#rejectEverything(() => new ChannelClosedError('the pool was destroyed before this task finished'));
    this.#closing = (async () => {
      await this.#threads.stopAll('destroy');
      this.#flow.dispose();
      await pending;
    })();
    return this.#closing;
  }

  #rejectEverything(error: () => Error): void {
    this.#flow.rejectQueued(error);
    for (const thread of this.#threads.live) {
      for (const task of this.#flow.releaseAll(thread)) this.#flow.settle(task, false, error());
    }
  }

  #abort(task: PoolTask): void {
    if (task.state === 'settled') return;
    const thread = task.thread;
    const wasQueued = task.state === 'queued';
    this.#counters.cancelled++;
    this.#counters.failed--; // settle() counts a rejection as failed; an abort is counted apart
    this.#flow.settle(task, false, abortedError(task.signal!, 'while the task was ' + (wasQueued ? 'queued' : 'handed to a worker')));
    if (wasQueued) {
      this.#flow.queue.forgetOne();
      return;
    }
    if (thread === undefined) return;
    thread.cancel(task.slot);
    // Already running: only ending its thread stops it (piscina does the same). The others
    // handed to that thread go back to the queue, uncharged.
    if (thread.runningSlot() === task.slot) void thread.terminate('abort');
  }
}

async function waitAtMost(work: Promise<void>, timeoutMs: number): Promise<boolean> {
  if (timeoutMs === Infinity) {
    await work;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([work.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
