// Waiting for the next message of a source on the in-memory backend, as a promise (any thread) or
// blocking (worker threads): one slice of the shared receive loop (src/base/receiving.ts). A
// waiter parks on the ring, which wakes it for new messages and for close; the loop looks at the
// lease log between slices, where nacked and overdue deliveries come due without any ring
// activity to wake anyone.
import { sleepSync } from '../../../native-queue/index.js';
import { abortedError } from '../../deadline.js';
import { ChannelQueue, type QueueEntry } from './channel-queue.js';
import type { MemorySource } from './memory-places.js';
import { channelErrorFromRing, isRingError } from './ring-errors.js';
import type { SharedChannel } from './shared-channel.js';

/** Longest a waiting receiver sleeps before it looks at the lease log again (ms). */
const LEASE_CHECK_SLICE_MS = 50;
const IDLE_SLICE_MS = 250;

export function waitSliceMs(shared: SharedChannel): number {
  return shared.leases.live() > 0 ? LEASE_CHECK_SLICE_MS : IDLE_SLICE_MS;
}

/** After a blocking ring call took a record: the queue counted it inside the take; senders are rung. */
function rangAfterTake(shared: SharedChannel, source: MemorySource): void {
  if (source.isQueue) shared.queue.countTaken(shared.control, 1);
  else shared.control.rang();
}

export async function waitAndTake(shared: SharedChannel, source: MemorySource, sliceMs: number, signal: AbortSignal | undefined): Promise<QueueEntry | undefined> {
  const ring = source.ring;
  if (ring.closed) {
    // Closed, but a nacked message is still due later: nothing will wake us, so sleep the slice.
    await new Promise((resolve) => setTimeout(resolve, sliceMs));
    return undefined;
  }
  try {
    // A thread-local queue only says that something arrived; the loop's poll takes it, so a
    // message in object form is never encoded just to be decoded again.
    if (ring instanceof ChannelQueue && ring.isLocal) {
      await ring.arrival({ timeoutMs: sliceMs, signal });
      return undefined;
    }
    const record = await ring.receive({ timeoutMs: sliceMs, signal });
    rangAfterTake(shared, source);
    return record;
  } catch (err) {
    if (isRingError(err, 'RING_TIMEOUT') || isRingError(err, 'RING_CLOSED')) return undefined;
    if (isRingError(err, 'RING_ABORTED') && signal) throw abortedError(signal, 'waiting for a message', shared.name);
    throw channelErrorFromRing(err, shared.name, 'receive');
  }
}

export function waitAndTakeSync(shared: SharedChannel, source: MemorySource, sliceMs: number): QueueEntry | undefined {
  const ring = source.ring;
  if (ring.closed) {
    sleepSync(sliceMs);
    return undefined;
  }
  try {
    const record = ring.receiveSync(sliceMs);
    rangAfterTake(shared, source);
    return record;
  } catch (err) {
    if (isRingError(err, 'RING_TIMEOUT') || isRingError(err, 'RING_CLOSED')) return undefined;
    throw channelErrorFromRing(err, shared.name, 'receive');
  }
}
