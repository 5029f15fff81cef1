// What a backend supplies: the primitives that touch its ring or broker, and nothing that decides
// what should happen. The shared template (base-channel.ts) holds one Transport and writes every
// policy over it once — retries and dead letters, TTL, the backpressure modes, the receive loop,
// subscriptions, request/reply, settlement bookkeeping, statistics. docs/backends.md says how each
// primitive maps onto Redis Streams, core NATS, JetStream and Kafka.
//
// Type parameters: R — a message taken but not yet handed out (a record, a broker message); S — a
// source to take from (the receivers' queue, a group, an inbox); T — a place to send to; D — the
// backend's delivery objects.
//
// Sync or async: a primitive may return a value or a promise where its signature allows both. The
// in-memory backend answers synchronously (that is its speed); brokers answer with promises.
import type { Capabilities, Channel, ChannelInfo, Message } from '../channel.js';
import type { SettlePort, SettlementState } from '../delivery.js';
import type { OfferPort, SendTarget } from './backpressure.js';
import type { MessageFields, Outgoing } from './outgoing.js';

/** `send` reaches the receivers' queue and every group; `publish` every group only (channel.ts). */
export type Route = 'send' | 'publish';

/** A request's private inbox: where its replies arrive, and the address that names it. */
export interface Inbox<S> {
  readonly source: S;
  /** What `replyTo` carries (opaque to the shared layer: `name#token`, `_INBOX.…`, a stream key). */
  readonly address: string;
  close(): void | Promise<void>;
}

/** One transaction of a backend that declares exactlyOnce. */
export interface BackendTransaction<D> {
  send(channel: Channel, message: Outgoing): Promise<void>;
  ack(delivery: D): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What the template hands a transport once, before any other call. */
export interface TransportContext<D> {
  /** Deliveries call this to settle (hold() gives it to each delivery it makes). */
  readonly port: SettlePort<D>;
  /** A background failure that stopped nothing: counted in stats().errors and emitted as 'error'. */
  reportError(error: Error): void;
  /** A connection state change (backends with connections). */
  setStatus(state: 'connecting' | 'connected' | 'reconnecting', error?: Error): void;
  /** Messages the backend dropped underneath (a bounded client buffer that overflowed): counted in stats().dropped. */
  countDropped(n: number): void;
}

export interface Transport<R, S, T extends SendTarget, D extends SettlementState> extends OfferPort<T, Outgoing> {
  readonly capabilities: Capabilities;
  /** Largest message in the backend's own format (payload plus envelope fields), for the size check. */
  readonly maxWireBytes: number;
  /** Ends "…split it, or <hint>" in a too-large error: how this backend's limit is raised. */
  readonly raiseLimitHint: string;
  /** The receivers' queue. */
  readonly receivers: S;
  /** True once the channel is closed underneath this handle (another thread closed it, the connections ended). */
  readonly closed: boolean;
  /** Subscription group names longer than this (UTF-8 bytes) are refused. */
  readonly maxGroupNameBytes: number;

  bind(context: TransportContext<D>): void;

  // ---- building and sending --------------------------------------------------------------
  /** The message object this backend sends (OutgoingEnvelope, or a class of its own with the same fields). */
  createMessage(id: string, data: Uint8Array, timestamp: number, fields: MessageFields | undefined): Outgoing;
  /**
   * Bytes the message takes in the backend's format (compared with maxWireBytes). It may throw
   * SerializationError for a message the backend cannot carry at all (a header name its protocol
   * cannot encode): it is called once per message, before anything is sent.
   */
  wireSize(message: Outgoing): number;
  /** The common send, if it can be done now without waiting or fanning out; false: take the waiting path. */
  putNow(message: Outgoing): boolean;
  /**
   * As many of the batch's first messages as go in now, each like putNow; returns how many. It
   * stops at the first it cannot put (the waiting path then sends the rest, and meets any error
   * again there), so it never throws after putting some in.
   */
  putManyNow(messages: readonly Outgoing[]): number;
  /**
   * Brokers: sends messages (route `send`) in one round trip where the broker allows it
   * (pipelined, or one produce request), in order; resolves how many went in before the first
   * one a target refused as full (that one then goes through the waiting path under the
   * backpressure mode, and the batch resumes after it). Without it, each goes through the
   * waiting path on its own. `untilMs` (performance.now()) is the batch's send timeout: how long
   * a broker out of reach may be waited for before the batch fails.
   */
  sendMany?(messages: readonly Outgoing[], signal: AbortSignal | undefined, untilMs: number): Promise<number>;
  /** Where a message of `route` must go, in order. Throws SerializationError for a message one of them can never take. */
  targets(route: Route, message: Outgoing): readonly T[] | Promise<readonly T[]>;
  /** Resolves a `replyTo` address: the inbox it names, or a channel of the same backend by name. */
  replyTarget(address: string): { target: T } | { channel: string } | Promise<{ target: T } | { channel: string }>;
  /** A handle on another channel of this backend (dead letters, replies to a channel name). */
  openSibling(name: string): Channel | Promise<Channel>;
  /** Whether closing a sibling handle is this handle's to do (false where any close ends the channel for everyone). */
  readonly closesSiblings: boolean;

  // ---- taking ------------------------------------------------------------------------------
  /** The next message of `source` if one is there now (due redeliveries first). */
  takeNow(source: S): R | undefined;
  /** Up to `max` of them into `into` (a backend with a cheaper batch take overrides the loop). */
  takeManyNow(source: S, max: number, into: R[]): void;
  /** Waits up to `sliceMs` for one and takes it; undefined when the slice ends first. Rejects Aborted on the signal. */
  waitAndTake(source: S, sliceMs: number, signal: AbortSignal | undefined): Promise<R | undefined>;
  /** The same, blocking the calling worker thread (backends with blocking calls only). */
  waitAndTakeSync?(source: S, sliceMs: number): R | undefined;
  /**
   * Brokers whose takes are served from what a reader holds locally: brings what the broker holds
   * for `source` now within reach of takeNow (one look at the server, up to `max` messages, or a
   * bounded wait for a background prefetch to catch up — never a wait for new messages). Called
   * once before "nothing is there" is answered — by tryReceive, and by a receive whose time ran
   * out (timeoutMs 0 included) — so that a message whose send resolved is there "now". Without
   * it, takeNow alone answers (the in-memory rings are "now" by themselves).
   */
  refresh?(source: S, max: number, signal: AbortSignal | undefined): Promise<void>;
  /** Closed, and nothing more can come from `source`. */
  isDrained(source: S): boolean;
  /** How long one wait may last before the loop looks again (for redeliveries no ring activity announces). */
  waitSliceMs(source: S): number;
  timestampOf(raw: R): number;
  /** The count the delivery would carry (a redelivery after a missed deadline: the previous + 1). */
  deliveryCountOf(raw: R): number;
  /** The raw message as a Message (to dead-letter one that is not handed out). */
  messageOf(raw: R, source: S): Message;
  /** Settles underneath a message that will not be handed out (expired, dead-lettered). */
  discard(raw: R, source: S): void | Promise<void>;
  /** Hands it out. `tracked`: at-least-once (the backend keeps it until settled), else at-most-once. */
  hold(raw: R, source: S, tracked: boolean, now: number): D;
  /** receive(): hands out only the bytes, settled as acked at once. */
  payloadAcked(raw: R, source: S): Uint8Array | Promise<Uint8Array>;

  // ---- settling (a delivery this transport made) -------------------------------------------
  /** false: it is no longer this handle's (its deadline passed and another receiver took it). */
  ack(delivery: D): boolean | Promise<boolean>;
  /** Back for another delivery carrying `deliveryCount`, after `delayMs`. false: no longer ours. */
  requeue(delivery: D, deliveryCount: number, delayMs: number): boolean | Promise<boolean>;
  /** Settled for good without redelivery (after its dead-letter copy was accepted, or given up). */
  release(delivery: D): boolean | Promise<boolean>;
  /** Still this handle's (checked before a dead-letter copy is written). */
  stillHeld(delivery: D): boolean;
  /** The subscription group a source belongs to (undefined for the receivers' queue and inboxes). */
  groupOf(source: S): string | undefined;
  /** The source a delivery was taken from. */
  sourceOf(delivery: D): S;

  // ---- groups, inboxes, the rest -----------------------------------------------------------
  joinGroup(group: string | undefined): S | Promise<S>;
  leaveGroup(source: S): void | Promise<void>;
  openInbox(): Inbox<S> | Promise<Inbox<S>>;
  /** Waiting in the receivers' queue, where known without a network call. */
  pending(): number | undefined;
  /** What the channel and its groups hold (the template adds name and status); without it, only the receivers' pending count is known. */
  inspect?(): Promise<Omit<ChannelInfo, 'name' | 'status'>>;
  /** Ends this handle: `unsettled` are its deliveries nobody settled (they go back for redelivery). */
  close(unsettled: readonly D[]): Promise<void>;
  beginTransaction?(): Promise<BackendTransaction<D>>;
}
