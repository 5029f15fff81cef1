// `plexspaces-channel demo`: the main job on the in-memory default. A CPU-parallel worker pool in
// one Node process: the main thread feeds prime-counting jobs into an in-memory channel, worker
// threads take them through the shared ring (no postMessage per job), and results come back on a
// second channel. A worker that crashes is replaced; the job it held comes back (at-least-once,
// after the jobs channel's ack deadline) to another worker. The same jobs are then run on the main
// thread alone, to check every answer and to show what the pool bought.
import { availableParallelism } from 'node:os';
import { InMemoryChannel } from '../backends/memory/index.js';
import { isChannelError } from '../errors.js';
import { countPrimes, decodeResult, encodeJob, type PrimeJob } from './prime-jobs.js';
import { percentile, runPostMessagePool } from './postmessage-pool.js';
import { progress } from './progress.js';
import { WorkerSupervisor } from './worker-supervisor.js';

export interface DemoOptions {
  workers: number;
  jobs: number;
  /** Numbers per job: the size of one unit of work. */
  span: number;
  /** Terminate one worker after this many results, to watch the pool recover (0: never). */
  killWorkerAfter?: number;
  log: (line: string) => void;
  /** Progress bars on stderr ('auto': a bar on a terminal, quarters otherwise). */
  progress?: 'auto' | 'quiet';
}

export interface DemoReport {
  workers: number;
  jobs: number;
  poolMs: number;
  jobsPerSec: number;
  /** Per job, answer received − job sent, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The same jobs through a postMessage pool of as many workers, the same window per worker. */
  postMessage: { ms: number; jobsPerSec: number; latencyP50Ms: number; latencyP99Ms: number };
  /** postMessage pool time / channel pool time. */
  speedupVsPostMessage: number;
  singleThreadMs: number;
  primes: number;
  /** Workers that died and were replaced. */
  crashes: number;
  /** Results that came twice (a job redelivered after its worker died having sent its result). */
  duplicates: number;
  /** Jobs sent again because their result never came (the channel lost them). */
  resent: number;
}

/** A job unacknowledged this long comes back to another worker (ms): jobs take milliseconds. */
const JOB_ACK_TIMEOUT_MS = 2000;
/** Jobs kept in flight per worker, in both runs: enough that a worker finishing one finds the next waiting. */
const AHEAD_PER_WORKER = 4;
/**
 * No result for this long while jobs are missing: the missing jobs are sent again (the work is
 * idempotent). An at-least-once channel redelivers a dead worker's job by itself after the ack
 * deadline; this catches what it cannot (see the in-memory backend's limits), and says so.
 */
const STALL_RESEND_MS = 3 * JOB_ACK_TIMEOUT_MS;
/** Re-sends after which the pool is declared stuck. */
const RESENDS_ALLOWED = 3;

/** The worker's entry, compiled beside this file in dist/ (`npm start` builds first). */
function workerScript(): URL {
  return new URL('../../workers/prime-worker.js', import.meta.url);
}

export async function runDemo({ workers, jobs: jobCount, span, killWorkerAfter = 0, log, progress: progressMode = 'auto' }: DemoOptions): Promise<DemoReport> {
  // A window of jobs per worker: a worker finishing a job finds the next one waiting (no park and
  // wake per job: a futex wake costs tens of µs on a VM), yet bounded, so the feeder waits.
  const jobs = new InMemoryChannel({ capacity: AHEAD_PER_WORKER * workers, backpressure: 'block', ackTimeoutMs: JOB_ACK_TIMEOUT_MS });
  const results = new InMemoryChannel({ capacity: 0 });
  const plan: PrimeJob[] = Array.from({ length: jobCount }, (_, index) => ({ index, from: index * span, to: (index + 1) * span }));

  log(`pool: ${workers} worker threads (${availableParallelism()} cores), ${jobCount} jobs of ${span} numbers each`);
  const pool = new WorkerSupervisor(workerScript(), { jobs: jobs.describe(), results: results.describe() }, (line) => log(line));
  pool.start(workers);
  const started = performance.now();
  // The feeder waits while the channel is full; if the channel closes under it (a failure below),
  // its error is the one reported.
  const sentAt = new Float64Array(jobCount);
  const latenciesMs = new Float64Array(jobCount);
  const feeding = (async () => {
    for (const job of plan) {
      await jobs.send(encodeJob(job));
      sentAt[job.index] = performance.now();
    }
  })();
  feeding.catch(() => {});
  const bar = progress('channel', jobCount, progressMode);

  const answers = new Int32Array(jobCount).fill(-1);
  let done = 0;
  let duplicates = 0;
  let resent = 0;
  let resends = 0;
  try {
    while (done < jobCount) {
      let data: Uint8Array;
      try {
        data = await Promise.race([results.receive({ timeoutMs: STALL_RESEND_MS }), pool.failed]);
      } catch (err) {
        if (!isChannelError(err, 'Timeout')) throw err;
        if (++resends > RESENDS_ALLOWED) throw new Error(`no result for ${STALL_RESEND_MS / 1000} s, ${RESENDS_ALLOWED} times, with ${jobCount - done} of ${jobCount} jobs missing; the pool is stuck`);
        await feeding; // everything was sent once before anything is sent again
        const missing = plan.filter((job) => answers[job.index] === -1);
        log(`stalled:        no result for ${STALL_RESEND_MS / 1000} s; sending the ${missing.length} missing job(s) again`);
        for (const job of missing) await jobs.send(encodeJob(job));
        resent += missing.length;
        continue;
      }
      const { index, primes } = decodeResult(data);
      if (answers[index] !== -1) {
        duplicates++; // at-least-once: the job came back after its worker died, result sent, unacked
        continue;
      }
      answers[index] = primes;
      latenciesMs[index] = performance.now() - sentAt[index]!;
      done++;
      bar.update(done);
      if (killWorkerAfter > 0 && done === killWorkerAfter) await pool.killOne();
    }
    await feeding;
  } finally {
    bar.stop();
    await jobs.close(); // the workers drain, see ChannelClosed and exit
    await pool.stop();
  }
  const poolMs = performance.now() - started;
  const sent = jobs.stats().sent;
  const back = results.stats(); // this handle received the results: its latency is worker → main
  await results.close();

  const cloneBar = progress('postMessage', jobCount, progressMode);
  const cloned = await runPostMessagePool(plan, workers, AHEAD_PER_WORKER, (n) => cloneBar.update(n));
  cloneBar.stop();

  const singleStarted = performance.now();
  let primes = 0;
  for (const job of plan) {
    const expected = countPrimes(job.from, job.to);
    if (answers[job.index] !== expected) throw new Error(`job ${job.index}: the pool said ${answers[job.index]}, the main thread says ${expected}`);
    if (cloned.answers[job.index] !== expected) throw new Error(`job ${job.index}: the postMessage pool said ${cloned.answers[job.index]}, the main thread says ${expected}`);
    primes += expected;
  }
  const singleThreadMs = performance.now() - singleStarted;
  const perSec = (ms: number) => Math.round((jobCount / ms) * 1000);
  const postMessage = { ms: cloned.ms, jobsPerSec: perSec(cloned.ms), latencyP50Ms: percentile(cloned.latenciesMs, 50), latencyP99Ms: percentile(cloned.latenciesMs, 99) };

  const latencyP50Ms = percentile(latenciesMs, 50);
  const latencyP99Ms = percentile(latenciesMs, 99);
  log(`found ${primes} primes below ${jobCount * span}; every job's answer checked on the main thread`);
  log(`channel pool:   ${poolMs.toFixed(0)} ms (${perSec(poolMs)} jobs/s); per job p50 ${latencyP50Ms.toFixed(2)} ms, p99 ${latencyP99Ms.toFixed(2)} ms`);
  log(`postMessage:    ${cloned.ms.toFixed(0)} ms (${postMessage.jobsPerSec} jobs/s); per job p50 ${postMessage.latencyP50Ms.toFixed(2)} ms, p99 ${postMessage.latencyP99Ms.toFixed(2)} ms — the channel pool is ×${(cloned.ms / poolMs).toFixed(2)}`);
  log(`one thread:     ${singleThreadMs.toFixed(0)} ms (the channel pool is ×${(singleThreadMs / poolMs).toFixed(2)})`);
  log(
    `channels:       ${sent} jobs sent, ${back.received} results received; ` +
      `result latency worker → main p50 ${back.latency.p50Ms.toFixed(3)} ms, p99 ${back.latency.p99Ms.toFixed(3)} ms`,
  );
  if (pool.crashes > 0 || duplicates > 0 || resent > 0) {
    log(`recovery:       ${pool.crashes} worker(s) died and were replaced; ${duplicates} result(s) came twice and were counted once; ${resent} job(s) sent again after a stall`);
  }
  return {
    workers,
    jobs: jobCount,
    poolMs,
    jobsPerSec: perSec(poolMs),
    latencyP50Ms,
    latencyP99Ms,
    postMessage,
    speedupVsPostMessage: cloned.ms / poolMs,
    singleThreadMs,
    primes,
    crashes: pool.crashes,
    duplicates,
    resent,
  };
}
