// Counters, a latency histogram and a throughput window, fed by every backend.
//
// Recording is O(1) and allocation-free (it runs once per message); `snapshot()` does the work.
// Latency is measured from the sender's timestamp to the hand-over to a receiver, so across
// threads and processes it relies on the wall clocks agreeing (same machine: they do).
import type { ChannelStats, LatencySummary } from '../channel.js';
import { LatencyHistogram } from './latency-histogram.js';
import { RateWindow } from './rate-window.js';

type Counter = 'sent' | 'received' | 'acked' | 'nacked' | 'deadLettered' | 'dropped' | 'expired' | 'failed';

export class ChannelMetrics {
  private readonly counts: Record<Counter, number> = {
    sent: 0,
    received: 0,
    acked: 0,
    nacked: 0,
    deadLettered: 0,
    dropped: 0,
    expired: 0,
    failed: 0,
  };
  private readonly latency = new LatencyHistogram();
  private readonly sentRate = new RateWindow();
  private readonly receivedRate = new RateWindow();

  /** `n` messages accepted (the hot path's own method: no counter name to look at). */
  sent(n = 1): void {
    this.counts.sent += n;
    this.sentRate.add(n);
  }

  /** received() and an ack in one call: a message handed over and settled at once (receive(), at-most-once). */
  receivedAndAcked(sentAtMs: number, nowEpochMs: number = nowMs()): void {
    this.received(sentAtMs, nowEpochMs);
    this.counts.acked += 1;
  }

  count(counter: Counter, n = 1): void {
    this.counts[counter] += n;
    if (counter === 'sent') this.sentRate.add(n);
    else if (counter === 'received') this.receivedRate.add(n);
  }

  /**
   * A message sent at `sentAtMs` (epoch ms) was just handed to a receiver. A caller handing out a
   * batch reads the clock once and passes it as `nowEpochMs`.
   */
  received(sentAtMs: number, nowEpochMs: number = nowMs()): void {
    this.counts.received += 1;
    this.receivedRate.add(1);
    this.latency.record(nowEpochMs - sentAtMs);
  }

  snapshot(pending: number | undefined, inFlight: number, errors: number): ChannelStats {
    return {
      ...this.counts,
      errors,
      pending,
      inFlight,
      latency: this.latencySummary(),
      throughput: { sentPerSec: this.sentRate.perSecond(), receivedPerSec: this.receivedRate.perSecond() },
    };
  }

  private latencySummary(): LatencySummary {
    return {
      count: this.latency.count,
      p50Ms: this.latency.percentile(50),
      p90Ms: this.latency.percentile(90),
      p99Ms: this.latency.percentile(99),
      maxMs: this.latency.max,
    };
  }
}

// The clock behind every timestamp and latency sample: epoch milliseconds with sub-millisecond
// precision, comparable across the threads of one process. It is the same clock as
// performance.timeOrigin + performance.now() (both are libuv's monotonic hrtime), read through
// process.hrtime(), which costs ~35 ns here against ~55 ns for performance.now() (whose getter
// checks its receiver and reads hrtime underneath anyway). The hot path reads it once per message.
const hrtime = process.hrtime;

function hrtimeMs(): number {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/**
 * performance.timeOrigin + performance.now() − hrtime, measured once: the tightest of a few
 * brackets (the first calls of both clocks are slow, which would skew a single bracket).
 */
const epochOffsetMs = ((): number => {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 8; i++) {
    const before = hrtimeMs();
    const now = performance.now();
    const after = hrtimeMs();
    if (after - before < best) {
      best = after - before;
      offset = performance.timeOrigin + now - (before + after) / 2;
    }
  }
  return offset;
})();

/** Epoch milliseconds with sub-millisecond precision (comparable across threads of one process). */
export function nowMs(): number {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6 + epochOffsetMs;
}
