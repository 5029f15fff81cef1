// Issue 13: the latency histogram on the hot path (one record per message) — ours
// (src/metrics/latency-histogram.ts) beside hdr-histogram-js, its JavaScript build and its
// WebAssembly build, recording the same skewed samples. The library keeps its own only while it
// is the faster; else it should use hdr-histogram-js.
import * as hdr from 'hdr-histogram-js';
import { nowNs } from '../harness/measure.js';
import type { BenchCase, Figure } from '../harness/types.js';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.js';

/** Latencies in ms, skewed towards small ones (u³ × 50 ms), the same every run. */
const SAMPLES = new Float64Array(4096);
let seed = 12345;
for (let i = 0; i < SAMPLES.length; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  SAMPLES[i] = (seed / 2 ** 32) ** 3 * 50;
}

function ours(count: number): number {
  const h = new LatencyHistogram();
  const start = nowNs();
  for (let i = 0; i < count; i++) h.record(SAMPLES[i & 4095]!);
  return (nowNs() - start) / count;
}

function library(h: hdr.Histogram, count: number): number {
  const start = nowNs();
  for (let i = 0; i < count; i++) h.recordValue(Math.round(SAMPLES[i & 4095]! * 1000)); // µs, as ours buckets
  return (nowNs() - start) / count;
}

export const metricsHistogram: BenchCase = {
  id: 'metrics.histogram',
  title: 'latency histogram record: ours vs hdr-histogram-js',
  async run(ctx) {
    const count = ctx.size(5_000_000, 50_000);
    await hdr.initWebAssembly();
    const options = { lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 } as const;
    ours(count / 10);
    library(hdr.build(options), count / 10);
    const wasm = hdr.build({ ...options, useWebAssembly: true });
    library(wasm, count / 10);
    const figure = (id: string, label: string, value: number): Figure => ({ id, label, value, unit: 'ns/record', better: 'lower', detail: `${count} samples` });
    const figures = [
      figure('metrics.histogram.ours.nsPerRecord', 'LatencyHistogram.record (ours)', ours(count)),
      figure('metrics.histogram.hdr.nsPerRecord', 'hdr-histogram-js recordValue (JavaScript)', library(hdr.build(options), count)),
      figure('metrics.histogram.hdrWasm.nsPerRecord', 'hdr-histogram-js recordValue (WebAssembly)', library(wasm, count)),
    ];
    wasm.destroy();
    return figures;
  },
};
