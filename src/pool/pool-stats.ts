// What pool.stats() reports, and the counters behind it. Recording is a few additions and one
// histogram sample per task (no allocation); snapshot() does the work.
import type { LatencySummary } from '../channel.js';
import { LatencyHistogram } from '../metrics/latency-histogram.js';

export interface PoolStats {
  /** Threads alive now: starting, running tasks, idle, or stopping. */
  threads: number;
  /** Threads that have tasks handed to them now. */
  busyThreads: number;
  /** Most threads alive at once so far. */
  peakThreads: number;
  /** Tasks waiting for a thread. */
  queued: number;
  /** Tasks handed to a thread whose results are not in yet. */
  inFlight: number;
  /** Tasks whose promise resolved. */
  completed: number;
  /** Tasks whose promise rejected with the task's error, or WorkerDiedError past maxRetries. */
  failed: number;
  /** Tasks aborted by their signal. */
  cancelled: number;
  /** Tasks run again: after their thread died (taken back from it), or after they threw (retryOnThrow). */
  retried: number;
  /** Threads that died without being asked to stop (terminated, out of memory, process.exit, crashed). */
  threadDeaths: number;
  threadsStarted: number;
  /** Threads the pool stopped: idle past idleTimeoutMs, close(), destroy(), a running task aborted. */
  threadsStopped: number;
  /** Time each task ran in its worker (ms). */
  runTime: LatencySummary;
  /** From run() to the promise settling (ms): queueing, the trip through the lanes and the run. */
  latency: LatencySummary;
}

export class PoolCounters {
  completed = 0;
  failed = 0;
  cancelled = 0;
  retried = 0;
  threadDeaths = 0;
  threadsStarted = 0;
  threadsStopped = 0;
  peakThreads = 0;
  readonly runTime = new LatencyHistogram();
  readonly latency = new LatencyHistogram();

  snapshot(now: { threads: number; busyThreads: number; queued: number; inFlight: number }): PoolStats {
    return {
      ...now,
      peakThreads: this.peakThreads,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      retried: this.retried,
      threadDeaths: this.threadDeaths,
      threadsStarted: this.threadsStarted,
      threadsStopped: this.threadsStopped,
      runTime: summary(this.runTime),
      latency: summary(this.latency),
    };
  }
}

function summary(h: LatencyHistogram): LatencySummary {
  return { count: h.count, p50Ms: h.percentile(50), p90Ms: h.percentile(90), p99Ms: h.percentile(99), maxMs: h.max };
}
