// Putting one record into a ring under the channel's backpressure mode. The queue ring counts
// messages against `capacity` (in the control block) as well as bytes (the ring itself);
// subscriber rings are bounded by their bytes only. Blocked senders park on the control block's
// doorbell, which every take from any of the channel's rings rings.
import { ChannelQueue, type QueueRing } from './channel-queue.js';
import type { BackpressureMode } from '../../channel.js';
import { ChannelClosedError, ChannelFullError } from '../../errors.js';
import type { ChannelMetrics } from '../../metrics/channel-metrics.js';
import { W_TAKE_SEQ, type ControlBlock } from './control-block.js';
import { ENVELOPE_TAG } from './envelope.js';

// lib ES2023 does not declare Atomics.waitAsync; Node 20 has it.
const atomicsWaitAsync = (Atomics as unknown as {
  waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<unknown> | string };
}).waitAsync;

export type OfferResult = 'sent' | 'dropped' | 'full';

/** claimCounted(): the ring has no room for the record now. */
export const NO_ROOM = 0;
/** claimCounted(): the ring had room, but `capacity` messages are already counted. */
export const NO_COUNT = 1;

/** Longest single park of a blocked sender before it looks again (parks are always bounded). */
const PARK_SLICE_MS = 50;

export interface OfferTarget {
  ring: QueueRing;
  /** Present for the queue: counts messages against `capacity`. */
  counted: boolean;
  /** For error messages: 'the queue' or "subscriber group 'g'". */
  label: string;
}

export class Backpressure {
  constructor(
    private readonly control: ControlBlock,
    private readonly channel: string,
    private readonly capacity: number,
    private readonly mode: BackpressureMode,
    private readonly metrics: ChannelMetrics,
  ) {}

  /** One attempt, never waits: 'full' only in `block` mode (the caller then parks and retries). */
  tryOffer(target: OfferTarget, record: Uint8Array): OfferResult {
    for (let evictions = 0; ; evictions++) {
      if (this.control.closed || target.ring.closed) throw this.closedError();
      let reserved = true;
      if (target.counted && !(target.ring as ChannelQueue).isLocal) {
        const result = this.offerCounted(target.ring as ChannelQueue, record);
        if (result === true) return 'sent';
        reserved = result !== NO_COUNT;
      } else {
        reserved = !target.counted || this.control.tryReserve(this.capacity);
        if (reserved) {
          if (target.ring.trySend(record)) return 'sent';
          if (target.counted) this.control.unreserve();
        }
      }
      switch (this.mode) {
        case 'block':
          return 'full';
        case 'drop-newest':
          this.metrics.count('dropped');
          return 'dropped';
        case 'error':
          throw new ChannelFullError(
            `${target.label} is full (${this.capacity > 0 && !reserved ? `capacity ${this.capacity} messages` : 'its ring has no room for this message'}); receive faster, raise capacity/capacityBytes, or choose another backpressure mode`,
            { channel: this.channel },
          );
        case 'drop-oldest': {
          const evicted = target.ring.tryReceive();
          if (evicted !== undefined) {
            if (target.counted && target.ring instanceof ChannelQueue) target.ring.countTaken(this.control, 1);
            else this.control.rang();
            this.metrics.count('dropped');
          } else if (evictions > 1000) {
            // Full, yet nothing to evict: other receivers hold the space mid-read. Wait a moment.
            return 'full';
          }
        }
      }
    }
  }

  /**
   * The queue's shared ring: a counted claim (claimCounted), the record copied in, commit. A
   * RING_ABANDONED commit (thrown on) must not give the count back: the handle that abandoned
   * the tagged claim already did. Returns true when sent, else NO_ROOM or NO_COUNT.
   */
  private offerCounted(queue: ChannelQueue, record: Uint8Array): true | typeof NO_ROOM | typeof NO_COUNT {
    const view = claimCounted(queue, this.control, this.capacity, record.length);
    if (typeof view === 'number') return view;
    view.set(record);
    queue.commit();
    return true;
  }

  /**
   * Waits (promise) until a take may have made room, or `untilMs` (performance.now()) passes.
   * Nothing to undo afterwards (the take that wakes us clears the doorbell's flag), so a sender
   * terminated while parked leaves nothing behind.
   */
  async park(untilMs: number): Promise<void> {
    const words = this.control.words;
    const seen = this.control.armDoorbell();
    const slice = sliceUntil(untilMs);
    const wait = atomicsWaitAsync(words, W_TAKE_SEQ, seen, slice);
    if (wait.async) {
      // A pending waitAsync does not keep Node alive; a timer over the same slice does.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wait.value, new Promise<void>((resolve) => (timer = setTimeout(resolve, slice + 1)))]);
      clearTimeout(timer);
    }
  }

  /** The same, blocking the calling worker thread. */
  parkSync(untilMs: number): void {
    const seen = this.control.armDoorbell();
    Atomics.wait(this.control.words, W_TAKE_SEQ, seen, sliceUntil(untilMs));
  }

  closedError(): ChannelClosedError {
    return new ChannelClosedError('cannot send: the channel is closed; open a new one', { channel: this.channel });
  }

  fullAfterTimeout(timeoutMs: number, label: string): ChannelFullError {
    return new ChannelFullError(
      `${label} stayed full for ${timeoutMs} ms (sendTimeoutMs); receive faster, raise capacity, or raise the timeout`,
      { channel: this.channel },
    );
  }
}

/**
 * Claims room for one envelope of `length` bytes in the queue's SHARED ring and counts it against
 * `capacity`, in the one order that leaks no count wherever its thread is terminated (V8 stops a
 * terminated thread at function entries and loop back-edges, an Atomics call included):
 *   1. claim ring space — a claim the ring later abandons (its sender died) costs no count...
 *   2. count the message (the CAS inside tryReserve is the last stop point before 3),
 *   3. at once, with no call in between, write the envelope tag into the claim's first byte —
 *      ...unless it carries the tag: then the handle that abandons it gives the count back
 *      (onAbandonedClaim, shared-channel.ts). Ring space is zero until written, so an untagged
 *      claim always reads 0 there.
 * Returns the claim (tagged; the caller writes the whole envelope and commits, or on failure
 * cancels it and gives the count back only if cancel() returns true), NO_ROOM or NO_COUNT (the
 * claim is then cancelled, uncounted).
 */
export function claimCounted(queue: ChannelQueue, control: ControlBlock, capacity: number, length: number): Uint8Array | typeof NO_ROOM | typeof NO_COUNT {
  const view = queue.reserve(length);
  if (view === undefined) return NO_ROOM;
  if (!control.tryReserve(capacity)) {
    queue.cancel();
    return NO_COUNT;
  }
  view[0] = ENVELOPE_TAG;
  return view;
}

function sliceUntil(untilMs: number): number {
  return Math.max(0, Math.min(PARK_SLICE_MS, untilMs - performance.now()));
}
