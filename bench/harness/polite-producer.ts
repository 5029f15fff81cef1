// The worker role that feeds the MPSC, MPMC and main-thread-receive cases: attach to the ring,
// then on each request from the main thread send `count` 64-byte messages in batches of 32,
// falling back to the blocking call when the ring is full (more threads than cores here).
import { MESSAGE_BYTES } from './measure.js';
import { makeBatch, sendBatchesPolite } from './ring-pumps.js';
import { loadRings, type RingDescriptor } from './subjects.js';
import { nextFromMain, reply } from './worker-side.js';

const BATCH_SIZE = 32;

export async function politeProducerRole(args: { descriptor: RingDescriptor }): Promise<void> {
  const { attachRing } = await loadRings();
  const ring = attachRing(args.descriptor);
  const batch = makeBatch(BATCH_SIZE, MESSAGE_BYTES);
  reply({ ready: true });
  for (;;) {
    const { count } = await nextFromMain<{ count: number }>();
    sendBatchesPolite(ring, batch, count);
    reply({ sent: count });
  }
}
