// The latency histogram's fast bucket arithmetic gives exactly the buckets of the general
// formula (kept here as the reference), so no percentile any backend reports changed with it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LatencyHistogram, bucketOf } from '../../src/metrics/latency-histogram.js';

const test = suite('LatencyHistogram');

/** The layout as first written: 16 sub-buckets per power of two of microseconds. */
function referenceBucket(micros: number): number {
  const v = Math.floor(micros);
  if (v < 16) return v;
  const exponent = Math.min(31 - Math.clz32(Math.min(v, 2 ** 31)) - 4 + 1, 32);
  const sub = Math.min(Math.floor(v / 2 ** (exponent - 1)) - 16, 15);
  return exponent * 16 + Math.max(sub, 0);
}

test('every bucket is the reference bucket: edges of each power of two, and a million random samples', () => {
  const samples: number[] = [0, 0.5, 15.99, 16, 17, 31, 32, 33, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 1e12];
  for (let p = 4; p < 31; p++) samples.push(2 ** p - 1, 2 ** p, 2 ** p + 1, 2 ** p * 1.5);
  for (let i = 0; i < 1_000_000; i++) samples.push(Math.random() ** 4 * 2 ** (Math.random() * 34));
  for (const micros of samples) {
    if (bucketOf(micros) !== referenceBucket(micros)) assert.unreachable(`${micros} µs: bucket ${bucketOf(micros)}, reference ${referenceBucket(micros)}`);
  }
});

test('percentiles within the layout\'s precision, max exact', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 … 10 ms
  assert.is(h.count, 1000);
  assert.is(h.max, 10);
  const p50 = h.percentile(50);
  assert.ok(Math.abs(p50 - 5) / 5 < 0.07, `p50 ${p50}`);
  const p99 = h.percentile(99);
  assert.ok(Math.abs(p99 - 9.9) / 9.9 < 0.07, `p99 ${p99}`);
  assert.is(new LatencyHistogram().percentile(50), 0);
});

test.run();
