// Ours: the main thread consuming with `await receive()` (one promise per message; it spins
// briefly, then Atomics.waitAsync — the main thread never blocks) from a worker producer on an
// SPSC ring, 64 B. Compared with postMessage worker → main, the same direction and counts.
import { withThreads } from '../harness/threads.js';
import { loadRings } from '../harness/subjects.js';
import { oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';

/** Bounded, so a producer that died fails the case instead of hanging the run. */
const RECEIVE_TIMEOUT_MS = 15_000;

// The producer worker (started below by name, 'producerRole') is shared with the other ring cases.
export { politeProducerRole as producerRole } from '../harness/polite-producer.js';

export const ringMainReceive: BenchCase = {
  id: 'ring.mainReceive',
  title: 'main thread `await receive()` from a worker producer, SPSC, 64 B',
  async run(ctx) {
    const { createRing } = await loadRings();
    const plan = oneWayPlan(ctx);
    const ring = createRing('spsc', { capacityBytes: 64 * 1024 });
    let checksum = 0;
    const seconds = await withThreads(async (threads) => {
      const producer = threads.start('main-receive-producer', import.meta.url, 'producerRole', { descriptor: ring.describe() });
      await producer.next();
      return timeRounds(plan, async (count) => {
        producer.post({ count });
        for (let i = 0; i < count; i++) {
          const message = await ring.receive({ timeoutMs: RECEIVE_TIMEOUT_MS });
          checksum = (checksum + message[0]!) | 0;
        }
        return { settle: producer.next() };
      });
    });
    ring.close();
    return [rateFigure('ring.mainReceive', 'main thread await receive() ← worker', plan.count, seconds)];
  },
};
