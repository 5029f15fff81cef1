// Issue 13: exporting metrics is free until they are read. The channel loop of the
// channel-promise-pairs case (await send, await receive, one thread) on one channel, rounds
// alternating between the channel not exported and the same channel exported to prom-client and
// OpenTelemetry (added to the sources before the round, removed after); and what one scrape of 10
// channels costs (prom-client text). The two rounds run the very same code (exporting reads
// stats() at scrape time only), so their ratio shows only the machine's noise.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { MESSAGE_BYTES, makeMessage, median, nowNs } from '../harness/measure.js';
import type { BenchCase } from '../harness/types.js';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { MetricSources, exposeToOpenTelemetry, exposeToPrometheus } from '../../src/metrics/index.js';

async function pairs(channel: InMemoryChannel, message: Uint8Array, count: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < count; i++) {
    await channel.send(message);
    await channel.receive();
  }
  return count / ((nowNs() - start) / 1e9);
}

export const metricsOverhead: BenchCase = {
  id: 'metrics.overhead',
  title: 'metrics exported vs not, and the cost of a scrape',
  async run(ctx) {
    const count = ctx.size(200_000, 5_000);
    const message = makeMessage(MESSAGE_BYTES);
    const channel = new InMemoryChannel();
    const sources = new MetricSources();
    const registry = new Registry();
    const provider = new MeterProvider();
    exposeToPrometheus(sources, registry);
    exposeToOpenTelemetry(sources, provider.getMeter('bench'));
    const many = Array.from({ length: 9 }, () => new InMemoryChannel());
    for (const c of many) sources.addChannel(c);
    try {
      await pairs(channel, message, count / 10);
      const a: number[] = [];
      const b: number[] = [];
      const exported = async () => {
        const remove = sources.addChannel(channel);
        b.push(await pairs(channel, message, count));
        remove();
      };
      // Which goes first alternates too: the second of a pair tends to meet the first one's garbage.
      for (let r = 0; r < ctx.size(6, 1); r++) {
        if (r % 2 === 0) {
          a.push(await pairs(channel, message, count));
          await exported();
        } else {
          await exported();
          a.push(await pairs(channel, message, count));
        }
      }
      sources.addChannel(channel);
      const scrapes = ctx.size(200, 10);
      let scrapeNs = 0;
      for (let i = 0; i < scrapes; i++) {
        const start = nowNs();
        await registry.metrics();
        scrapeNs += nowNs() - start;
        await new Promise((r) => setImmediate(r)); // (not timed) the next scrape takes a new reading
      }
      const scrapeUs = scrapeNs / scrapes / 1000;
      return [
        { id: 'metrics.plain.pairs', label: 'channel send+receive pairs, not exported', value: median(a), unit: 'pair/s', better: 'higher', detail: `${count} pairs a round` },
        { id: 'metrics.exported.pairs', label: 'the same channel, exported to prom-client and OpenTelemetry', value: median(b), unit: 'pair/s', better: 'higher', detail: `${count} pairs a round` },
        { id: 'metrics.scrape.us', label: 'one prom-client scrape of 10 channels', value: scrapeUs, unit: 'µs', better: 'lower', detail: `${scrapes} scrapes` },
      ];
    } finally {
      await provider.shutdown();
      await Promise.all([channel.close(), ...many.map((c) => c.close())]);
    }
  },
};
