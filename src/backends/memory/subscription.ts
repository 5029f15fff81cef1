// Publish/subscribe and request/reply on the in-memory backend, across threads. Both use the
// channel's subscriber slots: a slot names a group (or a request's inbox) in the shared control
// block and owns one preallocated ring, so a subscriber or a requester in any thread is reachable
// from a sender in any other thread. Members of one group share its ring (each message goes to one
// of them); each group gets every message.
import type { Delivery, Message, ReceiveOptions, SendOptions, Subscription, SubscribeOptions } from '../../channel.js';
import { deliveryIterator } from '../../delivery-iterator.js';
import { ChannelClosedError, ChannelFullError, InvalidConfigurationError, isChannelError, MessageNotFoundError, TimeoutError } from '../../errors.js';
import { newMessageId, randomToken } from '../../ids.js';
import { nowMs } from '../../metrics/channel-metrics.js';
import { MAX_SLOT_NAME_BYTES, SLOT_GROUP, SLOT_INBOX } from './control-block.js';
import { encodeEnvelope } from './envelope.js';
// A cycle (memory-channel imports this file): only used inside functions, after both loaded.
import { InMemoryChannel } from './memory-channel.js';
import { SharedChannel } from './shared-channel.js';

const encoder = new TextEncoder();
/** Separates a channel name from an inbox token in `replyTo`; never part of a channel name. */
const INBOX_SEPARATOR = '#';

class MemorySubscription implements Subscription {
  private left = false;

  constructor(
    private readonly channel: InMemoryChannel,
    readonly group: string | undefined,
    private readonly slot: number,
  ) {}

  async next(options: ReceiveOptions = {}): Promise<Delivery> {
    if (this.left) throw new ChannelClosedError('this subscription was unsubscribed; subscribe again to receive more', { channel: this.channel.name });
    const target = this.slot + 1;
    return this.channel.pollFrom(target) ?? this.channel.waitFrom(target, options);
  }

  async unsubscribe(): Promise<void> {
    if (this.left) return;
    this.left = true;
    leaveSlot(this.channel.shared, this.slot);
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return deliveryIterator(() => this.next(), () => this.unsubscribe());
  }
}

export async function openSubscription(channel: InMemoryChannel, options: SubscribeOptions): Promise<Subscription> {
  const group = options.group;
  if (group !== undefined && (typeof group !== 'string' || group.length === 0)) {
    throw new InvalidConfigurationError('subscribe group must be a non-empty string (or leave it out for a subscriber of its own)', { channel: channel.name });
  }
  // An ungrouped subscriber is a group of one with a name nobody else can pick.
  const slotName = group ?? `${INBOX_SEPARATOR}solo-${randomToken()}`;
  const slot = joinSlot(channel, SLOT_GROUP, slotName);
  return new MemorySubscription(channel, group, slot);
}

function joinSlot(channel: InMemoryChannel, kind: number, name: string): number {
  const bytes = encoder.encode(name);
  if (bytes.byteLength > MAX_SLOT_NAME_BYTES) {
    throw new InvalidConfigurationError(`group name is ${bytes.byteLength} bytes; use at most ${MAX_SLOT_NAME_BYTES}`, { channel: channel.name });
  }
  const joined = channel.shared.control.joinSlot(kind, bytes);
  if (!joined) {
    throw new ChannelFullError(
      `all ${channel.shared.options.maxSubscribers} subscriber slots (groups and pending requests) are in use; unsubscribe some, or open the channel with a larger maxSubscribers`,
      { channel: channel.name },
    );
  }
  return joined.slot;
}

/** The last member out empties the slot's ring, so the next group to claim it starts clean. */
function leaveSlot(shared: SharedChannel, slot: number): void {
  if (!shared.control.leaveSlot(slot)) return;
  const ring = shared.subscriberRings[slot]!;
  while (ring.tryReceive() !== undefined);
  shared.control.freeSlot(slot);
}

export async function requestReply(channel: InMemoryChannel, data: Uint8Array, options: SendOptions): Promise<Message> {
  const token = randomToken();
  const slot = joinSlot(channel, SLOT_INBOX, token);
  const correlationId = options.correlationId ?? randomToken(20);
  try {
    await channel.send(data, { ...options, correlationId, replyTo: `${channel.name}${INBOX_SEPARATOR}${token}` });
    const timeoutMs = options.timeoutMs ?? channel.options.receiveTimeoutMs;
    const end = performance.now() + timeoutMs;
    for (;;) {
      const remaining = Math.max(0, end - performance.now());
      let reply: Delivery;
      try {
        reply = channel.pollFrom(slot + 1) ?? (await channel.waitFrom(slot + 1, { timeoutMs: remaining, signal: options.signal }));
      } catch (err) {
        if (isChannelError(err, 'Timeout')) {
          throw new TimeoutError(`no reply within ${timeoutMs} ms to request ${correlationId}; check that a responder is running, or raise timeoutMs`, { channel: channel.name });
        }
        throw err;
      }
      await reply.ack();
      if (reply.correlationId === correlationId) return reply;
      // A stray reply (a previous request's, arriving late) is not this request's answer.
    }
  } finally {
    leaveSlot(channel.shared, slot);
  }
}

export async function sendReply(
  channel: InMemoryChannel,
  request: Message,
  data: Uint8Array,
  options: Omit<SendOptions, 'correlationId' | 'replyTo'>,
): Promise<string> {
  const replyTo = request?.replyTo;
  if (typeof replyTo !== 'string') {
    throw new InvalidConfigurationError('this message has no replyTo: it was not sent by request(), so there is nowhere to reply', { channel: channel.name });
  }
  const cut = replyTo.lastIndexOf(INBOX_SEPARATOR);
  const channelName = cut < 0 ? replyTo : replyTo.slice(0, cut);
  const target = channelName === channel.name ? channel.shared : SharedChannel.named(channelName);
  if (!target) {
    throw new InvalidConfigurationError(
      `replyTo names channel '${channelName}', which is not open in this thread; open it here, or attach its descriptor, before replying`,
      { channel: channel.name },
    );
  }
  if (cut < 0) {
    // A plain channel name: the reply is an ordinary message on that channel.
    return InMemoryChannel.attach(target.descriptor).send(data, { ...options, correlationId: request.correlationId });
  }
  const slot = target.control.findSlot(SLOT_INBOX, encoder.encode(replyTo.slice(cut + 1)));
  if (slot < 0) {
    throw new MessageNotFoundError(`the requester of ${request.correlationId} stopped waiting (timed out or gave up); the reply has nowhere to go`, { channel: channel.name });
  }
  const id = newMessageId();
  const record = encodeEnvelope({ id, data, timestamp: nowMs(), deliveryCount: 1, headers: options.headers, key: options.key, correlationId: request.correlationId });
  const ring = target.subscriberRings[slot]!;
  if (!ring.trySend(record)) await ring.send(record, { timeoutMs: options.timeoutMs ?? channel.options.sendTimeoutMs, signal: options.signal });
  return id;
}
