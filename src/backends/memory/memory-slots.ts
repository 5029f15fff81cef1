// Subscription groups and request inboxes on the in-memory backend, across threads. Both use the
// channel's subscriber slots: a slot names a group (or a request's inbox) in the shared control
// block and owns one preallocated ring, so a subscriber or a requester in any thread is reachable
// from a sender in any other thread. Members of one group share its ring (each message goes to one
// of them); each group gets every message.
import type { Inbox } from '../../base/transport.js';
import { ChannelFullError, InvalidConfigurationError, MessageNotFoundError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import { SLOT_GROUP, SLOT_INBOX } from './control-block.js';
import { MemorySource, slotTarget, type MemoryTarget } from './memory-places.js';
import { SharedChannel } from './shared-channel.js';

const encoder = new TextEncoder();
/** Separates a channel name from an inbox token in an inbox address; never part of a channel name. */
const INBOX_SEPARATOR = '#';

export class MemorySlots {
  constructor(private readonly shared: SharedChannel) {}

  /** Joins the group's slot (or claims one); an ungrouped subscriber is a group of one nobody else can name. */
  join(group: string | undefined): MemorySource {
    const slot = this.claim(SLOT_GROUP, group ?? `${INBOX_SEPARATOR}solo-${randomToken()}`);
    return MemorySource.slot(this.shared.subscriberRings[slot]!, slot, group);
  }

  /** The last member out empties the slot's ring, so the next group to claim it starts clean. */
  leave(source: MemorySource): void {
    leaveSlot(this.shared, source.slot);
  }

  /** A request's inbox: a slot of its own, addressed `channel#token` from any thread. */
  openInbox(): Inbox<MemorySource> {
    const token = randomToken();
    const slot = this.claim(SLOT_INBOX, token);
    const shared = this.shared;
    return {
      source: MemorySource.slot(shared.subscriberRings[slot]!, slot, undefined),
      address: `${shared.name}${INBOX_SEPARATOR}${token}`,
      close: () => leaveSlot(shared, slot),
    };
  }

  /** An inbox address (`channel#token`), or a plain channel name (the reply is a message on that channel). */
  replyTarget(address: string): { target: MemoryTarget } | { channel: string } {
    const cut = address.lastIndexOf(INBOX_SEPARATOR);
    if (cut < 0) {
      // A plain channel name: it must be open in this thread (a reply never creates a channel).
      if (!SharedChannel.named(address)) throw notOpenHere(address, this.shared.name);
      return { channel: address };
    }
    const channelName = address.slice(0, cut);
    const owner = channelName === this.shared.name ? this.shared : SharedChannel.named(channelName);
    if (!owner) throw notOpenHere(channelName, this.shared.name);
    const slot = owner.control.findSlot(SLOT_INBOX, encoder.encode(address.slice(cut + 1)));
    if (slot < 0) {
      throw new MessageNotFoundError(`the requester behind ${address} stopped waiting (timed out or gave up); the reply has nowhere to go`, { channel: this.shared.name });
    }
    return { target: slotTarget(owner, slot, "the requester's inbox", 0) };
  }

  private claim(kind: number, name: string): number {
    const joined = this.shared.control.joinSlot(kind, encoder.encode(name));
    if (!joined) {
      throw new ChannelFullError(
        `all ${this.shared.options.maxSubscribers} subscriber slots (groups and pending requests) are in use; unsubscribe some, or open the channel with a larger maxSubscribers`,
        { channel: this.shared.name },
      );
    }
    return joined.slot;
  }
}

function leaveSlot(shared: SharedChannel, slot: number): void {
  if (!shared.control.leaveSlot(slot)) return;
  const ring = shared.subscriberRings[slot]!;
  while (ring.tryReceive() !== undefined);
  shared.control.freeSlot(slot);
}

function notOpenHere(name: string, channel: string): InvalidConfigurationError {
  return new InvalidConfigurationError(`replyTo names channel '${name}', which is not open in this thread; open it here, or attach its descriptor, before replying`, { channel });
}
