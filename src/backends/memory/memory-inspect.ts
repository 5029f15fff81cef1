// What an in-memory channel holds, for `inspect()`: the receivers' queue's count, each subscriber
// slot (a group, an ungrouped subscriber, a request's inbox) with its members, and the lease log.
import type { ChannelInfo, GroupInfo } from '../../channel.js';
import { RECEIVERS_GROUP } from '../../base/subscription.js';
import { SLOT_GROUP, SLOT_INBOX } from './control-block.js';
import type { SharedChannel } from './shared-channel.js';

/** Ungrouped subscribers' slots are named with this prefix (memory-slots.ts). */
const SOLO_PREFIX = '#solo-';

export function inspectMemory(shared: SharedChannel): Omit<ChannelInfo, 'name' | 'status'> {
  const { control, leases } = shared;
  const queued = Math.max(0, control.queued());
  const groups: GroupInfo[] = [{ name: RECEIVERS_GROUP, kind: 'receivers', pending: queued, members: undefined }];
  for (let slot = 0; slot < control.maxSubscribers; slot++) {
    const { state, name, members } = control.slotInfo(slot);
    if (state === SLOT_GROUP) {
      const solo = name.startsWith(SOLO_PREFIX);
      groups.push({ name: solo ? 'subscriber' : name, kind: solo ? 'subscriber' : 'group', pending: undefined, members });
    } else if (state === SLOT_INBOX) {
      groups.push({ name: 'inbox', kind: 'inbox', pending: undefined, members });
    }
  }
  return {
    messages: queued,
    groups,
    backend: {
      backend: 'memory',
      closed: shared.closed,
      sharedAcrossThreads: !shared.queue.isLocal,
      leasesLive: leases.live(),
      capacity: shared.options.capacity,
      capacityBytes: shared.options.capacityBytes,
      subscriberSlots: control.maxSubscribers,
    },
  };
}
