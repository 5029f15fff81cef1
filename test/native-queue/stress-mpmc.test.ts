// MPMC under real threads: 4 producers and 3 consumers; every message goes to exactly one
// consumer, and each consumer sees each producer's messages in the order they were sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runStress } from './stress-run.js';

test('4 producers x 500 thousand messages, 3 consumers (drain, view, receiveSync), 8 KiB ring', async () => {
  const { delivered } = await runStress({
    kind: 'mpmc',
    capacityBytes: 8192,
    producers: [
      { count: 500_000, mode: 'sync' },
      { count: 500_000, mode: 'batch' },
      { count: 500_000, mode: 'reserve' },
      { count: 500_000, mode: 'sync' },
    ],
    consumers: ['drain', 'view', 'receive'],
    timeoutMs: 180_000,
  });
  assert.is(delivered, 2_000_000);
});

test.run();
