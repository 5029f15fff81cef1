import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.js';
import { RateWindow } from '../../src/metrics/rate-window.js';
import { ChannelMetrics, nowMs } from '../../src/metrics/channel-metrics.js';

const test = suite('metrics');

test('percentiles are within the histogram precision of the exact ones', () => {
  const h = new LatencyHistogram();
  const samples: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const ms = Math.exp(Math.random() * 10 - 6); // 2.5 µs .. 54 ms, log-uniform
    samples.push(ms);
    h.record(ms);
  }
  samples.sort((a, b) => a - b);
  for (const p of [50, 90, 99]) {
    const exact = samples[Math.ceil((p / 100) * samples.length) - 1]!;
    const got = h.percentile(p);
    assert.ok(got >= exact * 0.999 && got <= exact * 1.07 + 0.001, `p${p}: ${got} vs exact ${exact}`);
  }
  assert.is(h.max, samples[samples.length - 1]);
  assert.is(h.count, 20_000);
});

test('an empty histogram reports zeros, a negative sample counts as zero', () => {
  const h = new LatencyHistogram();
  assert.is(h.percentile(99), 0);
  h.record(-0.01);
  assert.is(h.percentile(50), 0);
});

test('ChannelMetrics reports counts, latency and a non-zero throughput after traffic', () => {
  const m = new ChannelMetrics();
  for (let i = 0; i < 500; i++) {
    m.count('sent');
    m.received(nowMs() - 2);
  }
  m.count('acked', 400);
  const s = m.snapshot(7, 3, 0);
  assert.is(s.sent, 500);
  assert.is(s.received, 500);
  assert.is(s.acked, 400);
  assert.is(s.pending, 7);
  assert.is(s.inFlight, 3);
  assert.is(s.latency.count, 500);
  assert.ok(s.latency.p50Ms >= 1.9 && s.latency.p50Ms < 2.3, `p50 ${s.latency.p50Ms}`);
  assert.ok(s.throughput.sentPerSec > 0 && s.throughput.receivedPerSec > 0);
});

test('RateWindow: rates from counted events, reading the clock only now and then', () => {
  let now = 1_000_000; // ms, a fake monotonic clock
  let reads = 0;
  const w = new RateWindow(() => (reads++, now));
  // 10 000 events a second for 5 s, in steps of 1 ms.
  for (let ms = 0; ms < 5000; ms++) {
    now += 1;
    for (let i = 0; i < 10; i++) w.add(1);
  }
  assert.ok(reads <= 50_000 / 16, `the clock is read now and then, not per event (${reads} reads)`);
  const steady = w.perSecond();
  assert.ok(Math.abs(steady - 10_000) < 300, `5 s at 10 000/s reads as ${steady}/s`);
  // Quiet for 30 s: the window forgets everything.
  now += 30_000;
  assert.is(w.perSecond(), 0);
  // A few events after the quiet spell count in the seconds they arrived, not spread over the quiet.
  for (let i = 0; i < 5; i++) w.add(1);
  now += 500;
  const r = w.perSecond();
  assert.ok(r > 0 && r <= 5 / 0.5 + 1e-9, `5 events in the last moment: ${r}/s`);
});

test.run();
