// Throughput rounds, shared by every one-way case so peers and rings get the same counts and the
// same warm-up: one warm-up round (JIT, page faults, thread start-up), then `rounds` timed rounds
// of `count` messages each; the figure is the median round. A round's clock is read on the main
// thread from just before the first message is offered to just after the consumer reports
// "got them all", so every case pays the same ~one-notification end cost.
import { compact, describeRuns, median, nowNs } from './measure.js';
import type { Figure, RunContext } from './types.js';

export interface ThroughputPlan {
  warmupCount: number;
  count: number;
  rounds: number;
}

/** The plan of every one-way 64-byte case (postMessage, ringbuf.js, our rings): one place, same numbers. */
export function oneWayPlan(ctx: RunContext): ThroughputPlan {
  return {
    warmupCount: ctx.size(50_000, 1_000),
    count: ctx.size(300_000, 5_000),
    rounds: ctx.size(3, 1),
  };
}

/**
 * What a round may hand back: work still to wait for after the clock stopped (with several
 * consumers the round ends when the LAST message is consumed, but the other consumers only notice
 * a moment later; that moment is not the ring's time).
 */
export interface RoundEnd {
  settle: Promise<unknown>;
}

/**
 * Runs the warm-up round then the timed rounds. `round(count)` must start the work, wait until
 * the consumer has every message, and resolve; the clock is here, not in the cases.
 */
export async function timeRounds(plan: ThroughputPlan, round: (count: number) => Promise<void | RoundEnd>): Promise<number[]> {
  const warm = await round(plan.warmupCount);
  if (warm) await warm.settle;
  const seconds: number[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    const start = nowNs();
    const end = await round(plan.count);
    seconds.push((nowNs() - start) / 1e9);
    if (end) await end.settle;
  }
  return seconds;
}

/** msgs/s (and MB/s or GB/s when `bytesPerMessage` and a byte unit are given) from timed rounds. */
export function rateFigure(id: string, label: string, count: number, seconds: readonly number[], unit = 'msg/s'): Figure {
  const rates = seconds.map((s) => count / s);
  const what = unit.replace('/s', '');
  return {
    id,
    label,
    value: median(rates),
    unit,
    better: 'higher',
    detail: `${count} ${what}${count === 1 ? '' : 's'} a round, ${describeRuns(rates, compact)}`,
  };
}

export function bandwidthFigure(id: string, label: string, count: number, bytesPerMessage: number, seconds: readonly number[]): Figure {
  const gbps = seconds.map((s) => (count * bytesPerMessage) / s / 1e9);
  return {
    id,
    label,
    value: median(gbps),
    unit: 'GB/s',
    better: 'higher',
    detail: `${count} × ${bytesPerMessage} B, ${describeRuns(gbps, (v) => v.toFixed(2))}`,
  };
}
