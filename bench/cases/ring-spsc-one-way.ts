// Ours: the SPSC ring one way, main thread producing, a worker consuming — the same shape, counts
// and warm-up as the postMessage and ringbuf.js peers (oneWayPlan); both sides busy-poll as
// ringbuf.js does. Three variants:
//  - 64 B, batch path: trySendBatch (32 messages a call) → drain() with a copy out of each view;
//    the index is published once per batch on each side, which is the ring's point.
//  - 64 B, per message: trySend → tryReceiveView + copy, one at a time (no target; shows what
//    the batch path buys, and is the like-for-like of ringbuf.js's one-push-per-message).
//  - 1 KiB, batch path, in GB/s of payload.
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { CopyingConsumer, makeBatch, sendBatchesSpinning, sendOneByOneSpinning } from '../harness/ring-pumps.js';
import { loadRings, type RingDescriptor } from '../harness/subjects.js';
import { bandwidthFigure, oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import { nextFromMain, reply } from '../harness/worker-side.js';
import type { BenchCase, Figure, RunContext } from '../harness/types.js';

type Path = 'batch' | 'perMessage';

interface Variant {
  id: string;
  label: string;
  messageBytes: number;
  capacityBytes: number;
  path: Path;
}

const BATCH_SIZE = 32;

const VARIANTS: readonly Variant[] = [
  // 64 KiB data region: the same as the ringbuf.js peer.
  { id: 'ring.spsc.64b.batch', label: 'SPSC main → worker, batch path', messageBytes: MESSAGE_BYTES, capacityBytes: 64 * 1024, path: 'batch' },
  { id: 'ring.spsc.64b.perMessage', label: 'SPSC main → worker, per message', messageBytes: MESSAGE_BYTES, capacityBytes: 64 * 1024, path: 'perMessage' },
  // 1 KiB records: a bigger region so a batch (32 KiB) is a fraction of it, as 32 × 64 B is of 64 KiB.
  { id: 'ring.spsc.1k.batch', label: 'SPSC 1 KiB main → worker, batch path', messageBytes: 1024, capacityBytes: 1024 * 1024, path: 'batch' },
];

export async function consumerRole(args: { descriptor: RingDescriptor; path: Path; messageBytes: number }): Promise<void> {
  const { attachRing } = await loadRings();
  const consumer = new CopyingConsumer(attachRing(args.descriptor), args.messageBytes);
  reply({ ready: true });
  for (;;) {
    const { until } = await nextFromMain<{ until: number }>();
    if (args.path === 'batch') consumer.drainSpinningUntil(until);
    else consumer.viewSpinningUntil(until);
    reply({ done: consumer.received, checksum: consumer.checksum });
  }
}

async function runVariant(ctx: RunContext, variant: Variant): Promise<Figure> {
  const { createRing } = await loadRings();
  const plan = oneWayPlan(ctx);
  const ring = createRing('spsc', { capacityBytes: variant.capacityBytes });
  const batch = makeBatch(BATCH_SIZE, variant.messageBytes);
  const single = makeMessage(variant.messageBytes);
  const seconds = await withThreads(async (threads) => {
    const consumer = threads.start(`spsc-consumer-${variant.id}`, import.meta.url, 'consumerRole', {
      descriptor: ring.describe(),
      path: variant.path,
      messageBytes: variant.messageBytes,
    });
    await consumer.next();
    let total = 0;
    return timeRounds(plan, async (count) => {
      total += count;
      consumer.post({ until: total });
      if (variant.path === 'batch') sendBatchesSpinning(ring, batch, count);
      else sendOneByOneSpinning(ring, single, count);
      await consumer.next();
    });
  });
  ring.close();
  return variant.messageBytes >= 1024
    ? bandwidthFigure(variant.id, variant.label, plan.count, variant.messageBytes, seconds)
    : rateFigure(variant.id, variant.label, plan.count, seconds);
}

export const ringSpscOneWay: BenchCase = {
  id: 'ring.spsc',
  title: 'our SPSC ring one way (64 B batch / per message, 1 KiB batch)',
  async run(ctx) {
    const figures: Figure[] = [];
    for (const variant of VARIANTS) figures.push(await runVariant(ctx, variant));
    return figures;
  },
};
