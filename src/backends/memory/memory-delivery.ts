// A delivery of the in-memory backend: the message, plus what settling it needs underneath — its
// own copy of the envelope (never a view into a ring) or the message still in object form, the
// source it came from, and the lease that keeps a shared copy safe until it is settled.
import type { Message } from '../../channel.js';
import { SettleableDelivery, type SettlePort } from '../../delivery.js';
import type { LeaseRef } from './lease-log.js';
import type { LocalMessage } from './local-message.js';
import type { MemorySource } from './memory-places.js';

export class MemoryDelivery extends SettleableDelivery {
  constructor(
    message: Message,
    port: SettlePort<MemoryDelivery | LocalMessage>,
    /** Its envelope: a record of its own, or a thread-local queue's message (encoded only if a nack needs it). */
    readonly envelope: Uint8Array | LocalMessage,
    readonly source: MemorySource,
    /** Undefined when unleased (at-most-once, ackTimeoutMs 0, or a full lease log). */
    readonly lease: LeaseRef | undefined,
  ) {
    // The channel's port settles both kinds of its deliveries; this one always passes itself.
    super(message, port as SettlePort<SettleableDelivery>);
  }
}
