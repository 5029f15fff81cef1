// The demo's yardstick: the same jobs through a pool of worker threads that move every job and
// every answer by postMessage — what a worker pool without shared memory does. Each worker has up
// to `ahead` jobs posted to it, the same window the channel run keeps per worker, so the two runs
// differ in the hand-off only and their latencies mean the same thing.
import { Worker } from 'node:worker_threads';
import { decodeResult, encodeJob, type PrimeJob } from './prime-jobs.js';

export interface PoolRun {
  ms: number;
  answers: Int32Array;
  /** Per job: answer received − job handed over, ms. */
  latenciesMs: Float64Array;
}

export async function runPostMessagePool(plan: readonly PrimeJob[], workers: number, ahead: number, onAnswer: (done: number) => void): Promise<PoolRun> {
  const answers = new Int32Array(plan.length).fill(-1);
  const latenciesMs = new Float64Array(plan.length);
  const sentAt = new Float64Array(plan.length);
  const threads = Array.from({ length: workers }, () => new Worker(new URL('../../workers/prime-worker-postmessage.js', import.meta.url)));
  let next = 0;
  let done = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const feed = (worker: Worker) => {
      if (next >= plan.length) return;
      const job = plan[next++]!;
      sentAt[job.index] = performance.now();
      worker.postMessage(encodeJob(job));
    };
    for (const worker of threads) {
      worker.on('error', reject);
      worker.on('message', (bytes: Uint8Array) => {
        const { index, primes } = decodeResult(bytes);
        latenciesMs[index] = performance.now() - sentAt[index]!;
        answers[index] = primes;
        onAnswer(++done);
        if (done === plan.length) resolve();
        else feed(worker);
      });
      for (let k = 0; k < ahead; k++) feed(worker);
    }
  });
  const ms = performance.now() - started;
  await Promise.all(threads.map((w) => w.terminate()));
  return { ms, answers, latenciesMs };
}

/** The p-th percentile of `values` (nearest rank). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
