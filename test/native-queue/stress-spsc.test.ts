// SPSC under real threads: checksummed messages of random sizes (up to the ring's maximum),
// through small rings so wrap-around and full/empty hand-offs happen all the time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runStress } from './stress-run.js';
import { startWorker, within, makeTallies, checkTally } from './helpers.js';
import { createRing } from '../../native-queue/index.js';
import { checkMessage, readU32, STRESS_HEADER_BYTES } from './workers/stress-message.js';

test('3 million messages, batch producer -> draining consumer, 4 KiB ring', async () => {
  const { delivered } = await runStress({
    kind: 'spsc',
    capacityBytes: 4096,
    producers: [{ count: 3_000_000, mode: 'batch' }],
    consumers: ['drain'],
    timeoutMs: 120_000,
  });
  assert.is(delivered, 3_000_000);
});

test('1 million messages, reserve/commit producer -> view consumer, 64 KiB ring', async () => {
  const { delivered } = await runStress({
    kind: 'spsc',
    capacityBytes: 65536,
    producers: [{ count: 1_000_000, mode: 'reserve' }],
    consumers: ['view'],
    timeoutMs: 120_000,
  });
  assert.is(delivered, 1_000_000);
});

test('200 thousand messages from a worker to the main thread with await receive()', async () => {
  const count = 200_000;
  const ring = createRing('spsc', { capacityBytes: 8192 });
  const maxPayload = ring.maxMessageBytes - STRESS_HEADER_BYTES;
  const tallies = makeTallies([count]);
  const producer = startWorker('stress-producer', {
    descriptor: ring.describe(),
    producer: 0,
    count,
    maxPayload,
    mode: 'sync',
    progress: new SharedArrayBuffer(4),
  });
  try {
    const tally = new Uint8Array(tallies[0] as SharedArrayBuffer);
    let expected = 0;
    const consume = async () => {
      while (expected < count) {
        const message = await ring.receive({ timeoutMs: 30_000 });
        assert.is(checkMessage(message, maxPayload), undefined);
        assert.is(readU32(message, 4), expected);
        tally[expected++]! += 1;
      }
    };
    await within(consume(), 120_000, 'main-thread consumer');
    await within(producer.next(), 10_000, 'producer done');
    assert.is(checkTally(tallies[0] as SharedArrayBuffer, count, 0), undefined);
  } finally {
    await producer.worker.terminate();
  }
});

test.run();
