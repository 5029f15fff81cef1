// Metrics read back through prom-client and through the OpenTelemetry SDK, with the values this
// test produced on a real channel and a real pool; and the exporters cost nothing until read.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { MetricSources, exposeToOpenTelemetry, exposeToPrometheus } from '../../src/metrics/index.js';
import { Pool } from '../../src/pool/index.js';

const test = suite('metrics exporters');
const BEHAVIOURS = new URL('../pool/tasks/behaviours.ts', import.meta.url);

/** A channel and a pool with known counts: 10 sent, 7 received, 5 acked, 2 nacked (1 back, 1 to nothing); 20 tasks, 3 of them throwing. */
async function produce() {
  const channel = new InMemoryChannel({ name: 'metrics-orders', maxRetries: 0 });
  for (let i = 0; i < 10; i++) await channel.send(new Uint8Array([i]));
  const deliveries = await Promise.all(Array.from({ length: 7 }, () => channel.receiveDelivery()));
  for (const d of deliveries.slice(0, 5)) await d.ack();
  for (const d of deliveries.slice(5)) await d.nack();
  const pool = new Pool<{ op: string; message?: string; value?: unknown }, unknown>({ filename: BEHAVIOURS, codec: 'v8', minThreads: 1, maxThreads: 1 });
  await Promise.allSettled(Array.from({ length: 20 }, (_, i) => pool.run(i < 3 ? { op: 'throw', message: 'no' } : { op: 'echo', value: i })));
  return { channel, pool };
}

test('prom-client: every metric with the values the channel and pool produced', async () => {
  const { channel, pool } = await produce();
  const sources = new MetricSources();
  sources.addChannel(channel, { backend: 'memory' });
  sources.addPool(pool, { pool: 'behaviours' });
  const registry = new Registry();
  const remove = exposeToPrometheus(sources, registry);
  const json = await registry.getMetricsAsJSON();
  const value = (name: string, labels: Record<string, string> = {}) => {
    const metric = json.find((m) => m.name === name);
    assert.ok(metric, `metric ${name} is registered`);
    // The plain sample (not a summary's _count), with these labels (a quantile only when asked).
    const values = metric!.values as { value: number; labels: Record<string, string | number>; metricName?: string }[];
    const found = values.find((v) => v.metricName === name && (labels.quantile !== undefined || v.labels.quantile === undefined) && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
    return found?.value;
  };
  const stats = channel.stats();
  const ch = { channel: 'metrics-orders', backend: 'memory' };
  assert.is(value('plexspaces_channel_sent_total', ch), 10);
  assert.is(value('plexspaces_channel_received_total', ch), 7);
  assert.is(value('plexspaces_channel_acked_total', ch), 5);
  assert.is(value('plexspaces_channel_nacked_total', ch), 2);
  assert.is(value('plexspaces_channel_failed_total', ch), 2, 'maxRetries 0 and no dead-letter channel: both nacked ones given up');
  assert.is(value('plexspaces_channel_pending', ch), 3);
  assert.is(value('plexspaces_channel_in_flight', ch), 0);
  assert.is(value('plexspaces_channel_latency_seconds', { ...ch, quantile: '0.5' }), stats.latency.p50Ms / 1000);
  assert.is(value('plexspaces_pool_tasks_completed_total', { pool: 'behaviours' }), 17);
  assert.is(value('plexspaces_pool_tasks_failed_total', { pool: 'behaviours' }), 3);
  assert.is(value('plexspaces_pool_threads', { pool: 'behaviours' }), 1);
  const text = await registry.metrics();
  assert.match(text, /# TYPE plexspaces_channel_latency_seconds summary/);
  assert.match(text, /plexspaces_channel_latency_seconds_count\{channel="metrics-orders",backend="memory"\} 7/);
  assert.match(text, /plexspaces_channel_sent_total\{channel="metrics-orders",backend="memory"\} 10/);
  assert.match(text, /plexspaces_pool_task_run_seconds\{pool="behaviours",quantile="0.99"\} /);
  // A scrape reads live values: more sends show up in the next one.
  await channel.send(new Uint8Array([99]));
  await new Promise((r) => setImmediate(r));
  assert.match(await registry.metrics(), /plexspaces_channel_sent_total\{channel="metrics-orders",backend="memory"\} 11/);
  remove();
  assert.is((await registry.getMetricsAsJSON()).length, 0, 'removed');
  await pool.destroy();
  await channel.close();
});

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('OpenTelemetry: the same figures through a Meter, collected by the SDK', async () => {
  const { channel, pool } = await produce();
  const sources = new MetricSources();
  sources.addChannel(channel);
  sources.addPool(pool);
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const stop = exposeToOpenTelemetry(sources, provider.getMeter('plexspaces-test'));
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const point = (name: string, attrs: Record<string, string> = {}) => {
    const m = metrics.find((x) => x.descriptor.name === name);
    assert.ok(m, `instrument ${name}`);
    return (m!.dataPoints as { attributes: Record<string, unknown>; value: number }[]).find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))?.value;
  };
  assert.is(point('plexspaces.channel.sent', { channel: 'metrics-orders' }), 10);
  assert.is(point('plexspaces.channel.acked', { channel: 'metrics-orders' }), 5);
  assert.is(point('plexspaces.channel.pending', { channel: 'metrics-orders' }), 3);
  assert.is(point('plexspaces.channel.latency.count', { channel: 'metrics-orders' }), 7);
  assert.is(point('plexspaces.pool.tasks.completed'), 17);
  assert.is(point('plexspaces.pool.tasks.failed'), 3);
  assert.ok((point('plexspaces.pool.task.run', { quantile: '0.5' }) ?? -1) >= 0);
  stop();
  await provider.shutdown();
  await pool.destroy();
  await channel.close();
});

test('off by default and free when off: nothing reads a source until a scrape does', async () => {
  let reads = 0;
  const channel = new InMemoryChannel({ name: 'metrics-quiet' });
  const counted = { name: channel.name, stats: () => (reads++, channel.stats()) };
  const sources = new MetricSources();
  sources.addChannel(counted);
  const registry = new Registry();
  exposeToPrometheus(sources, registry);
  await new Promise((r) => setImmediate(r));
  const before = reads;
  for (let i = 0; i < 1000; i++) await channel.send(new Uint8Array([1]));
  for (let i = 0; i < 1000; i++) await channel.receive();
  assert.is(reads, before, 'sending and receiving read nothing');
  await registry.metrics();
  assert.is(reads, before + 1, 'one scrape: one stats() call, shared by every metric');
  assert.throws(() => sources.addChannel(channel, { 'bad-label': 'x' }), /bad-label/);
  await channel.close();
});

test.run();
