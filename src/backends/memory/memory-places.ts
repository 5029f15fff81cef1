// Where the in-memory channel takes messages from (a MemorySource) and puts them (a MemoryTarget):
// the receivers' queue, or one subscriber slot's ring (a group, or a request's inbox). Named types
// for what the shared lease log can only store as a number: its `leaseCode`.
import type { Ring } from '../../../native-queue/index.js';
import type { SendTarget } from '../../base/backpressure.js';
import type { ChannelQueue, QueueRing } from './channel-queue.js';
import type { SharedChannel } from './shared-channel.js';

/** The lease code of the receivers' queue; slot s is 1 + s. */
const QUEUE_LEASE_CODE = 0;

export class MemorySource {
  private constructor(
    readonly ring: QueueRing,
    /** What the lease log stores for this source (lease-log.ts keeps numbers in shared memory). */
    readonly leaseCode: number,
    /** The subscriber slot, or -1 for the receivers' queue. */
    readonly slot: number,
    /** The subscription group (undefined for the receivers' queue, inboxes and ungrouped subscribers). */
    readonly group: string | undefined,
  ) {}

  static receivers(queue: ChannelQueue): MemorySource {
    return new MemorySource(queue, QUEUE_LEASE_CODE, -1, undefined);
  }

  static slot(ring: Ring, slot: number, group: string | undefined): MemorySource {
    return new MemorySource(ring, QUEUE_LEASE_CODE + 1 + slot, slot, group);
  }

  get isQueue(): boolean {
    return this.slot < 0;
  }
}

/** A place to put a message: in this channel, or (a reply) in another channel of this thread. */
export interface MemoryTarget extends SendTarget {
  /** The channel the ring belongs to (its control block counts, closes and rings the doorbell). */
  readonly shared: SharedChannel;
  readonly ring: QueueRing;
  /** The receivers' queue: counts messages against `capacity`. */
  readonly counted: boolean;
}

export function queueTarget(shared: SharedChannel): MemoryTarget {
  return { shared, ring: shared.queue, counted: true, label: "the receivers' queue", groups: 0 };
}

export function slotTarget(shared: SharedChannel, slot: number, label: string, groups: number): MemoryTarget {
  return { shared, ring: shared.subscriberRings[slot]!, counted: false, label, groups };
}
