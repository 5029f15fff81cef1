// One worker thread of a pool, as the main thread sees it: the Worker, its two lanes (in-memory
// channels: tasks in, results out — its own, so a thread killed halfway through writing a frame
// stalls nobody else's ring), the words it shares with the main thread (thread-control.ts) and
// the table of tasks handed to it, by slot.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { InMemoryChannel } from '../backends/memory/index.js';
import type { PoolTask } from './pool-task.js';
import { CANCELLED, createControl, RUNNING, type PoolWorkerSetup } from './thread-control.js';

// From the TypeScript sources (tests, tsx) the worker needs tsx registered first: a worker thread
// does not inherit its parent's loader under Node 20. The built package starts the .js directly.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_SCRIPT = new URL(`../../workers/pool-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
const WORKER_START = FROM_SOURCE ? new URL('../../workers/pool-worker-dev.mjs', import.meta.url) : WORKER_SCRIPT;

/**
 * A worker inherits its parent's Node flags; --input-type (a parent started with `node
 * --input-type=module -e …`) applies to string input only and makes a worker fail to load.
 */
const WORKER_EXEC_ARGV = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));

/** A worker asked to stop that has not exited after this long is terminated. */
const STOP_GRACE_MS = 5000;

export interface ThreadConfig {
  readonly filename: string;
  readonly exportName: string;
  readonly codec: string;
  readonly laneBytes: number;
  readonly slots: number;
  readonly frameBytes: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly userData: unknown;
  readonly bell: SharedArrayBuffer;
}

export interface ThreadEvents {
  ready(thread: PoolThread): void;
  exit(thread: PoolThread, code: number): void;
}

export type ThreadState = 'starting' | 'ready' | 'stopping' | 'exited';

let nextThreadId = 1;

export function laneOptions(laneBytes: number) {
  // at-most-once: the pool tracks every task itself (pool-task.ts), so the lanes need no leases.
  // (The lease log still bounds the largest message, so it is as large as the ring.)
  return { delivery: 'at-most-once', capacityBytes: laneBytes, leaseBytes: laneBytes, maxSubscribers: 0, subscriberCapacityBytes: 256 } as const;
}

export class PoolThread {
  readonly id = nextThreadId++;
  readonly worker: Worker;
  readonly threadId: number;
  /** main → worker; 'error' backpressure: a frame that does not fit now is taken back, never waited on. */
  readonly tasks: InMemoryChannel;
  /** worker → main; the worker blocks while it is full. */
  readonly results: InMemoryChannel;
  readonly control: Int32Array;
  readonly slots: (PoolTask | undefined)[];
  state: ThreadState = 'starting';
  /** It reported ready once (a thread that exits without ever doing so failed to start). */
  everReady = false;
  /** Why the pool ended it ('idle', 'close', 'abort', 'destroy'); undefined: it died on its own. */
  endedBy: string | undefined = undefined;
  /** The worker's 'error' event, if it had one (it exits right after). */
  error: unknown = undefined;
  exitCode: number | undefined = undefined;
  outstanding = 0;
  idleSince = performance.now();
  readonly exited: Promise<number>;
  private readonly free: number[];
  private stopTimer: NodeJS.Timeout | undefined;

  constructor(config: ThreadConfig, events: ThreadEvents) {
    this.tasks = new InMemoryChannel({ ...laneOptions(config.laneBytes), backpressure: 'error' });
    this.results = new InMemoryChannel({ ...laneOptions(config.laneBytes), backpressure: 'block' });
    const control = createControl(config.slots);
    this.control = new Int32Array(control);
    this.slots = new Array(config.slots).fill(undefined);
    this.free = Array.from({ length: config.slots }, (_, i) => config.slots - 1 - i);
    const setup: PoolWorkerSetup = {
      entry: WORKER_SCRIPT.href,
      filename: config.filename,
      exportName: config.exportName,
      codec: config.codec,
      tasks: this.tasks.describe(),
      results: this.results.describe(),
      control,
      bell: config.bell,
      frameBytes: config.frameBytes,
      userData: config.userData,
    };
    this.worker = new Worker(WORKER_START, { workerData: setup, resourceLimits: config.resourceLimits, execArgv: WORKER_EXEC_ARGV });
    this.threadId = this.worker.threadId; // the Worker's own reads -1 once it has exited
    // An idle pool does not keep the process alive; while tasks are out, the pool's result loop does.
    this.worker.unref();
    this.worker.once('message', () => {
      this.everReady = true;
      if (this.state !== 'starting') return;
      this.state = 'ready';
      events.ready(this);
    });
    this.worker.on('error', (err) => {
      this.error ??= err;
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.state = 'exited';
        this.exitCode = code;
        if (this.stopTimer) clearTimeout(this.stopTimer);
        resolve(code);
        events.exit(this, code);
      });
    });
  }

  /** Slots free for more tasks. */
  get room(): number {
    return this.free.length;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  /** The slot of the task the worker is running now, or -1. */
  runningSlot(): number {
    return Atomics.load(this.control, RUNNING) - 1;
  }

  assign(task: PoolTask): number {
    const slot = this.free.pop()!;
    this.slots[slot] = task;
    this.outstanding++;
    task.state = 'dispatched';
    task.thread = this;
    task.slot = slot;
    return slot;
  }

  /** The task in `slot`, taken out of the table (undefined if the slot is empty). */
  release(slot: number): PoolTask | undefined {
    const task = this.slots[slot];
    if (task === undefined) return undefined;
    this.slots[slot] = undefined;
    this.free.push(slot);
    if (--this.outstanding === 0) this.idleSince = performance.now();
    if (task.state === 'settled') Atomics.store(this.control, CANCELLED + slot, 0); // it was aborted
    task.thread = undefined;
    task.slot = -1;
    return task;
  }

  /** Every task still in the table, taken out, in submission order. */
  releaseAll(): PoolTask[] {
    const out: PoolTask[] = [];
    for (let slot = 0; slot < this.slots.length; slot++) {
      const task = this.release(slot);
      if (task !== undefined) out.push(task);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Marks a handed-out task as cancelled, so the worker skips it if it has not started it. */
  cancel(slot: number): void {
    Atomics.store(this.control, CANCELLED + slot, 1);
  }

  /** Asks the worker to finish: its lane closes, it drains what is there and exits. */
  stop(reason: string): Promise<number> {
    if (this.state === 'exited') return this.exited;
    this.endedBy ??= reason;
    this.state = 'stopping';
    this.worker.ref(); // whoever awaits the stop keeps the process alive until the thread is gone
    void this.tasks.close();
    this.stopTimer ??= setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    this.stopTimer.unref();
    return this.exited;
  }

  terminate(reason: string): Promise<number> {
    if (this.state === 'exited') return this.exited;
    this.endedBy ??= reason;
    this.worker.ref();
    void this.worker.terminate();
    return this.exited;
  }

  /** After the exit was handled: the lanes' shared memory goes with the last reference. */
  async closeLanes(): Promise<void> {
    await this.tasks.close();
    await this.results.close();
  }
}
