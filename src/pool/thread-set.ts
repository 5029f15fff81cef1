// The pool's threads and how many there are: minThreads started at once and kept; more started
// when the queue backs up (as many as the backlog needs, up to maxThreads); a thread idle for
// idleTimeoutMs stopped, down to minThreads; a thread that died replaced. A worker that cannot
// start (its task module throws on import, or it exits before it is ready, again and again)
// fails the queued tasks with the reason instead of being restarted for ever.
import type { EventEmitter } from 'node:events';
import { InvalidConfigurationError } from '../errors.js';
import type { PoolCounters } from './pool-stats.js';
import { PoolThread, type ThreadConfig } from './pool-thread.js';
import type { TaskFlow, ThreadPort } from './task-flow.js';

/** Threads that exit before they are ready this many times in a row (with none ready between) fail the queue. */
const SILENT_START_FAILURES = 5;

export interface ThreadExit {
  /** The pool's own number for the thread, and Node's threadId. */
  id: number;
  threadId: number;
  /** 'idle', 'close', 'destroy', 'abort' (the pool ended it), 'died' or 'start-failed'. */
  reason: string;
  code: number;
}

export class ThreadSet implements ThreadPort {
  ready: PoolThread[] = [];
  live: PoolThread[] = [];
  flow!: TaskFlow;
  /** No more threads are started (destroy, or close() once the work is done). */
  stopping = false;
  private silentStartFailures = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ThreadConfig,
    private readonly bounds: { minThreads: number; maxThreads: number; idleTimeoutMs: number },
    private readonly counters: PoolCounters,
    private readonly events: EventEmitter,
  ) {
    if (bounds.minThreads < bounds.maxThreads && Number.isFinite(bounds.idleTimeoutMs)) {
      const every = Math.max(5, Math.min(bounds.idleTimeoutMs / 2, 1000));
      this.sweeper = setInterval(() => this.stopIdle(), every);
      this.sweeper.unref();
    }
  }

  startMinimum(): void {
    while (!this.stopping && this.live.length < this.bounds.minThreads) this.start();
  }

  /** From the flow after each dispatch: grows while tasks wait that no ready thread has room for. */
  backlog(queued: number, perThread: number): void {
    if (queued === 0 || this.stopping) return;
    let starting = 0;
    for (const t of this.live) if (t.state === 'starting') starting++;
    let want = Math.ceil(queued / perThread) - starting;
    while (want-- > 0 && this.live.length < this.bounds.maxThreads) this.start();
  }

  /** Stops threads idle past idleTimeoutMs, down to minThreads. */
  stopIdle(): void {
    const now = performance.now();
    let staying = 0;
    for (const t of this.live) if (t.state !== 'stopping') staying++;
    for (const thread of this.ready.slice()) {
      if (staying <= this.bounds.minThreads) return;
      if (thread.outstanding === 0 && now - thread.idleSince >= this.bounds.idleTimeoutMs) {
        this.ready = this.ready.filter((t) => t !== thread);
        staying--;
        void thread.stop('idle');
      }
    }
  }

  /** Stops every thread (close): each drains its lane, which is empty by then, and exits. */
  async stopAll(reason: 'close' | 'destroy'): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const all = this.live.slice();
    this.ready = [];
    await Promise.all(all.map((t) => (reason === 'destroy' ? t.terminate(reason) : t.stop(reason))));
  }

  get workers() {
    return this.ready.map((t) => t.worker);
  }

  private start(): void {
    const thread = new PoolThread(this.config, { ready: (t) => this.onReady(t), exit: (t, code) => this.onExit(t, code) });
    this.live.push(thread);
    this.counters.threadsStarted++;
    this.counters.peakThreads = Math.max(this.counters.peakThreads, this.live.length);
  }

  private onReady(thread: PoolThread): void {
    this.silentStartFailures = 0;
    if (this.stopping) {
      void thread.stop('close');
      return;
    }
    this.ready.push(thread);
    this.events.emit('threadStart', { id: thread.id, threadId: thread.worker.threadId });
    this.flow.dispatch();
  }

  private onExit(thread: PoolThread, code: number): void {
    this.ready = this.ready.filter((t) => t !== thread);
    this.live = this.live.filter((t) => t !== thread);
    const neverReady = thread.endedBy === undefined && !thread.everReady;
    const reason = thread.endedBy ?? (neverReady ? 'start-failed' : 'died');
    if (thread.endedBy === undefined) this.counters.threadDeaths++;
    else this.counters.threadsStopped++;
    this.events.emit('threadExit', { id: thread.id, threadId: thread.threadId, reason, code } satisfies ThreadExit);
    if (thread.outstanding > 0) this.flow.threadDied(thread);
    else void thread.closeLanes();
    if (reason === 'start-failed' && this.failedToStart(thread, code)) return;
    if (!this.stopping) this.startMinimum();
    this.flow.dispatch();
  }

  /** True when the queue was failed: no thread is ready and this one could not start. */
  private failedToStart(thread: PoolThread, code: number): boolean {
    if (this.ready.length > 0) return false;
    const error = thread.error;
    if (error === undefined && ++this.silentStartFailures < SILENT_START_FAILURES) return false;
    const why = error !== undefined ? `loading failed: ${(error as Error).message ?? String(error)}` : `it exited with code ${code} before it was ready, ${SILENT_START_FAILURES} times in a row`;
    this.silentStartFailures = 0;
    this.flow.rejectQueued(() => new InvalidConfigurationError(`the pool's worker thread could not start (${why}); check the pool's filename and the module's top-level code`, { cause: error }));
    return true;
  }
}
