// Keeps a set of worker threads running for the demo: a worker that dies (an error thrown in it,
// process.exit, terminate()) is replaced until stop() is called, and its death is a log line —
// never an unhandled rejection that takes the process down.
import { Worker } from 'node:worker_threads';

/** More deaths than this within CRASH_WINDOW_MS is a crash loop (a worker that cannot start): give up. */
const CRASHES_ALLOWED = 5;
const CRASH_WINDOW_MS = 10_000;

export class WorkerSupervisor {
  private readonly running = new Set<Worker>();
  private readonly exited = new Map<Worker, Promise<void>>();
  private stopping = false;
  private readonly recentCrashes: number[] = [];
  private giveUp!: (error: Error) => void;
  /** Workers that died before stop() and were replaced. */
  crashes = 0;
  /** Rejects when workers keep dying (a crash loop): the pool cannot make progress. Never resolves. */
  readonly failed = new Promise<never>((_, reject) => {
    this.giveUp = reject;
  });

  constructor(
    private readonly script: URL,
    private readonly workerData: unknown,
    private readonly log: (line: string) => void,
  ) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.spawn();
  }

  /** Terminates one running worker (as a crash would); it is replaced like any other. */
  async killOne(): Promise<void> {
    const victim = [...this.running][0];
    if (victim === undefined) return;
    this.log(`chaos:          terminating worker ${victim.threadId} mid-run`);
    await victim.terminate();
  }

  /** Waits for every worker to exit (they exit once their channel closes); replaces no more. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.exited.values()]);
  }

  private tooManyCrashes(): boolean {
    const now = performance.now();
    this.recentCrashes.push(now);
    while (this.recentCrashes.length > 0 && now - this.recentCrashes[0]! > CRASH_WINDOW_MS) this.recentCrashes.shift();
    return this.recentCrashes.length > CRASHES_ALLOWED;
  }

  private spawn(): void {
    const worker = new Worker(this.script, { workerData: this.workerData });
    const id = worker.threadId; // -1 once it has exited
    this.running.add(worker);
    let failure: Error | undefined;
    worker.on('error', (err) => {
      failure = err;
    });
    this.failed.catch(() => {}); // reported through the demo's own wait, not as an unhandled rejection
    this.exited.set(
      worker,
      new Promise<void>((resolve) => {
        worker.once('exit', (code) => {
          this.running.delete(worker);
          this.exited.delete(worker);
          if (code !== 0 || failure !== undefined) {
            const why = failure ? failure.message : `exit code ${code}`;
            if (!this.stopping && this.tooManyCrashes()) {
              this.stopping = true;
              this.giveUp(new Error(`workers keep dying (${CRASHES_ALLOWED + 1} in ${CRASH_WINDOW_MS / 1000} s), the last one of: ${why}`));
            } else if (!this.stopping) {
              this.crashes++;
              this.log(`worker ${id} died (${why}); starting a replacement`);
              this.spawn();
            } else if (failure !== undefined) {
              this.log(`worker ${id} failed while the pool stopped: ${failure.message}`);
            }
          }
          resolve();
        });
      }),
    );
  }
}
