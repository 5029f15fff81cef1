// Where a Redis channel takes messages from and puts them.
//
// Sources: a consumer group this handle reads as one consumer (the receivers' queue is the group
// `ps-receivers`; a subscription is its group, or a group `ps-solo-<token>` of its own), or a
// request's place in this handle's inbox stream. Targets: the stream (a send, counted against the
// receivers' capacity; a publish, which learns how many groups it reached), or an inbox stream.
import type { Message } from '../../channel.js';
import type { SendTarget } from '../../base/backpressure.js';
import { SettleableDelivery, type SettlePort } from '../../delivery.js';
import type { StreamKeys } from './entries.js';
import { TakeWaiters } from './take-waiters.js';

/** Which stream of a group an entry sits in: the channel's stream or the group's retry stream; 0 for an inbox. */
export type StreamSlot = 0 | 1 | 2;

/** An entry taken (read into this handle), not yet handed out. */
export interface RedisRaw {
  readonly message: Message;
  readonly source: RedisSource;
  readonly slot: StreamSlot;
  /** The stream entry id. */
  readonly entryId: string;
  /**
   * performance.now() just before the read that took it was sent: its idle time on the server
   * is at most the time since (what lets an ack skip the ownership check, settler.ts).
   */
  readonly readAt: number;
}

export class GroupSource {
  readonly kind = 'group';
  /** Entries read but not handed out yet. */
  readonly buffer: RedisRaw[] = [];
  /** Deliveries of this source in flight (at-least-once), by slot and entry id. */
  readonly held = new Map<string, RedisDelivery>();
  readonly waiters: TakeWaiters<RedisRaw>;
  readonly retryKey: string;
  readonly delayKey: string;
  left = false;
  /** How many a batch take wanted when the buffer was empty: the next read asks for that many. */
  hint = 0;
  /**
   * The receivers' group: sends taken by blocking reads that the server's waiting counter does
   * not know of yet (the next READ or ack lowers it by these, in the same command).
   */
  untaken = 0;
  /** Read this consumer's own pending entries before new ones (at start, after a reconnect). */
  pendingFirst = true;
  /**
   * How: after a start, each counts as a delivery (a process under this consumer name that died
   * had them); after a reconnect, they are read back uncounted (READ's mode 2).
   */
  pendingAfter: 'start' | 'reconnect' = 'start';
  pendingCursors: [string, string] = ['0', '0'];
  claimCursors: [string, string] = ['0-0', '0-0'];

  constructor(
    channel: string,
    readonly keys: StreamKeys,
    /** The Redis group. */
    readonly group: string,
    readonly consumer: string,
    /** The receivers' queue (settles published entries unread, counts the waiting sends). */
    readonly receivers: boolean,
    /** The subscription group as the user named it (undefined: receivers, or an ungrouped subscriber). */
    readonly userGroup: string | undefined,
    /** An ungrouped subscriber's group: destroyed when it leaves. */
    readonly solo: boolean,
  ) {
    this.waiters = new TakeWaiters(channel);
    this.retryKey = keys.retry(group);
    this.delayKey = keys.delay(group);
  }

  /** The key of an entry in `held`. */
  static entryKey(slot: StreamSlot, entryId: string): string {
    return `${slot}:${entryId}`;
  }
}

/** A request's place in this handle's inbox stream: the replies tagged for it. */
export class InboxSource {
  readonly kind = 'inbox';
  readonly buffer: RedisRaw[] = [];
  readonly waiters: TakeWaiters<RedisRaw>;
  closed = false;

  constructor(
    channel: string,
    readonly tag: string,
  ) {
    this.waiters = new TakeWaiters(channel);
  }
}

export type RedisSource = GroupSource | InboxSource;

export interface RedisTarget extends SendTarget {
  readonly kind: 'stream' | 'inbox';
  /** The inbox stream and the request's tag in it (kind 'inbox'). */
  readonly stream?: string;
  readonly tag?: string;
  /** Subscription groups reached; a publish target learns it from the send (-1 unknown). */
  groups: number;
  readonly route: 'send' | 'publish';
}

export function queueTarget(stream: string): RedisTarget {
  return { kind: 'stream', route: 'send', label: `the receivers' queue of stream '${stream}'`, groups: 0 };
}

export function publishTarget(stream: string): RedisTarget {
  return { kind: 'stream', route: 'publish', label: `the subscription groups of stream '${stream}'`, groups: -1 };
}

export function inboxTarget(stream: string, tag: string): RedisTarget {
  return { kind: 'inbox', route: 'send', stream, tag, label: `the reply inbox '${stream}'`, groups: 0 };
}

export class RedisDelivery extends SettleableDelivery {
  /** Set when this handle took the same entry again (its deadline passed): this one can no longer settle it. */
  stale = false;

  constructor(
    readonly raw: RedisRaw,
    port: SettlePort<RedisDelivery>,
  ) {
    super(raw.message, port as SettlePort<SettleableDelivery>);
  }
}
