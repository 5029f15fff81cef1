// `plexspaces-channel demo`: the main job. A CPU-parallel worker pool (src/pool) fed by a channel
// — the in-memory channel by default, nothing to install; `--backend URL` runs the same pipeline
// over Redis, Kafka or NATS — counting primes in ranges of numbers (real work, with answers that
// can be checked). The main thread sends the jobs into the jobs channel, the pool consumes it
// (`pool.consume`: at most a few jobs in flight per thread, each acked once its answer is on the
// results channel), and the main thread reads the answers. A worker thread that crashes is
// replaced by the pool and the job it held runs again. Then the same jobs go through a pool that
// moves every job by postMessage, for comparison, and once through the main thread alone, which
// checks every answer of both pools.
import { availableParallelism } from 'node:os';
import type { Channel } from '../channel.js';
import { InMemoryChannel } from '../backends/memory/index.js';
import { parseChannelUrl } from '../channel-url.js';
import { isChannelError } from '../errors.js';
import { openChannel } from '../open.js';
import { Pool } from '../pool/index.js';
import { countPrimes, decodeResult, encodeJob, type PrimeJob } from './prime-jobs.js';
import { percentile, runPostMessagePool } from './postmessage-pool.js';
import { progress } from './progress.js';

export interface DemoOptions {
  workers: number;
  jobs: number;
  /** Numbers per job: the size of one unit of work. */
  span: number;
  /** Where the jobs travel: undefined for the in-memory channel, else a broker URL. */
  backend?: string;
  /** Terminate one worker thread after this many answers, to watch the pool recover (0: never). */
  killWorkerAfter?: number;
  log: (line: string) => void;
  /** Progress bars on stderr ('auto': a bar on a terminal, quarters otherwise). */
  progress?: 'auto' | 'quiet';
}

export interface DemoReport {
  backend: string;
  workers: number;
  jobs: number;
  poolMs: number;
  jobsPerSec: number;
  /** Per job: answer received − job sent, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The same jobs through a postMessage pool of as many workers, the same jobs in flight per worker. */
  postMessage: { ms: number; jobsPerSec: number; latencyP50Ms: number; latencyP99Ms: number };
  /** postMessage pool time / channel pool time. */
  speedupVsPostMessage: number;
  singleThreadMs: number;
  primes: number;
  /** Worker threads that died and were replaced. */
  crashes: number;
  /** Answers that came twice (a job run again after its thread died having answered) and counted once. */
  duplicates: number;
}

/** Jobs in flight per worker thread, in both pools: a thread finishing one finds the next waiting. */
const AHEAD_PER_WORKER = 4;
/** No answer for this long means the pipeline is stuck: say so instead of waiting for ever (ms). */
const STALL_LIMIT_MS = 30_000;

/** The jobs and answers channels: in memory, or two channels of the broker the URL names. */
async function openPipeline(backend: string | undefined): Promise<{ jobs: Channel; answers: Channel; label: string }> {
  if (backend === undefined) {
    // A bounded queue: the feeder waits while the pool is busy, nothing piles up.
    return { jobs: new InMemoryChannel({ capacity: 256, ackTimeoutMs: 10_000 }), answers: new InMemoryChannel(), label: 'memory' };
  }
  const url = parseChannelUrl(backend);
  const answersUrl = backend.replace(`/${encodeURIComponent(url.name)}`, `/${encodeURIComponent(`${url.name}-answers`)}`);
  const jobs = await openChannel(backend, { ackTimeoutMs: 10_000 });
  try {
    return { jobs, answers: await openChannel(answersUrl), label: url.display };
  } catch (err) {
    await jobs.close();
    throw err;
  }
}

export async function runDemo({ workers, jobs: jobCount, span, backend, killWorkerAfter = 0, log, progress: progressMode = 'auto' }: DemoOptions): Promise<DemoReport> {
  const plan: PrimeJob[] = Array.from({ length: jobCount }, (_, index) => ({ index, from: index * span, to: (index + 1) * span }));
  const { jobs, answers: answerChannel, label } = await openPipeline(backend);
  const pool = new Pool<Uint8Array, Uint8Array>({ filename: new URL('../../workers/prime-task.js', import.meta.url), minThreads: workers, maxThreads: workers });
  let crashes = 0;
  pool.on('threadExit', (e: { reason: string; threadId: number; code: number }) => {
    if (e.reason !== 'died') return;
    crashes++;
    log(`worker ${e.threadId} died (exit code ${e.code}); the pool replaces it and runs its job again`);
  });
  log(`pool: ${workers} worker threads (${availableParallelism()} cores), ${jobCount} jobs of ${span} numbers each, through ${label}`);

  const answers = new Int32Array(jobCount).fill(-1);
  const sentAt = new Float64Array(jobCount);
  const latenciesMs = new Float64Array(jobCount);
  let duplicates = 0;
  const started = performance.now();
  const feed = pool.consume(jobs, answerChannel, { maxInFlightPerWorker: AHEAD_PER_WORKER });
  const sending = (async () => {
    for (const job of plan) {
      sentAt[job.index] = performance.now();
      await jobs.send(encodeJob(job));
    }
  })();
  sending.catch(() => {}); // its failure is reported below, through the wait for answers
  const bar = progress('channel', jobCount, progressMode);
  try {
    for (let done = 0; done < jobCount; ) {
      let data: Uint8Array;
      try {
        data = await answerChannel.receive({ timeoutMs: STALL_LIMIT_MS });
      } catch (err) {
        if (isChannelError(err, 'Timeout')) throw new Error(`no answer for ${STALL_LIMIT_MS / 1000} s with ${jobCount - done} of ${jobCount} jobs missing; the pipeline is stuck`);
        throw err;
      }
      const { index, primes } = decodeResult(data);
      if (answers[index] !== -1) {
        duplicates++;
        continue;
      }
      answers[index] = primes;
      latenciesMs[index] = performance.now() - sentAt[index]!;
      bar.update(++done);
      if (killWorkerAfter > 0 && done === killWorkerAfter) {
        log('chaos:          terminating a worker thread mid-run');
        await pool.threads[0]?.terminate();
      }
    }
    await sending;
  } finally {
    bar.stop();
    await feed.stop();
    await pool.close();
    await Promise.all([jobs.close(), answerChannel.close()]);
  }
  const poolMs = performance.now() - started;

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
  log(`found ${primes} primes below ${jobCount * span}; every answer of both pools checked on the main thread`);
  log(`channel pool:   ${poolMs.toFixed(0)} ms (${perSec(poolMs)} jobs/s); per job p50 ${latencyP50Ms.toFixed(2)} ms, p99 ${latencyP99Ms.toFixed(2)} ms`);
  log(`postMessage:    ${cloned.ms.toFixed(0)} ms (${postMessage.jobsPerSec} jobs/s); per job p50 ${postMessage.latencyP50Ms.toFixed(2)} ms, p99 ${postMessage.latencyP99Ms.toFixed(2)} ms — the channel pool is ×${(cloned.ms / poolMs).toFixed(2)}`);
  log(`one thread:     ${singleThreadMs.toFixed(0)} ms (the channel pool is ×${(singleThreadMs / poolMs).toFixed(2)})`);
  if (crashes > 0 || duplicates > 0) log(`recovery:       ${crashes} worker(s) died and were replaced; ${duplicates} answer(s) came twice and were counted once`);
  return {
    backend: label,
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
    crashes,
    duplicates,
  };
}
