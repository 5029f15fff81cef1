// The subscription object every backend hands out: the group check, next(), unsubscribe() and
// iteration. A backend supplies only joining and leaving a group (Transport.joinGroup/leaveGroup).
import type { Delivery, ReceiveOptions, Subscription } from '../channel.js';
import { deliveryIterator } from '../delivery-iterator.js';
import { ChannelClosedError, InvalidConfigurationError } from '../errors.js';

/** What a subscription needs from its channel. */
export interface SubscriptionPort<S> {
  readonly channel: string;
  next(source: S, options: ReceiveOptions): Promise<Delivery>;
  leave(source: S): Promise<void>;
}

export class ChannelSubscription<S> implements Subscription {
  private left = false;

  constructor(
    private readonly port: SubscriptionPort<S>,
    readonly group: string | undefined,
    private readonly source: S,
  ) {}

  async next(options: ReceiveOptions = {}): Promise<Delivery> {
    if (this.left) throw new ChannelClosedError('this subscription was unsubscribed; subscribe again to receive more', { channel: this.port.channel });
    return this.port.next(this.source, options);
  }

  async unsubscribe(): Promise<void> {
    if (this.left) return;
    this.left = true;
    await this.port.leave(this.source);
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return deliveryIterator(() => this.next(), () => this.unsubscribe());
  }
}

/**
 * Group names the library gives its own groups on the brokers begin with this: the receivers'
 * queue is the group `ps-receivers`, an ungrouped subscriber `ps-solo-<token>`, an inbox
 * `ps-inbox-<token>` (docs/backends.md). A user group of that prefix is refused everywhere alike.
 */
export const RESERVED_GROUP_PREFIX = 'ps-';
/** The receivers' queue's group on the brokers. */
export const RECEIVERS_GROUP = `${RESERVED_GROUP_PREFIX}receivers`;

/** A group is a non-empty string of at most `maxBytes` UTF-8 bytes, or absent (a group of one). */
export function checkGroupName(group: unknown, maxBytes: number, channel: string): asserts group is string | undefined {
  if (group === undefined) return;
  if (typeof group !== 'string' || group.length === 0) {
    throw new InvalidConfigurationError('subscribe group must be a non-empty string (or leave it out for a subscriber of its own)', { channel });
  }
  if (group.startsWith(RESERVED_GROUP_PREFIX)) {
    throw new InvalidConfigurationError(
      `group ${JSON.stringify(group)} starts with '${RESERVED_GROUP_PREFIX}', which names the library's own groups (the receivers' queue, ungrouped subscribers, inboxes); rename it`,
      { channel },
    );
  }
  const bytes = Buffer.byteLength(group, 'utf8');
  if (bytes > maxBytes) throw new InvalidConfigurationError(`group name is ${bytes} bytes; use at most ${maxBytes}`, { channel });
}
