// The metrics every backend's channels and every pool expose, with one set of names whatever the
// backend: read from channel.stats() / pool.stats() when a scraper asks (prom-client's scrape,
// an OpenTelemetry collection), never on the hot path. So exporting is free until something
// reads, and one read costs a stats() call per source.
//
// Latency is a summary (quantiles 0.5 / 0.9 / 0.99 and a count) from the library's own
// histogram: stats() gives percentiles, not buckets.
import type { Channel, ChannelStats } from '../channel.js';
import type { PoolStats } from '../pool/pool-stats.js';

export type MetricType = 'counter' | 'gauge' | 'summary';

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Summaries: the quantile ('0.5') of a quantile sample. */
  quantile?: string;
  /** Summaries: '_count' for the count sample. */
  suffix?: '_count';
}

export interface MetricFamily {
  /** Prometheus name (counters end in _total). */
  name: string;
  /** OpenTelemetry instrument name. */
  otelName: string;
  help: string;
  type: MetricType;
  /** UCUM-style unit for OpenTelemetry ('s', '{message}', '{task}', '{thread}'). */
  unit: string;
  samples: Sample[];
}

/** Anything with a name and stats(): a Channel of any backend. */
export type ChannelSource = Pick<Channel, 'name' | 'stats'>;
/** Anything with stats() like a Pool's. */
export interface PoolSource {
  stats(): PoolStats;
}

interface Spec<S> {
  name: string;
  otelName: string;
  help: string;
  type: MetricType;
  unit: string;
  read: (stats: S) => number | undefined | { quantiles: [string, number][]; count: number };
}

const QUANTILES = (l: ChannelStats['latency']): { quantiles: [string, number][]; count: number } => ({
  quantiles: [
    ['0.5', l.p50Ms / 1000],
    ['0.9', l.p90Ms / 1000],
    ['0.99', l.p99Ms / 1000],
  ],
  count: l.count,
});

const counter = <S>(name: string, otelName: string, help: string, unit: string, read: (s: S) => number): Spec<S> => ({ name, otelName, help, type: 'counter', unit, read });
const gauge = <S>(name: string, otelName: string, help: string, unit: string, read: (s: S) => number | undefined): Spec<S> => ({ name, otelName, help, type: 'gauge', unit, read });

export const CHANNEL_METRICS: readonly Spec<ChannelStats>[] = [
  counter('plexspaces_channel_sent_total', 'plexspaces.channel.sent', 'Messages accepted by the channel', '{message}', (s) => s.sent),
  counter('plexspaces_channel_received_total', 'plexspaces.channel.received', 'Messages handed to receivers', '{message}', (s) => s.received),
  counter('plexspaces_channel_acked_total', 'plexspaces.channel.acked', 'Deliveries acknowledged', '{message}', (s) => s.acked),
  counter('plexspaces_channel_nacked_total', 'plexspaces.channel.nacked', 'Deliveries nacked', '{message}', (s) => s.nacked),
  counter('plexspaces_channel_dead_lettered_total', 'plexspaces.channel.dead_lettered', 'Copies written to the dead-letter channel', '{message}', (s) => s.deadLettered),
  counter('plexspaces_channel_dropped_total', 'plexspaces.channel.dropped', 'Messages discarded by backpressure', '{message}', (s) => s.dropped),
  counter('plexspaces_channel_expired_total', 'plexspaces.channel.expired', 'Messages discarded because their TTL passed', '{message}', (s) => s.expired),
  counter('plexspaces_channel_failed_total', 'plexspaces.channel.failed', 'Failed sends and messages given up', '{message}', (s) => s.failed),
  counter('plexspaces_channel_errors_total', 'plexspaces.channel.errors', 'Background failures that stopped nothing', '{error}', (s) => s.errors),
  gauge('plexspaces_channel_pending', 'plexspaces.channel.pending', 'Messages waiting in the receivers\' queue (where the backend knows)', '{message}', (s) => s.pending),
  gauge('plexspaces_channel_in_flight', 'plexspaces.channel.in_flight', 'Deliveries handed out, not yet settled', '{message}', (s) => s.inFlight),
  gauge('plexspaces_channel_sent_per_second', 'plexspaces.channel.sent_rate', 'Messages sent per second over the last seconds', '{message}/s', (s) => s.throughput.sentPerSec),
  gauge('plexspaces_channel_received_per_second', 'plexspaces.channel.received_rate', 'Messages received per second over the last seconds', '{message}/s', (s) => s.throughput.receivedPerSec),
  { name: 'plexspaces_channel_latency_seconds', otelName: 'plexspaces.channel.latency', help: 'From send to hand-over to a receiver', type: 'summary', unit: 's', read: (s) => QUANTILES(s.latency) },
];

export const POOL_METRICS: readonly Spec<PoolStats>[] = [
  counter('plexspaces_pool_tasks_completed_total', 'plexspaces.pool.tasks.completed', 'Tasks whose promise resolved', '{task}', (s) => s.completed),
  counter('plexspaces_pool_tasks_failed_total', 'plexspaces.pool.tasks.failed', 'Tasks whose promise rejected', '{task}', (s) => s.failed),
  counter('plexspaces_pool_tasks_cancelled_total', 'plexspaces.pool.tasks.cancelled', 'Tasks aborted by their signal', '{task}', (s) => s.cancelled),
  counter('plexspaces_pool_tasks_retried_total', 'plexspaces.pool.tasks.retried', 'Tasks run again (thread died, or threw with retryOnThrow)', '{task}', (s) => s.retried),
  counter('plexspaces_pool_thread_deaths_total', 'plexspaces.pool.thread.deaths', 'Threads that died without being asked to stop', '{thread}', (s) => s.threadDeaths),
  gauge('plexspaces_pool_threads', 'plexspaces.pool.threads', 'Threads alive', '{thread}', (s) => s.threads),
  gauge('plexspaces_pool_busy_threads', 'plexspaces.pool.threads.busy', 'Threads with tasks handed to them', '{thread}', (s) => s.busyThreads),
  gauge('plexspaces_pool_queued', 'plexspaces.pool.queued', 'Tasks waiting for a thread', '{task}', (s) => s.queued),
  gauge('plexspaces_pool_in_flight', 'plexspaces.pool.in_flight', 'Tasks handed to threads, results not in', '{task}', (s) => s.inFlight),
  { name: 'plexspaces_pool_task_run_seconds', otelName: 'plexspaces.pool.task.run', help: 'Time a task ran in its worker', type: 'summary', unit: 's', read: (s) => QUANTILES(s.runTime) },
  { name: 'plexspaces_pool_task_latency_seconds', otelName: 'plexspaces.pool.task.latency', help: 'From run() to the promise settling', type: 'summary', unit: 's', read: (s) => QUANTILES(s.latency) },
];

/** The families of every source, read now (one stats() call per source). */
export function readFamilies(channels: readonly { source: ChannelSource; labels: Record<string, string> }[], pools: readonly { source: PoolSource; labels: Record<string, string> }[]): MetricFamily[] {
  const families: MetricFamily[] = [];
  const add = <S>(specs: readonly Spec<S>[], entries: readonly { stats: S; labels: Record<string, string> }[]) => {
    for (const spec of specs) {
      const samples: Sample[] = [];
      for (const { stats, labels } of entries) {
        const v = spec.read(stats);
        if (v === undefined) continue;
        if (typeof v === 'number') samples.push({ labels, value: v });
        else {
          for (const [quantile, value] of v.quantiles) samples.push({ labels, value, quantile });
          samples.push({ labels, value: v.count, suffix: '_count' });
        }
      }
      families.push({ name: spec.name, otelName: spec.otelName, help: spec.help, type: spec.type, unit: spec.unit, samples });
    }
  };
  add(CHANNEL_METRICS, channels.map((c) => ({ stats: c.source.stats(), labels: { channel: c.source.name, ...c.labels } })));
  add(POOL_METRICS, pools.map((p) => ({ stats: p.source.stats(), labels: p.labels })));
  return families;
}
