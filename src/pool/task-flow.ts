// The pool's task flow on the main thread: the queue → frames into each ready worker's lane →
// result frames back → each task's promise. It owns every task from run() until it settles, so
// what happens to a task never depends on what the channel underneath could redeliver: a worker
// that dies gives its tasks back here (takeBack), and they run elsewhere.
//
// One loop (pump) reads the result lanes while any task is out. It drains every lane that has
// tasks out, hands out more work, and when nothing came it parks on the pool's bell, which the
// workers ring after each result frame (arm, look again, then park: no wake-up is lost).
import { armBell, parkAsync, wakeAll } from '../../native-queue/index.js';
import { isChannelError, SerializationError } from '../errors.js';
import type { Codec } from './codecs.js';
import { TaskError, WorkerDiedError, type ThrownInfo } from './pool-errors.js';
import type { PoolCounters } from './pool-stats.js';
import type { PoolTask } from './pool-task.js';
import type { PoolThread } from './pool-thread.js';
import { FRAME_HEADER_BYTES, RESULT_OK, RESULT_SKIPPED, RESULT_THREW, ResultFrameReader, TaskFrameWriter } from './task-frames.js';
import { TaskQueue } from './task-queue.js';
import { BELL, FRAMES_SENT } from './thread-control.js';

/** Longest park of the result loop before it looks again (a lost wake-up costs at most this). */
const PARK_SLICE_MS = 50;
/**
 * How long the result loop watches the frame count before it parks. Short: the main thread must
 * not spin for long on a 2-core machine, but a frame that comes within it saves a park and wake.
 */
const WATCH_BEFORE_PARK_MS = 0.02;
/** How much work (in the workers' measured run time) to keep handed out to each worker. */
const TARGET_BACKLOG_MS = 4;
/** Tasks handed to a worker before any run time has been measured. */
const FIRST_IN_FLIGHT = 8;

export interface FlowConfig {
  readonly codec: Codec;
  readonly maxInFlightPerWorker: number;
  readonly maxRetries: number;
  readonly retryOnThrow: number;
  /** A task frame is closed once it holds this many bytes (a bigger task travels alone). */
  readonly frameBytes: number;
}

/** What the flow needs from the set of threads (thread-set.ts). */
export interface ThreadPort {
  /** Threads that take new work. */
  readonly ready: readonly PoolThread[];
  /** Every thread not yet exited (ready, starting, stopping). */
  readonly live: readonly PoolThread[];
  /** Called after each dispatch with what is still queued, so the set can grow. */
  backlog(queued: number, perThread: number): void;
}

const decoder = new TextDecoder();

export class TaskFlow {
  readonly queue = new TaskQueue();
  /** Tasks handed to threads, results not in. */
  inFlight = 0;
  private readonly bell: Int32Array;
  private readonly dying: PoolThread[] = [];
  /** Threads whose lane refused a frame (full): skipped until their next result frame. */
  private readonly laneFull = new Set<PoolThread>();
  private avgRunMs: number | undefined = undefined;
  private pumping = false;
  private dispatchScheduled = false;
  private readonly dispatchNow = () => this.dispatch();
  private idleWaiters: (() => void)[] = [];
  /**
   * The threads are unref'd (an idle pool does not keep the process alive); this timer is ref'd
   * while any task is queued or out, so a process awaiting a task does not exit under it.
   */
  private readonly keepAlive = setInterval(() => {}, 1 << 30);
  private holding = false;

  constructor(
    private readonly config: FlowConfig,
    private readonly threads: ThreadPort,
    private readonly counters: PoolCounters,
    bell: SharedArrayBuffer,
  ) {
    this.bell = new Int32Array(bell);
    this.keepAlive.unref();
  }

  /** Stops the keep-alive timer for good (the pool is closed). */
  dispose(): void {
    clearInterval(this.keepAlive);
  }

  /** Queues a task; dispatch runs once per microtask turn, so a loop of run() calls fills frames. */
  submit(task: PoolTask): void {
    this.queue.push(task);
    if (!this.holding) {
      this.holding = true;
      this.keepAlive.ref();
    }
    if (!this.dispatchScheduled) {
      this.dispatchScheduled = true;
      queueMicrotask(this.dispatchNow);
    }
  }

  /** Resolves once nothing is queued or out (close() waits for it). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Hands queued tasks to ready threads, a frame per thread, shared evenly. */
  dispatch(): void {
    this.dispatchScheduled = false;
    const queue = this.queue;
    if (queue.length > 0) {
      const limit = this.perThreadLimit();
      const ready = this.threads.ready;
      let left = ready.length;
      for (const thread of ready) {
        if (queue.length === 0) break;
        const room = this.laneFull.has(thread) ? 0 : Math.min(thread.room, limit - thread.outstanding);
        // At most a quarter of the limit per frame: the next frames are in the lane before the
        // worker finishes this one, so a busy worker does not park between frames even when the
        // main thread is slow to come back (a futex wake costs tens of µs, more on a busy machine).
        const share = Math.min(Math.ceil(queue.length / left--), Math.ceil(limit / 4));
        if (room > 0) this.sendFrame(thread, Math.min(room, share));
      }
      this.threads.backlog(queue.length, limit);
    }
    if (this.inFlight > 0 || this.dying.length > 0) void this.pump();
    this.checkIdle();
  }

  /** A thread exited with tasks out: the loop takes them back at a safe point (after their results). */
  threadDied(thread: PoolThread): void {
    this.dying.push(thread);
    this.laneFull.delete(thread);
    wakeAll(this.bell, BELL);
    void this.pump();
  }

  /** Settles a task once; later results for it are dropped. */
  settle(task: PoolTask, ok: boolean, value: unknown): void {
    if (task.state === 'settled') return;
    task.state = 'settled';
    if (task.onAbort !== undefined) task.signal!.removeEventListener('abort', task.onAbort);
    this.counters.latency.record(performance.now() - task.submittedAt);
    if (ok) {
      this.counters.completed++;
      task.resolve(value);
    } else {
      this.counters.failed++;
      task.reject(value);
    }
  }

  /** Every task out with `thread`, taken back from it (destroy, a thread that died). */
  releaseAll(thread: PoolThread): PoolTask[] {
    const tasks = thread.releaseAll();
    this.inFlight -= tasks.length;
    return tasks;
  }

  private perThreadLimit(): number {
    const max = this.config.maxInFlightPerWorker;
    if (this.avgRunMs === undefined) return Math.min(FIRST_IN_FLIGHT, max);
    return Math.max(1, Math.min(max, Math.ceil(TARGET_BACKLOG_MS / Math.max(this.avgRunMs, 1e-4))));
  }

  private sendFrame(thread: PoolThread, max: number): void {
    const queue = this.queue;
    const picked: PoolTask[] = [];
    let bytes = FRAME_HEADER_BYTES;
    while (picked.length < max) {
      const next = queue.peek();
      if (next === undefined) break;
      const size = TaskFrameWriter.entryBytes(next.data.length);
      if (picked.length > 0 && bytes + size > this.config.frameBytes) break;
      queue.shift();
      picked.push(next);
      bytes += size;
    }
    if (picked.length === 0) return;
    const writer = new TaskFrameWriter(bytes);
    for (const task of picked) writer.add(thread.assign(task), task.data);
    this.inFlight += picked.length;
    thread.tasks.send(writer.frame).catch((err: unknown) => this.frameRefused(thread, picked, err));
  }

  /** The lane did not take a frame: its tasks go back to the front of the queue. */
  private frameRefused(thread: PoolThread, picked: readonly PoolTask[], err: unknown): void {
    const back: PoolTask[] = [];
    for (const task of picked) {
      if (task.thread !== thread || task.state !== 'dispatched') continue; // taken back already
      thread.release(task.slot);
      this.inFlight--;
      task.state = 'queued';
      back.push(task);
    }
    if (isChannelError(err, 'ChannelFull')) this.laneFull.add(thread);
    else if (!isChannelError(err, 'ChannelClosed')) {
      // Not a full or closed lane: a bug, not a state to wait out. Fail these tasks with it.
      for (const task of back) this.settle(task, false, err);
      return;
    }
    this.queue.pushFront(back);
    this.dispatch();
  }

  /** The result loop: runs while tasks are out or dead threads wait to be handled. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inFlight > 0 || this.dying.length > 0) {
        if (this.dying.length > 0) await this.takeBackFromDead();
        let got = await this.collect();
        if (got > 0) {
          this.dispatch();
          continue;
        }
        if (this.frameComing()) continue;
        const seen = armBell(this.bell, BELL);
        got = await this.collect();
        if (got > 0 || this.dying.length > 0) {
          this.dispatch();
          continue;
        }
        await parkAsync(this.bell, BELL, seen, PARK_SLICE_MS, undefined);
      }
    } finally {
      this.pumping = false;
    }
    this.checkIdle();
  }

  /** Watches the workers' frame count for a few µs: true when a frame was sent meanwhile. */
  private frameComing(): boolean {
    const before = Atomics.load(this.bell, FRAMES_SENT);
    const until = performance.now() + WATCH_BEFORE_PARK_MS;
    while (performance.now() < until) {
      if (Atomics.load(this.bell, FRAMES_SENT) !== before) return true;
    }
    return false;
  }

  /** Reads every result frame waiting on the lanes of live threads with tasks out. */
  private async collect(): Promise<number> {
    let got = 0;
    for (const thread of this.threads.live.slice()) {
      if (thread.outstanding > 0 && thread.state !== 'exited') got += await this.drain(thread);
    }
    return got;
  }

  private async drain(thread: PoolThread): Promise<number> {
    let got = 0;
    for (;;) {
      let frame: Uint8Array | undefined;
      try {
        frame = await thread.results.tryReceive();
      } catch (err) {
        if (isChannelError(err, 'ChannelClosed')) return got;
        throw err;
      }
      if (frame === undefined) return got;
      got += this.handleResults(thread, frame);
    }
  }

  private handleResults(thread: PoolThread, frame: Uint8Array): number {
    this.laneFull.delete(thread);
    const reader = new ResultFrameReader(frame);
    const codec = this.config.codec;
    for (let i = 0; i < reader.count; i++) {
      reader.next();
      const task = thread.release(reader.slot);
      if (task === undefined) continue;
      this.inFlight--;
      if (reader.status === RESULT_SKIPPED) {
        if (task.state !== 'settled') this.putBack([task]); // not ours to skip: run it after all
        continue;
      }
      this.counters.runTime.record(reader.runMs);
      this.avgRunMs = this.avgRunMs === undefined ? reader.runMs : this.avgRunMs * 0.95 + reader.runMs * 0.05;
      if (task.state === 'settled') continue; // aborted while it ran
      if (reader.status === RESULT_OK) {
        let value: unknown;
        try {
          value = codec.decode(reader.data);
        } catch (err) {
          this.settle(task, false, new SerializationError(`the task's result could not be decoded with codec '${codec.name}': ${(err as Error).message}`, { cause: err }));
          continue;
        }
        this.settle(task, true, value);
      } else if (reader.status === RESULT_THREW) {
        if (task.thrownRetries < this.config.retryOnThrow) {
          task.thrownRetries++;
          this.counters.retried++;
          this.putBack([task]);
        } else {
          this.settle(task, false, new TaskError(JSON.parse(decoder.decode(reader.data)) as ThrownInfo));
        }
      }
    }
    return reader.count;
  }

  /**
   * Dead threads: first every result frame they finished (those tasks are done), then the rest of
   * their tasks go back to the front of the queue. Only the task that was running when the
   * thread died is charged an attempt; past maxRetries it fails with WorkerDiedError.
   */
  private async takeBackFromDead(): Promise<void> {
    while (this.dying.length > 0) {
      const thread = this.dying.shift()!;
      const running = thread.runningSlot();
      const culprit = running >= 0 ? thread.slots[running] : undefined;
      await this.drain(thread);
      const back: PoolTask[] = [];
      for (const task of this.releaseAll(thread)) {
        if (task.state === 'settled') continue;
        if (task === culprit) {
          task.attempts++;
          if (task.attempts > this.config.maxRetries) {
            this.settle(task, false, new WorkerDiedError(task.attempts, describeDeath(thread), thread.error));
            continue;
          }
        }
        this.counters.retried++;
        back.push(task);
      }
      this.putBack(back);
      void thread.closeLanes();
    }
  }

  private putBack(tasks: PoolTask[]): void {
    for (const task of tasks) task.state = 'queued';
    this.queue.pushFront(tasks);
    if (!this.dispatchScheduled) {
      this.dispatchScheduled = true;
      queueMicrotask(this.dispatchNow);
    }
  }

  /** Rejects every queued task (destroy, a worker that cannot start). */
  rejectQueued(error: () => Error): void {
    for (const task of this.queue.drainAll()) this.settle(task, false, error());
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    if (this.holding) {
      this.holding = false;
      this.keepAlive.unref();
    }
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function describeDeath(thread: PoolThread): string {
  const error = thread.error as { code?: string; message?: string } | undefined;
  if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory under the pool\'s resourceLimits';
  if (error !== undefined) return `it threw outside the task: ${error.message ?? String(error)}`;
  return thread.exitCode === undefined ? 'it exited' : `it exited with code ${thread.exitCode}`;
}
