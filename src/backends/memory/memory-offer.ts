// The in-memory channel's send primitives for the shared backpressure loop (src/base/backpressure.ts):
// where a message goes, one attempt to put it there, evicting the oldest, and parking a sender
// on the doorbell until a take may have made room. The queue ring counts messages against
// `capacity` (in the control block) as well as bytes (the ring itself); subscriber rings are
// bounded by their bytes only.
import { parkAsync, parkSync } from '../../../native-queue/index.js';
import { FULL_BYTES, FULL_COUNT, SENT, type OfferOutcome } from '../../base/backpressure.js';
import type { Outgoing } from '../../base/outgoing.js';
import type { Route } from '../../base/transport.js';
import { ChannelClosedError, SerializationError } from '../../errors.js';
import { ChannelQueue } from './channel-queue.js';
import { SLOT_GROUP, W_DOORBELL, type ControlBlock } from './control-block.js';
import { ENVELOPE_TAG } from './envelope.js';
import { recordOf, type LocalMessage } from './local-message.js';
import { queueTarget, slotTarget, type MemoryTarget } from './memory-places.js';
import { channelErrorFromRing } from './ring-errors.js';
import type { SharedChannel } from './shared-channel.js';

/** claimCounted(): the ring has no room for the record now. */
export const NO_ROOM = 0;
/** claimCounted(): the ring had room, but `capacity` messages are already counted. */
export const NO_COUNT = 1;

/** Longest single park of a blocked sender before it looks again (parks are always bounded). */
const PARK_SLICE_MS = 50;

export class MemoryOffers {
  private readonly receivers: MemoryTarget;
  /** One target per subscriber slot, made once (a send while groups exist lists them). */
  private readonly slots: MemoryTarget[];
  /**
   * The doorbell counter read at the start of the last failed attempt: a sender parks on it, so a
   * take between its attempt and its park wakes it at once. (Two sends of one handle interleaving
   * may overwrite it; the cost is one park slice, never a hang.)
   */
  private seenBeforeOffer = 0;

  constructor(
    private readonly shared: SharedChannel,
    private readonly capacity: number,
  ) {
    this.receivers = queueTarget(shared);
    this.slots = shared.subscriberRings.map((_, s) => slotTarget(shared, s, `subscriber slot ${s}`, 1));
  }

  /** `send`: the receivers' queue and every group's ring; `publish`: every group's ring only. */
  targets(route: Route, message: Outgoing): MemoryTarget[] {
    const targets = route === 'send' ? [this.receivers] : [];
    const control = this.shared.control;
    if (control.slotsInUse() !== 0) {
      for (let s = 0; s < this.slots.length; s++) if (control.slotState(s) === SLOT_GROUP) targets.push(this.slots[s]!);
    }
    // Refused up front what one of the rings could never take, so no ring gets a partial fan-out.
    for (const target of targets) {
      if (message.size > target.ring.maxMessageBytes) {
        throw new SerializationError(
          `this message's envelope is ${message.size} bytes; ${target.label} takes at most ${target.ring.maxMessageBytes} (subscriber rings are subscriberCapacityBytes / 2); raise subscriberCapacityBytes or send smaller messages`,
          { channel: this.shared.name },
        );
      }
    }
    return targets;
  }

  offer(message: Outgoing, target: MemoryTarget): OfferOutcome {
    const { control } = target.shared;
    this.seenBeforeOffer = control.takeSeq();
    if (control.closed || target.ring.closed) throw new ChannelClosedError('cannot send: the channel is closed; open a new one', { channel: target.shared.name });
    const record = recordOf(message as LocalMessage);
    try {
      if (!target.counted) return target.ring.trySend(record) ? SENT : FULL_BYTES;
      const queue = target.ring as ChannelQueue;
      if (!queue.isLocal) return offerCounted(queue, control, this.capacity, record);
      if (!control.tryReserve(this.capacity)) return FULL_COUNT;
      if (queue.trySend(record)) return SENT;
      control.unreserve();
      return FULL_BYTES;
    } catch (err) {
      throw channelErrorFromRing(err, target.shared.name, 'send');
    }
  }

  evictOldest(target: MemoryTarget): boolean {
    const evicted = target.ring.tryReceive();
    if (evicted === undefined) return false;
    if (target.counted) (target.ring as ChannelQueue).countTaken(target.shared.control, 1);
    else target.shared.control.rang();
    return true;
  }

  /**
   * Parks until a take may have made room or `untilMs` passes. Nothing to undo afterwards (the
   * take that wakes us clears the doorbell's flag), so a sender terminated while parked leaves
   * nothing behind.
   */
  async waitForRoom(target: MemoryTarget, untilMs: number): Promise<void> {
    // A signal is seen between parks (the loop checks it); a park lasts one slice at most.
    const { control } = target.shared;
    control.armDoorbell();
    await parkAsync(control.words, W_DOORBELL, this.seenBeforeOffer, sliceUntil(untilMs), undefined);
  }

  waitForRoomSync(target: MemoryTarget, untilMs: number): void {
    const { control } = target.shared;
    control.armDoorbell();
    parkSync(control.words, W_DOORBELL, this.seenBeforeOffer, sliceUntil(untilMs));
  }
}

/**
 * The queue's shared ring: a counted claim (claimCounted), the record copied in, commit. A
 * RING_ABANDONED commit (thrown on) must not give the count back: the handle that abandoned
 * the tagged claim already did.
 */
function offerCounted(queue: ChannelQueue, control: ControlBlock, capacity: number, record: Uint8Array): OfferOutcome {
  const view = claimCounted(queue, control, capacity, record.length);
  if (view === NO_ROOM) return FULL_BYTES;
  if (view === NO_COUNT) return FULL_COUNT;
  view.set(record);
  queue.commit();
  return SENT;
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
  // kill-window: tryReserve's CAS (its last stop point) → the tag store (test/unit/kill-windows.test.ts)
  view[0] = ENVELOPE_TAG;
  // kill-window end
  return view;
}

function sliceUntil(untilMs: number): number {
  return Math.max(0, Math.min(PARK_SLICE_MS, untilMs - performance.now()));
}
