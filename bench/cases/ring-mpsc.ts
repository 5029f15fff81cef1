// Ours: MPSC, 3 producer workers into 1 consumer worker, 64 B, aggregate msgs/s. Four busy
// threads on 2 cores are oversubscribed, so both sides use the polite loops: batch calls while
// there is work, the blocking call (spin briefly, then park) when the ring is full or empty.
// Same total count and warm-up per round as the one-way peers; compared with postMessage one way.
import { withThreads, type BenchThread } from '../harness/threads.js';
import { MESSAGE_BYTES } from '../harness/measure.js';
import { CopyingConsumer } from '../harness/ring-pumps.js';
import { loadRings, type RingDescriptor } from '../harness/subjects.js';
import { oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import { nextFromMain, reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

const PRODUCERS = 3;

// The producer worker (started below by name, 'producerRole') is shared with the other ring cases.
export { politeProducerRole as producerRole } from '../harness/polite-producer.js';

export async function consumerRole(args: { descriptor: RingDescriptor }): Promise<void> {
  const { attachRing } = await loadRings();
  const consumer = new CopyingConsumer(attachRing(args.descriptor), MESSAGE_BYTES);
  reply({ ready: true });
  for (;;) {
    const { until } = await nextFromMain<{ until: number }>();
    consumer.drainPoliteUntil(until);
    reply({ done: consumer.received, checksum: consumer.checksum });
  }
}

export const ringMpsc: BenchCase = {
  id: 'ring.mpsc',
  title: 'our MPSC ring, 3 producers → 1 consumer, 64 B (4 threads on 2 cores)',
  async run(ctx) {
    const { createRing } = await loadRings();
    const plan = oneWayPlan(ctx);
    // Split a round's count over the producers; a round's count is a multiple of 3 here.
    const perProducer = (count: number) => Math.floor(count / PRODUCERS);
    const ring = createRing('mpsc', { capacityBytes: 64 * 1024, maxProducers: PRODUCERS });
    const descriptor = ring.describe();
    const seconds = await withThreads(async (threads) => {
      const consumer = threads.start('mpsc-consumer', import.meta.url, 'consumerRole', { descriptor });
      const producers: BenchThread[] = [];
      for (let p = 0; p < PRODUCERS; p++) producers.push(threads.start(`mpsc-producer-${p}`, import.meta.url, 'producerRole', { descriptor }));
      await Promise.all([consumer, ...producers].map((t) => t.next()));
      let total = 0;
      return timeRounds(plan, async (count) => {
        const each = perProducer(count);
        total += each * PRODUCERS;
        consumer.post({ until: total });
        for (const p of producers) p.post({ count: each });
        await consumer.next();
        return { settle: Promise.all(producers.map((p) => p.next())) };
      });
    });
    ring.close();
    return [rateFigure('ring.mpsc.3to1', 'MPSC 3 producers → 1 consumer, aggregate', perProducer(plan.count) * PRODUCERS, seconds)];
  },
};
