// `plexspaces-channel demo`: the main job on the in-memory default. A CPU-parallel worker pool in
// one Node process: the main thread feeds prime-counting jobs into an in-memory channel, worker
// threads take them through the shared ring (no postMessage per job), and results come back on a
// second channel. The same jobs are then run on the main thread alone, to check every answer and
// to show what the pool bought.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InMemoryChannel } from '../backends/memory/index.js';
import { countPrimes, decodeResult, encodeJob, type PrimeJob } from './prime-jobs.js';

export interface DemoOptions {
  workers: number;
  jobs: number;
  /** Numbers per job: the size of one unit of work. */
  span: number;
  log: (line: string) => void;
}

export interface DemoReport {
  poolMs: number;
  singleThreadMs: number;
  primes: number;
}

export async function runDemo({ workers, jobs: jobCount, span, log }: DemoOptions): Promise<DemoReport> {
  // A deep enough queue that a worker finishing a job finds the next one waiting (no park and
  // wake per job: a futex wake costs tens of µs on a VM), yet bounded, so the feeder waits.
  const jobs = new InMemoryChannel({ capacity: 64 * workers, backpressure: 'block', ackTimeoutMs: 60_000 });
  const results = new InMemoryChannel({ capacity: 0 });
  const plan: PrimeJob[] = Array.from({ length: jobCount }, (_, index) => ({ index, from: index * span, to: (index + 1) * span }));

  log(`pool: ${workers} worker threads (${availableParallelism()} cores), ${jobCount} jobs of ${span} numbers each`);
  const pool = Array.from({ length: workers }, () => startWorker(jobs, results));
  const started = performance.now();
  const feeding = (async () => {
    for (const job of plan) await jobs.send(encodeJob(job)); // blocks while the workers are busy
  })();
  const answers = new Uint32Array(jobCount);
  for (let received = 0; received < jobCount; received++) {
    const { index, primes } = decodeResult(await results.receive());
    answers[index] = primes;
  }
  const poolMs = performance.now() - started;
  await feeding;
  const sent = jobs.stats().sent;
  const back = results.stats(); // this handle received the results: its latency is worker → main
  await jobs.close(); // the workers drain, see ChannelClosed and exit
  await Promise.all(pool);
  await results.close();

  const singleStarted = performance.now();
  let primes = 0;
  for (const job of plan) {
    const expected = countPrimes(job.from, job.to);
    if (answers[job.index] !== expected) throw new Error(`job ${job.index}: the pool said ${answers[job.index]}, the main thread says ${expected}`);
    primes += expected;
  }
  const singleThreadMs = performance.now() - singleStarted;

  log(`found ${primes} primes below ${jobCount * span}; every job's answer checked on the main thread`);
  log(`pool:           ${poolMs.toFixed(0)} ms (${Math.round((jobCount / poolMs) * 1000)} jobs/s)`);
  log(`one thread:     ${singleThreadMs.toFixed(0)} ms (speed-up ×${(singleThreadMs / poolMs).toFixed(2)})`);
  log(
    `channels:       ${sent} jobs sent, ${back.received} results received; ` +
      `result latency worker → main p50 ${back.latency.p50Ms.toFixed(3)} ms, p99 ${back.latency.p99Ms.toFixed(3)} ms`,
  );
  return { poolMs, singleThreadMs, primes };
}

function startWorker(jobs: InMemoryChannel, results: InMemoryChannel): Promise<void> {
  const worker = new Worker(new URL('../../workers/prime-worker.js', import.meta.url), {
    workerData: { jobs: jobs.describe(), results: results.describe() },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a pool worker exited with code ${code}`))));
  });
}
