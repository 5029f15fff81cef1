// Ours: MPMC for work distribution, 1 producer worker to 3 consumer workers, 64 B, aggregate
// msgs/s. Four threads on 2 cores: polite loops (see ring-pumps.ts). The consumers add what they
// took to one shared counter; the round ends when the counter reaches the round's total — the
// consumer that gets it there reports at once (the clock stops), the others notice within a
// short park and are waited for outside the clock.
import { withThreads, type BenchThread } from '../harness/threads.js';
import { MESSAGE_BYTES } from '../harness/measure.js';
import { CopyingConsumer } from '../harness/ring-pumps.js';
import { isRingError, loadRings, type RingDescriptor } from '../harness/subjects.js';
import { oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import { nextFromMain, reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

const CONSUMERS = 3;
const BATCH_SIZE = 32;
/** A consumer idle this long re-checks whether the round is over. */
const IDLE_PARK_MS = 1;

// The producer worker (started below by name, 'producerRole') is shared with the other ring cases.
export { politeProducerRole as producerRole } from '../harness/polite-producer.js';

export async function consumerRole(args: { descriptor: RingDescriptor; counter: SharedArrayBuffer }): Promise<void> {
  const { attachRing } = await loadRings();
  const consumer = new CopyingConsumer(attachRing(args.descriptor), MESSAGE_BYTES);
  const consumed = new Int32Array(args.counter);
  reply({ ready: true });
  for (;;) {
    const { until } = await nextFromMain<{ until: number }>();
    let crossed = false;
    while (!crossed && Atomics.load(consumed, 0) < until) {
      let took = consumer.drainOnce(BATCH_SIZE);
      if (took === 0) {
        try {
          consumer.receiveBlocking(IDLE_PARK_MS);
          took = 1;
        } catch (error) {
          if (!isRingError(error, 'RING_TIMEOUT')) throw error;
        }
      }
      if (took > 0 && Atomics.add(consumed, 0, took) + took >= until) crossed = true;
    }
    reply({ crossed, mine: consumer.received });
  }
}

export const ringMpmc: BenchCase = {
  id: 'ring.mpmc',
  title: 'our MPMC ring, 1 producer → 3 consumers, 64 B (4 threads on 2 cores)',
  async run(ctx) {
    const { createRing } = await loadRings();
    const plan = oneWayPlan(ctx);
    const ring = createRing('mpmc', { capacityBytes: 64 * 1024 });
    const descriptor = ring.describe();
    const counter = new SharedArrayBuffer(4);
    const seconds = await withThreads(async (threads) => {
      const producer = threads.start('mpmc-producer', import.meta.url, 'producerRole', { descriptor });
      const consumers: BenchThread[] = [];
      for (let c = 0; c < CONSUMERS; c++) consumers.push(threads.start(`mpmc-consumer-${c}`, import.meta.url, 'consumerRole', { descriptor, counter }));
      await Promise.all([producer, ...consumers].map((t) => t.next()));
      let total = 0;
      return timeRounds(plan, async (count) => {
        total += count;
        for (const c of consumers) c.post({ until: total });
        producer.post({ count });
        const replies = consumers.map((c) => c.next<{ crossed: boolean }>());
        // The clock stops when the consumer that took the last message says so.
        await new Promise<void>((resolve, reject) => {
          for (const r of replies) r.then((m) => m.crossed && resolve(), reject);
        });
        return { settle: Promise.all([...replies, producer.next()]) };
      });
    });
    ring.close();
    return [rateFigure('ring.mpmc.1to3', 'MPMC 1 producer → 3 consumers, aggregate', plan.count, seconds)];
  },
};
