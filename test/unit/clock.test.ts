// nowMs() reads process.hrtime() and adds an offset measured once (metrics/channel-metrics.ts).
// It must stay the clock it replaced — performance.timeOrigin + performance.now() — to well under
// a millisecond, agree with the wall clock, and never run backwards.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nowMs } from '../../src/metrics/channel-metrics.js';

const test = suite('nowMs');

test('agrees with performance.timeOrigin + performance.now() to within 0.05 ms, and with Date.now()', () => {
  let agreed = 0;
  for (let i = 0; i < 50; i++) {
    const before = performance.timeOrigin + performance.now();
    const ours = nowMs();
    const after = performance.timeOrigin + performance.now();
    // Bracketed by the reference clock (a little slack for the offset's own measurement).
    if (ours >= before - 0.05 && ours <= after + 0.05) agreed++;
    const wall = Date.now();
    assert.ok(Math.abs(ours - wall) < 5, `within a few ms of Date.now() (${ours} vs ${wall})`);
  }
  // A preempted read can land outside one bracket on a busy machine; most must be inside.
  assert.ok(agreed >= 45, `inside the bracket ${agreed} times of 50`);
});

test('never runs backwards and has sub-millisecond resolution', () => {
  let last = nowMs();
  const values = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const t = nowMs();
    assert.ok(t >= last, `went back from ${last} to ${t}`);
    last = t;
    values.add(Math.floor(t * 1000));
  }
  assert.ok(values.size > 10, `distinct microseconds seen: ${values.size}`);
});

test.run();
