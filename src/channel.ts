// The contract every backend implements and every test exercises.
//
// The original's trio stays the heart of it — `send`, `receive`, `tryReceive`, `close` — and
// around it sits acknowledged delivery, publish/subscribe, batches, request/reply, statistics and a
// declared capability record that the conformance suite reads to decide which cases apply.

/** Message headers: plain string pairs, carried unchanged by every backend. */
export type Headers = Record<string, string>;

export type DeliveryGuarantee = 'at-most-once' | 'at-least-once' | 'exactly-once';

/**
 * `fifo`: one receiver sees messages in send order. `per-key`: messages with the same `key` reach
 * receivers in send order, even across consumers of a group. `none`: no promise.
 */
export type Ordering = 'none' | 'fifo' | 'per-key';

/**
 * What `send` does when the channel is at capacity:
 * `block` waits (up to `sendTimeoutMs`, then ChannelFull); `drop-oldest` evicts the oldest waiting
 * message; `drop-newest` discards the message being sent (send still resolves, `stats().dropped`
 * counts it); `error` throws ChannelFull at once.
 */
export type BackpressureMode = 'block' | 'drop-oldest' | 'drop-newest' | 'error';

export interface ChannelOptions {
  /** The channel's name (a stream key, topic or subject on the brokers). */
  name: string;
  /**
   * Capacity in MESSAGES waiting to be received; 0 means unbounded (bounded only by
   * `capacityBytes` where a backend has one). Default 0.
   */
  capacity?: number;
  /** In-memory backend: size of the shared ring in bytes (a power of two). Default 1 MiB. */
  capacityBytes?: number;
  /** Default `at-least-once`. A backend that cannot give `exactly-once` rejects it. */
  delivery?: DeliveryGuarantee;
  /** Default `fifo`. */
  ordering?: Ordering;
  /** Default `block`. */
  backpressure?: BackpressureMode;
  /** Longest a blocked send waits, in ms. Default: no limit. */
  sendTimeoutMs?: number;
  /** Default timeout of `receive` when a call gives none, in ms. Default: no limit. */
  receiveTimeoutMs?: number;
  /** Messages older than this when received are discarded (counted as expired). Default: none. */
  messageTtlMs?: number;
  /**
   * Deliveries after the first before a message is dead-lettered. 0 means a message that fails
   * once goes straight to the dead-letter channel. Default 3.
   */
  maxRetries?: number;
  /** Name of the dead-letter channel; unset or `false` drops exhausted messages (counted as failed). */
  deadLetter?: string | false;
  /**
   * A delivery left unsettled this long (ms) is redelivered as if nacked. Default 30 000;
   * 0 disables the deadline.
   */
  ackTimeoutMs?: number;
}

/** What a backend can promise. The conformance suite reads it; users can too. */
export interface Capabilities {
  /** Strongest ordering the backend keeps. */
  readonly ordering: Ordering;
  /** Accepted messages survive a restart of the process or broker. */
  readonly persistent: boolean;
  /** Subscribers sharing a group share the messages; different groups each get all of them. */
  readonly consumerGroups: boolean;
  readonly exactlyOnce: boolean;
  /** nack and missed ack deadlines redeliver (at-least-once). */
  readonly redelivery: boolean;
  /** While a delivery is unsettled, its receiver is given no next message (ordered processing). */
  readonly holdsNextUntilAck: boolean;
  readonly deadLetter: boolean;
  readonly crossesThreads: boolean;
  readonly crossesProcesses: boolean;
  /** A new subscriber also receives what was published before it subscribed. */
  readonly replaysHistory: boolean;
  /** `publish` resolves to the real number of subscribers reached. */
  readonly countsSubscribers: boolean;
  readonly backpressure: readonly BackpressureMode[];
  readonly requestReply: boolean;
  /** Largest payload accepted, in bytes. */
  readonly maxMessageBytes: number;
}

/** Per-message options of `send`, `publish` and batches. */
export interface SendOptions {
  headers?: Headers;
  /** Partition / ordering key: equal keys keep their order under `per-key` ordering. */
  key?: string;
  correlationId?: string;
  /** Where a reply should go (a channel name). */
  replyTo?: string;
  /** Overrides the channel's `sendTimeoutMs` for this call. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ReceiveOptions {
  /** Overrides the channel's `receiveTimeoutMs`; 0 means "only what is there now". */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A payload with its per-message options, for `sendBatch`. */
export interface OutgoingMessage extends Omit<SendOptions, 'timeoutMs' | 'signal'> {
  data: Uint8Array;
}

/** The envelope a receiver sees. */
export interface Message {
  /** Unique, sortable by send time within one sender (ULID-like). */
  readonly id: string;
  readonly channel: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  /** When it was first sent, ms since the epoch (fractional where the backend can). */
  readonly timestamp: number;
  /** 1 on first delivery, +1 on each redelivery. */
  readonly deliveryCount: number;
}

export interface NackOptions {
  /** Put the message back for another delivery (default true); false settles it as failed. */
  requeue?: boolean;
  /** Wait this long before it may be delivered again. Default 0. */
  delayMs?: number;
}

export type Settlement = 'acked' | 'nacked' | 'dead-lettered';

/**
 * A received message awaiting settlement. Settle it exactly once: repeating the same settlement
 * is a no-op, a different one throws AlreadySettled.
 */
export interface Delivery extends Message {
  readonly settlement: Settlement | undefined;
  ack(): Promise<void>;
  /** Redeliver later (counts a retry; past `maxRetries` it is dead-lettered instead). */
  nack(options?: NackOptions): Promise<void>;
  /** Send it to the dead-letter channel now, with the reason in its headers. */
  deadLetter(reason: string): Promise<void>;
}

export interface SubscribeOptions {
  /** Subscribers with the same group share the messages; each group gets every message. */
  group?: string;
}

/** A stream of published messages. Iterate it; leaving the loop unsubscribes. */
export interface Subscription extends AsyncIterable<Delivery> {
  readonly group: string | undefined;
  next(options?: ReceiveOptions): Promise<Delivery>;
  unsubscribe(): Promise<void>;
}

export interface LatencySummary {
  /** Samples behind the percentiles (send timestamp → handed to a receiver). */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ChannelStats {
  sent: number;
  received: number;
  acked: number;
  nacked: number;
  deadLettered: number;
  /** Discarded by backpressure (`drop-oldest`, `drop-newest`). */
  dropped: number;
  /** Discarded because their TTL passed before delivery. */
  expired: number;
  /** Sends that failed and deliveries that exhausted their retries without a dead-letter channel. */
  failed: number;
  /** Waiting to be received, where the backend can know. */
  pending: number;
  /** Delivered by this handle, not yet settled. */
  inFlight: number;
  latency: LatencySummary;
  /** Messages per second over the last few seconds. */
  throughput: { sentPerSec: number; receivedPerSec: number };
}

export interface Channel extends AsyncIterable<Delivery> {
  readonly name: string;
  readonly options: Readonly<Required<ChannelOptions>>;
  readonly capabilities: Capabilities;
  readonly isClosed: boolean;

  /** Resolves to the message id once the backend has accepted it. */
  send(data: Uint8Array, options?: SendOptions): Promise<string>;
  /** Sends in order; resolves to the ids. A failure part-way leaves the earlier ones sent. */
  sendBatch(messages: readonly (Uint8Array | OutgoingMessage)[], options?: Pick<SendOptions, 'timeoutMs' | 'signal'>): Promise<string[]>;

  /** The next message's bytes, acknowledged on hand-over (the original's `receive`). */
  receive(options?: ReceiveOptions): Promise<Uint8Array>;
  /** The next message's bytes if one is waiting now, else undefined (ChannelClosed once closed and drained). */
  tryReceive(): Promise<Uint8Array | undefined>;
  /** The next message as a Delivery that must be settled (ack/nack/deadLetter). */
  receiveDelivery(options?: ReceiveOptions): Promise<Delivery>;
  /** Up to `max` deliveries: waits for the first, then returns early with what is there. */
  receiveBatch(max: number, options?: ReceiveOptions): Promise<Delivery[]>;
  /** Settles a delivery of this handle by id (MessageNotFound for an unknown id). */
  ack(id: string): Promise<void>;
  nack(id: string, options?: NackOptions): Promise<void>;

  /**
   * The same as `send` — one message, one place (the original's send and publish reached
   * different queues) — but resolves to how many subscriber groups it reached (a subscriber
   * without a group is a group of its own), or -1 where the backend cannot know.
   */
  publish(data: Uint8Array, options?: SendOptions): Promise<number>;
  /**
   * Every message sent or published after this call reaches every subscription group once;
   * members of one group share that group's messages. The channel's plain receivers (`receive`
   * and friends) are one more group of their own, so a subscriber takes nothing away from them.
   */
  subscribe(options?: SubscribeOptions): Promise<Subscription>;

  /** Sends with a fresh correlation id and waits up to `options.timeoutMs` for the reply. */
  request(data: Uint8Array, options?: SendOptions): Promise<Message>;
  /** Answers a request: goes to its `replyTo` with its `correlationId`. */
  reply(request: Message, data: Uint8Array, options?: Omit<SendOptions, 'correlationId' | 'replyTo'>): Promise<string>;

  stats(): ChannelStats;
  /**
   * Closes the channel: waiting receivers drain what is left and then get ChannelClosed; senders
   * get ChannelClosed at once; unsettled deliveries go back for redelivery. Idempotent. On the
   * in-memory backend the shared ring closes for every attached thread; on the brokers this
   * handle's connections close and the broker keeps what it accepted.
   */
  close(): Promise<void>;
}
