// MPSC under real threads: 4 producers (each using a different send API) into one consumer, and
// a producer terminated in the middle of its send loop, which must cost the others nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runStress } from './stress-run.js';

test('4 producers x 750 thousand messages into one draining consumer, 4 KiB lanes', async () => {
  const { delivered } = await runStress({
    kind: 'mpsc',
    capacityBytes: 4096,
    producers: [
      { count: 750_000, mode: 'sync' },
      { count: 750_000, mode: 'batch' },
      { count: 750_000, mode: 'reserve' },
      { count: 750_000, mode: 'batch' },
    ],
    consumers: ['drain'],
    timeoutMs: 150_000,
  });
  assert.is(delivered, 3_000_000);
});

test('a producer terminated mid-send stalls and corrupts nothing; its lane can be reclaimed', async () => {
  const { delivered } = await runStress({
    kind: 'mpsc',
    capacityBytes: 4096,
    maxProducers: 4,
    producers: [
      { count: 300_000, mode: 'sync' },
      { count: 300_000, mode: 'batch' },
      { count: 2_000_000, mode: 'sync' }, // the victim: far from done when it is terminated
      { count: 300_000, mode: 'reserve' },
    ],
    consumers: ['view'],
    victim: { producer: 2, afterMessages: 50_000 },
    // All four lanes are owned (finished producers keep theirs), so this one can only run on
    // the victim's lane, after reclaimLane().
    replacementCount: 100_000,
    timeoutMs: 150_000,
  });
  assert.ok(delivered >= 3 * 300_000 + 100_000 + 50_000);
});

test.run();
