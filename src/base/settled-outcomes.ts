// The outcomes of the last few thousand settled deliveries, by id — so that `channel.ack(id)`
// repeated is the no-op it is on the Delivery itself, and `nack(id)` after `ack(id)` says
// AlreadySettled rather than MessageNotFound.
//
// Only the id and the outcome are kept, never the delivery (a delivery holds its payload: 4 096
// settled deliveries of 64 KiB kept 256 MiB alive). The oldest entry is found in O(1) in a ring
// of ids: no Map iterator, whose first step skips every deleted entry before it and so cost
// about half an ack on a busy channel.
import type { Settlement } from '../channel.js';

export class SettledOutcomes {
  private readonly byId = new Map<string, Settlement>();
  /** Ids in the order they were settled; `next` is where the next one goes (the oldest, once full). */
  private readonly order: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.order = new Array<string | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Settlement | undefined {
    return this.byId.get(id);
  }

  remember(id: string, outcome: Settlement): void {
    if (this.byId.has(id)) {
      // Settled again under the same id (a redelivery of it, settled here once more): newest outcome wins.
      this.byId.set(id, outcome);
      return;
    }
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.byId.delete(oldest);
    this.order[this.next] = id;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    this.byId.set(id, outcome);
  }
}
