// Round-trip sampling, shared by every latency case so that peers and rings are timed the same
// way: the thread that starts a round trip times it (two clock reads around it), records the
// sample in a histogram, warms up first, and stops at a sample count or a time budget, whichever
// comes first. The histogram crosses to the main thread, which turns it into p50/p99 figures.
import { LatencyHistogram } from './histogram.js';
import { nowNs } from './measure.js';
import type { Figure, RunContext } from './types.js';

export interface RoundTripPlan {
  warmupSamples: number;
  maxSamples: number;
  maxMs: number;
}

export interface RoundTripResult {
  counts: Float64Array;
  samples: number;
}

/** Sizes a plan: `full` for a real run, a few hundred samples for --quick. */
export function roundTripPlan(ctx: RunContext, full: RoundTripPlan): RoundTripPlan {
  return {
    warmupSamples: ctx.size(full.warmupSamples, Math.min(full.warmupSamples, 200)),
    maxSamples: ctx.size(full.maxSamples, Math.min(full.maxSamples, 500)),
    maxMs: ctx.size(full.maxMs, 300),
  };
}

/** Times `once()` repeatedly (a synchronous round trip: spin or Atomics.wait). */
export function sampleSync(plan: RoundTripPlan, once: () => void): RoundTripResult {
  for (let i = 0; i < plan.warmupSamples; i++) once();
  const histogram = new LatencyHistogram();
  const deadline = nowNs() + plan.maxMs * 1e6;
  for (let i = 0; i < plan.maxSamples; i++) {
    const start = nowNs();
    once();
    const end = nowNs();
    histogram.record(end - start);
    if (end > deadline) break;
  }
  return { counts: histogram.counts, samples: histogram.total };
}

/** Times `once()` repeatedly where a round trip completes through a promise (postMessage, waitAsync). */
export async function sampleAsync(plan: RoundTripPlan, once: () => Promise<unknown>): Promise<RoundTripResult> {
  for (let i = 0; i < plan.warmupSamples; i++) await once();
  const histogram = new LatencyHistogram();
  const deadline = nowNs() + plan.maxMs * 1e6;
  for (let i = 0; i < plan.maxSamples; i++) {
    const start = nowNs();
    await once();
    const end = nowNs();
    histogram.record(end - start);
    if (end > deadline) break;
  }
  return { counts: histogram.counts, samples: histogram.total };
}

/** p50 and p99 figures (µs) from a finished sampling. */
export function latencyFigures(id: string, label: string, result: RoundTripResult): Figure[] {
  const histogram = new LatencyHistogram(result.counts);
  const detail = `${result.samples} samples`;
  return [
    { id: `${id}.p50`, label: `${label} p50`, value: histogram.percentile(0.5) / 1000, unit: 'µs', better: 'lower', detail },
    { id: `${id}.p99`, label: `${label} p99`, value: histogram.percentile(0.99) / 1000, unit: 'µs', better: 'lower', detail },
  ];
}

/** Plans shared by a peer and the ring case compared with it, so both get the same samples. */
export const SPINNING_ROUND_TRIPS: RoundTripPlan = { warmupSamples: 20_000, maxSamples: 300_000, maxMs: 500 };
export const PARKING_ROUND_TRIPS: RoundTripPlan = { warmupSamples: 1_000, maxSamples: 20_000, maxMs: 700 };
