// Main-thread side of the bench's worker threads: start a role function from a case module in a
// worker, wait for its messages with a deadline (a wedged case must fail, not hang the run), and
// terminate every thread a case started when it ends, whatever happened.
import { Worker, type TransferListItem } from 'node:worker_threads';

const BOOT_URL = new URL('./thread-boot.mjs', import.meta.url);

export interface BenchThread {
  readonly name: string;
  post(message: unknown, transfer?: TransferListItem[]): void;
  /** The next message the worker posted, or a rejection if it errors, exits, or stays silent. */
  next<T = unknown>(timeoutMs?: number): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class ThreadGroup {
  private readonly workers: Worker[] = [];

  /** Starts `roleName(args)` exported by `moduleUrl` (usually the case file's own import.meta.url). */
  start(name: string, moduleUrl: string, roleName: string, args: unknown, transfer?: TransferListItem[]): BenchThread {
    const worker = new Worker(BOOT_URL, {
      workerData: { moduleUrl, roleName, args },
      transferList: transfer,
    });
    this.workers.push(worker);
    const inbox: unknown[] = [];
    let waiter: { resolve: (m: unknown) => void; reject: (e: Error) => void } | undefined;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      waiter?.reject(failure);
      waiter = undefined;
    };
    worker.on('message', (m) => {
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w.resolve(m);
      } else inbox.push(m);
    });
    worker.on('error', (e) => fail(new Error(`bench thread ${name} failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => fail(new Error(`bench thread ${name} exited (code ${code})`)));
    return {
      name,
      post: (message, transferList) => worker.postMessage(message, transferList),
      next: <T>(timeoutMs = DEFAULT_TIMEOUT_MS) =>
        new Promise<T>((resolve, reject) => {
          if (inbox.length > 0) return resolve(inbox.shift() as T);
          if (failure) return reject(failure);
          const timer = setTimeout(() => {
            waiter = undefined;
            reject(new Error(`bench thread ${name}: no message within ${timeoutMs} ms`));
          }, timeoutMs);
          waiter = {
            resolve: (m) => {
              clearTimeout(timer);
              resolve(m as T);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          };
        }),
    };
  }

  async terminateAll(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.terminate().catch(() => undefined)));
  }
}

/** Runs `body` with a fresh ThreadGroup and always terminates its threads afterwards. */
export async function withThreads<T>(body: (threads: ThreadGroup) => Promise<T>): Promise<T> {
  const threads = new ThreadGroup();
  try {
    return await body(threads);
  } finally {
    await threads.terminateAll();
  }
}
