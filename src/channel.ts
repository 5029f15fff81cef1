// The contract every backend implements and every test exercises (version 2).
//
// The original's trio stays the heart of it — `send`, `receive`, `tryReceive`, `close` — and
// around it sit acknowledged delivery, publish/subscribe, batches, request/reply, statistics, a
// connection status and a declared capability record that the conformance suite reads to decide
// which cases apply. Every backend implements it by extending the shared template
// (src/base/base-channel.ts), which writes the policy once; a backend supplies primitives only.
//
// Where messages go (decided here, held by the conformance suite on every backend):
// - `send` reaches the channel's RECEIVERS' QUEUE (the plain receivers — `receive`,
//   `receiveDelivery`, `receiveBatch`, iteration — share it: each message goes to one of them) and
//   every SUBSCRIPTION GROUP (each group gets every message once; the members of a group share it).
// - `publish` reaches every subscription group, and only them.
// So a channel used for publish/subscribe alone never fills a queue nobody reads (and never
// stalls on one), a work queue keeps what was sent before its first receiver came, and a
// subscriber gets every message sent or published after it subscribed.

/** Message headers: plain string pairs, carried unchanged by every backend. */
export type Headers = Record<string, string>;

/**
 * `at-most-once`: a message is handed out once and forgotten. `at-least-once`: a delivery stays
 * the backend's until it is settled; nack, a missed ack deadline or a dead receiver redeliver it.
 * `exactly-once` has one defined scope: consume from a channel, process, and produce to channels
 * of the same backend inside `channel.transaction()` — the acks and the sends commit together or
 * not at all, and readers opened with `exactly-once` see only committed messages. A backend that
 * cannot give it (`capabilities.exactlyOnce` false) refuses the option with InvalidConfiguration.
 */
export type DeliveryGuarantee = 'at-most-once' | 'at-least-once' | 'exactly-once';

/**
 * `fifo`: one receiver sees messages in send order. `per-key`: messages with the same `key` are
 * handed out in send order, one at a time, even across the consumers of a group — the next message
 * of a key is not handed out while the one before it is unsettled, so a nacked message is
 * redelivered before any later message of its key (per-key order holds between redeliveries).
 * `none`: no promise.
 */
export type Ordering = 'none' | 'fifo' | 'per-key';

/**
 * What `send` does when the channel is at capacity:
 * `block` waits (up to `sendTimeoutMs`, then ChannelFull); `drop-oldest` evicts the oldest waiting
 * message; `drop-newest` discards the message being sent (send still resolves, `stats().dropped`
 * counts it); `error` throws ChannelFull at once. A ChannelFull send counts in `stats().failed`.
 */
export type BackpressureMode = 'block' | 'drop-oldest' | 'drop-newest' | 'error';

/** Options every backend takes. A backend adds its own (e.g. the in-memory ring size). */
export interface ChannelOptions {
  /** The channel's name (a stream key, topic or subject on the brokers). */
  name: string;
  /**
   * Capacity in MESSAGES waiting in the receivers' queue; 0 means no limit of its own (an
   * in-memory ring is still bounded by its bytes). Default 0.
   */
  capacity?: number;
  /** Default `at-least-once`. A backend that cannot give `exactly-once` rejects it. */
  delivery?: DeliveryGuarantee;
  /** Default `fifo`. */
  ordering?: Ordering;
  /** Default `block`. A mode not in `capabilities.backpressure` is refused. */
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
   * A delivery left unsettled this long (ms) is redelivered as if nacked, where the backend
   * declares `capabilities.ackDeadline`. Default 30 000; 0 disables the deadline.
   */
  ackTimeoutMs?: number;
  /** Longest opening a channel (or reconnecting it) waits for its broker, in ms. Default 10 000. */
  connectTimeoutMs?: number;
}

/** What a backend can promise. The conformance suite reads it; users can too. */
export interface Capabilities {
  /** Strongest ordering the backend keeps. */
  readonly ordering: Ordering;
  /** Accepted messages survive a restart of the process or broker. */
  readonly persistent: boolean;
  /**
   * A message sent while no receiver is attached waits for one. False (core NATS): a message
   * nobody is subscribed to when it is sent is gone; the cases that need retention skip.
   */
  readonly keepsForAbsentReceivers: boolean;
  /** Subscribers sharing a group share the messages; different groups each get all of them. */
  readonly consumerGroups: boolean;
  /**
   * A named group outlives its members: when its last member leaves it keeps its position and
   * what is sent meanwhile, and the next member to join resumes there (Redis groups, Kafka
   * offsets, JetStream durables). False: a group ends with its last member, and a member joining
   * later starts with what is sent after it joined. An ungrouped subscriber never outlives itself.
   */
  readonly durableGroups: boolean;
  readonly exactlyOnce: boolean;
  /** nack redelivers (at-least-once). */
  readonly redelivery: boolean;
  /** A delivery left unsettled past `ackTimeoutMs` is redelivered to another receiver. */
  readonly ackDeadline: boolean;
  /**
   * `deliveryCount` counts every delivery. False where a redelivery can keep the old count (a
   * Kafka record re-read after its consumer missed the deadline): cases then check it only grows.
   */
  readonly exactDeliveryCount: boolean;
  /**
   * Under at-least-once a message may be delivered twice without a nack or a missed deadline
   * (a consumer-group rebalance, a reconnect). The suite counts duplicates apart and allows them
   * only where this is true; losses are never allowed.
   */
  readonly mayDuplicate: boolean;
  /** While a delivery is unsettled, its receiver is given no next message (ordered processing). */
  readonly holdsNextUntilAck: boolean;
  readonly deadLetter: boolean;
  readonly crossesThreads: boolean;
  readonly crossesProcesses: boolean;
  /** A new subscriber also receives what was published before it subscribed. */
  readonly replaysHistory: boolean;
  /** `publish` resolves to the real number of subscription groups reached (else -1). */
  readonly countsSubscribers: boolean;
  readonly backpressure: readonly BackpressureMode[];
  readonly requestReply: boolean;
  /** The channel talks to a broker over connections and reports their state in `status`. */
  readonly connection: boolean;
  /** Largest payload accepted, in bytes. */
  readonly maxMessageBytes: number;
}

/** Per-message options of `send`, `publish` and batches. */
export interface SendOptions {
  headers?: Headers;
  /** Partition / ordering key: equal keys keep their order under `per-key` ordering. */
  key?: string;
  correlationId?: string;
  /**
   * Where a reply should go: an ADDRESS of the backend, not necessarily a channel name — an
   * in-memory inbox (`name#token`), a Redis inbox stream, a NATS `_INBOX.…` subject. `request()`
   * sets it; `reply()` resolves it. Carried unchanged and never checked against the name rules.
   */
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
  /** Unique, sortable by send time within one sender (ULID-like); the same on every redelivery. */
  readonly id: string;
  readonly channel: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  /** When it was first sent, ms since the epoch (fractional where the backend can). */
  readonly timestamp: number;
  /** 1 on first delivery, +1 on each redelivery (see `capabilities.exactDeliveryCount`). */
  readonly deliveryCount: number;
}

export interface NackOptions {
  /** Put the message back for another delivery (default true); false settles it as failed. */
  requeue?: boolean;
  /** Wait this long before it may be delivered again. Default 0. */
  delayMs?: number;
  /** What went wrong; if the message ends in the dead-letter channel, its name and message go along. */
  error?: unknown;
}

export interface DeadLetterOptions {
  /** What went wrong: its name and message go into the dead-letter headers. */
  error?: unknown;
}

export type Settlement = 'acked' | 'nacked' | 'dead-lettered';

/**
 * A received message awaiting settlement. Settle it exactly once: repeating the same settlement
 * is a no-op, a different one throws AlreadySettled. A settlement that failed underneath (the
 * broker refused) leaves it unsettled, so it may be tried again.
 */
export interface Delivery extends Message {
  readonly settlement: Settlement | undefined;
  ack(): Promise<void>;
  /** Redeliver later (counts a retry; past `maxRetries` it is dead-lettered instead). */
  nack(options?: NackOptions): Promise<void>;
  /** Send it to the dead-letter channel now, with the reason in its headers (DEAD_LETTER_HEADERS). */
  deadLetter(reason: string, options?: DeadLetterOptions): Promise<void>;
}

export interface SubscribeOptions {
  /**
   * Subscribers with the same group share the messages; each group gets every message sent or
   * published while it exists. Without a group, the subscriber is a group of its own.
   */
  group?: string;
}

/** A stream of the messages sent and published to a channel. Iterate it; leaving the loop unsubscribes. */
export interface Subscription extends AsyncIterable<Delivery> {
  readonly group: string | undefined;
  next(options?: ReceiveOptions): Promise<Delivery>;
  unsubscribe(): Promise<void>;
}

/** Sends and acks that commit together (the scope of `exactly-once`, see DeliveryGuarantee). */
export interface Transaction {
  /** Sends to a channel of the same backend; readers see it only once the transaction commits. */
  send(channel: Channel, data: Uint8Array, options?: Omit<SendOptions, 'timeoutMs' | 'signal'>): Promise<string>;
  /** Acknowledges a delivery of the transaction's channel when the transaction commits. */
  ack(delivery: Delivery): Promise<void>;
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
  /** Copies written to the dead-letter channel. */
  deadLettered: number;
  /** Discarded by backpressure (`drop-oldest`, `drop-newest`). */
  dropped: number;
  /** Discarded because their TTL passed before delivery. */
  expired: number;
  /**
   * Sends that failed (ChannelFull included), and messages given up without a dead-letter
   * channel (past maxRetries, nack without requeue, deadLetter()).
   */
  failed: number;
  /** Failures in the background that stopped nothing but deserve a look (each also an 'error' event). */
  errors: number;
  /**
   * Waiting in the receivers' queue, where the backend can know without a network call;
   * undefined where it cannot.
   */
  pending: number | undefined;
  /** Delivered by this handle, not yet settled. */
  inFlight: number;
  latency: LatencySummary;
  /** Messages per second over the last few seconds. */
  throughput: { sentPerSec: number; receivedPerSec: number };
}

/**
 * `connecting` until the first connection is up; `reconnecting` while a broker is out of reach
 * (sends wait up to their timeout, receivers resume after); `closed` after close(). Backends
 * without connections (`capabilities.connection` false) are `connected` until closed.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** What `inspect()` reports: what the channel and its groups hold, as far as the backend can tell. */
export interface ChannelInfo {
  readonly name: string;
  readonly status: ConnectionState;
  /** Messages the channel holds now (a stream's length, a ring's count); undefined where unknown. */
  readonly messages: number | undefined;
  /** The receivers' queue and every subscription group the backend knows of. */
  readonly groups: readonly GroupInfo[];
  /** Anything else the backend reports, in its own terms (stream or consumer info). */
  readonly backend: Readonly<Record<string, unknown>>;
}

export interface GroupInfo {
  /** The group's name; the receivers' queue is 'ps-receivers'. */
  readonly name: string;
  readonly kind: 'receivers' | 'group' | 'subscriber' | 'inbox';
  /** Messages waiting for the group (its lag), where known. */
  readonly pending: number | undefined;
  /** Members (consumers) the group has now, where known. */
  readonly members: number | undefined;
}

export interface ChannelEvents {
  /** The connection state changed; `error` says why it was lost, when it was. */
  status: (state: ConnectionState, error: Error | undefined) => void;
  /** A background failure that stopped nothing (also counted in `stats().errors`). */
  error: (error: Error) => void;
}

export interface Channel extends AsyncIterable<Delivery> {
  readonly name: string;
  readonly options: Readonly<Required<ChannelOptions>>;
  readonly capabilities: Capabilities;
  readonly isClosed: boolean;
  readonly status: ConnectionState;
  /** Listens for an event; returns the function that stops listening. */
  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): () => void;

  /** Resolves to the message id once the backend has accepted it: to the receivers' queue and every group. */
  send(data: Uint8Array, options?: SendOptions): Promise<string>;
  /**
   * Sends in order; resolves to the ids. Every message is checked before any is sent; a failure
   * part-way leaves the earlier ones sent.
   */
  sendBatch(messages: readonly (Uint8Array | OutgoingMessage)[], options?: Pick<SendOptions, 'timeoutMs' | 'signal'>): Promise<string[]>;

  /** The next message's bytes from the receivers' queue, acknowledged on hand-over (the original's `receive`). */
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
   * Fan-out to every subscription group (never to the receivers' queue); resolves to how many
   * groups it reached (an ungrouped subscriber is a group of its own), or -1 where the backend
   * cannot know. With no group subscribed the message goes nowhere and 0 is returned.
   */
  publish(data: Uint8Array, options?: SendOptions): Promise<number>;
  /**
   * Joins a subscription group (or starts a group of one): it gets every message sent or
   * published from now on (and, where `capabilities.replaysHistory`, what came before); members
   * of one group share that group's messages. What a group keeps once its last member leaves is
   * `capabilities.durableGroups`.
   */
  subscribe(options?: SubscribeOptions): Promise<Subscription>;

  /** Sends to the receivers' queue with a fresh correlation id and an inbox as `replyTo`, and waits for the reply. */
  request(data: Uint8Array, options?: SendOptions): Promise<Message>;
  /** Answers a request: goes to its `replyTo` address with its `correlationId`. */
  reply(request: Message, data: Uint8Array, options?: Omit<SendOptions, 'correlationId' | 'replyTo'>): Promise<string>;

  /**
   * Runs `work` as one transaction (delivery `exactly-once` only, where capabilities.exactlyOnce):
   * its sends and acks commit together when `work` resolves, and are undone when it throws.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;

  /** Counters and figures of this handle; never a network call. */
  stats(): ChannelStats;
  /** What the channel and its groups hold, asked of the backend (may be a network call). */
  inspect(): Promise<ChannelInfo>;
  /**
   * Closes the channel: waiting receivers drain what is left and then get ChannelClosed; senders
   * get ChannelClosed at once; unsettled deliveries go back for redelivery. Idempotent. On the
   * in-memory backend the shared ring closes for every attached thread; on the brokers this
   * handle's connections close and the broker keeps what it accepted.
   */
  close(): Promise<void>;
}
