// Waiting for the next delivery, as a promise (any thread) or blocking (worker threads). A waiter
// parks on the ring in slices: the ring wakes it for new messages and for close, and between
// slices it looks at the lease log, where nacked and overdue deliveries come due without any
// ring activity to wake anyone.
import type { Delivery, ReceiveOptions } from '../../channel.js';
import { abortedError } from '../../deadline.js';
import { ChannelClosedError, TimeoutError } from '../../errors.js';
import { channelErrorFromRing, isRingError } from './ring-errors.js';
import type { SharedChannel } from './shared-channel.js';
import { ChannelQueue, type QueueEntry, type QueueRing } from './channel-queue.js';

/** Longest a waiting receiver sleeps before it looks at the lease log again (ms). */
const LEASE_CHECK_SLICE_MS = 50;
const IDLE_SLICE_MS = 250;

/** Something to Atomics.wait on for a plain sleep in a worker thread. */
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/** What a waiter needs from its channel handle. */
export interface WaitHost {
  readonly name: string;
  readonly shared: SharedChannel;
  readonly options: { readonly receiveTimeoutMs: number };
  /** The next delivery of `target` if one is there now (due leases first). */
  pollFrom(target: number): Delivery | undefined;
  /** Turns a record a blocking ring call returned into a delivery (undefined if it expired). */
  acceptRecord(record: QueueEntry, target: number): Delivery | undefined;
}

export function ringOf(shared: SharedChannel, target: number): QueueRing {
  return target === 0 ? shared.queue : shared.subscriberRings[target - 1]!;
}

export async function waitForDelivery(host: WaitHost, target: number, options: ReceiveOptions): Promise<Delivery> {
  const ring = ringOf(host.shared, target);
  const signal = options.signal;
  const end = performance.now() + (options.timeoutMs ?? host.options.receiveTimeoutMs);
  for (;;) {
    if (signal?.aborted) throw abortedError(signal, 'waiting for a message', host.name);
    const delivery = host.pollFrom(target);
    if (delivery) return delivery;
    const slice = waitSlice(host, end, options.timeoutMs, target);
    if (ring.closed) {
      // Closed, but a nacked message is still due later: nothing will wake us, so sleep the slice.
      await new Promise((resolve) => setTimeout(resolve, slice));
      continue;
    }
    let record: Uint8Array | undefined;
    try {
      // A thread-local queue only says that something arrived; the poll above takes it, so a
      // message in object form is never encoded just to be decoded again.
      if (ring instanceof ChannelQueue && ring.isLocal) await ring.arrival({ timeoutMs: slice, signal });
      else record = await ring.receive({ timeoutMs: slice, signal });
    } catch (err) {
      if (isRingError(err, 'RING_TIMEOUT') || isRingError(err, 'RING_CLOSED')) continue;
      if (isRingError(err, 'RING_ABORTED') && signal) throw abortedError(signal, 'waiting for a message', host.name);
      throw channelErrorFromRing(err, host.name, 'receive');
    }
    if (record === undefined) continue;
    const taken = host.acceptRecord(record, target);
    if (taken) return taken;
  }
}

export function waitForDeliverySync(host: WaitHost, target: number, options: { timeoutMs?: number }): Delivery {
  const ring = ringOf(host.shared, target);
  const end = performance.now() + (options.timeoutMs ?? host.options.receiveTimeoutMs);
  for (;;) {
    const delivery = host.pollFrom(target);
    if (delivery) return delivery;
    const slice = waitSlice(host, end, options.timeoutMs, target);
    if (ring.closed) {
      Atomics.wait(sleepWord, 0, 0, slice);
      continue;
    }
    let record: Uint8Array;
    try {
      record = ring.receiveSync(slice);
    } catch (err) {
      if (isRingError(err, 'RING_TIMEOUT') || isRingError(err, 'RING_CLOSED')) continue;
      throw channelErrorFromRing(err, host.name, 'receive');
    }
    const taken = host.acceptRecord(record, target);
    if (taken) return taken;
  }
}

/**
 * Closed, and nothing more can come: the ring is empty (the caller just looked) and no nacked
 * message of this target waits for its redelivery time. Deliveries still out with receivers do
 * not count: their holders settle them (or their deadlines pass) on their own time.
 */
export function isDrained(shared: SharedChannel, target: number): boolean {
  return shared.queue.closed && !shared.leases.hasWaiting(target);
}

export function drainedError(channel: string): ChannelClosedError {
  return new ChannelClosedError('the channel is closed and everything sent before has been received; open a new one', { channel });
}

/** How long the next park may last; throws Timeout or ChannelClosed when waiting is over. */
function waitSlice(host: WaitHost, end: number, timeoutMs: number | undefined, target: number): number {
  if (isDrained(host.shared, target)) throw drainedError(host.name);
  const left = end - performance.now();
  if (left <= 0) {
    const ms = timeoutMs ?? host.options.receiveTimeoutMs;
    throw new TimeoutError(`timed out after ${ms} ms waiting for a message; raise timeoutMs or check that a sender is running`, { channel: host.name });
  }
  const cap = host.shared.leases.live() > 0 ? LEASE_CHECK_SLICE_MS : IDLE_SLICE_MS;
  return Math.max(1, Math.min(left, cap));
}
