// InMemoryChannel: the Channel contract over native-queue's MPMC ring, shared by worker threads.
//
// A channel is a set of SharedArrayBuffers (see shared-channel.ts): the queue ring that `receive`
// reads, one ring per subscriber slot, a lease log of unsettled deliveries and a control block.
// Handles in any thread read and write them directly; `describe()` / `InMemoryChannel.attach()`
// carry a channel to another thread. Every message (sent or published) goes into the queue and
// into each subscriber group's ring: the queue is the channel's default group.
import { isMainThread } from 'node:worker_threads';
import type {
  Capabilities,
  ChannelOptions,
  Delivery,
  Message,
  OutgoingMessage,
  ReceiveOptions,
  SendOptions,
  Subscription,
  SubscribeOptions,
} from '../../channel.js';
import { BaseChannel } from '../../base-channel.js';
import { SettleableDelivery } from '../../delivery.js';
import { DeadLetterSender, type DeadLetterOpeners } from './dead-letter.js';
import { InvalidConfigurationError, SerializationError } from '../../errors.js';
import { lastIdSuffix, lastIdPrefixBytes, newMessageId } from '../../ids.js';
import { nowMs } from '../../metrics/channel-metrics.js';
import { Backpressure } from './backpressure.js';
import {
  checkEnvelopeFields,
  decodeEnvelope,
  payloadOffset,
  readDeliveryCount,
  readTimestamp,
  tailOf,
  writeDeliveryCount,
} from './envelope.js';
import { LEASE_HELD, type LeaseRef } from './lease-log.js';
import { BARE_ENVELOPE_BYTES, memoryCapabilities } from './memory-capabilities.js';
import { SendPath } from './send-path.js';
import type { QueueEntry } from './channel-queue.js';
import { LocalMessage, recordOf } from './local-message.js';
import { drainedError, isDrained, ringOf, waitForDelivery, waitForDeliverySync } from './receive-wait.js';
import { LeaseSettler, LocalMessageSettler, type SettlementHost } from './settlement.js';
import {
  BACKEND_KEYS,
  resolveBackendOptions,
  SharedChannel,
  uniqueChannelName,
  type InMemoryChannelDescriptor,
  type MemoryBackendOptions,
  type ResolvedMemoryOptions,
} from './shared-channel.js';
import { openSubscription, requestReply, sendReply } from './subscription.js';

export interface InMemoryChannelOptions extends Partial<ChannelOptions>, MemoryBackendOptions {}

const QUEUE = 0;
/** How long a due lease stays claimed by its taker when the channel has no ack deadline (ms). */
const CLAIM_MS = 60_000;

/** Set by attach() just around `new`, so the constructor joins that channel instead of naming one. */
let attaching: SharedChannel | undefined;

export class InMemoryChannel extends BaseChannel implements SettlementHost {
  readonly capabilities: Capabilities;
  readonly shared: SharedChannel;
  readonly backendOptions: Required<MemoryBackendOptions>;
  readonly backpressure: Backpressure;
  /** Leases of this handle's unsettled deliveries, so close() can hand them back. */
  readonly leasesById = new Map<string, LeaseRef>();
  private readonly sendPath: SendPath;
  private readonly leaseDeliveries: boolean;
  private readonly deadLetters: DeadLetterSender;
  /** Settles this handle's unleased thread-local deliveries (no settler object per message). */
  private readonly localSettler = new LocalMessageSettler(this);
  /** At-most-once without a TTL: a thread-local message is handed out as it is (accept()). */
  private readonly localAsIs: boolean;
  private handleClosed = false;

  constructor(options: InMemoryChannelOptions = {}) {
    const joining = attaching;
    attaching = undefined;
    const given = stripUndefined(options);
    const name = joining?.name ?? given.name ?? uniqueChannelName();
    const existing = joining ?? (given.name !== undefined ? SharedChannel.named(name) : undefined);
    if (existing && !joining) existing.checkSameShape(given);
    super({ ...existing?.options, ...given, name }, BACKEND_KEYS);
    const o = this.options;
    if (o.delivery === 'exactly-once') {
      throw new InvalidConfigurationError("the memory backend cannot give exactly-once delivery; use 'at-least-once' (with idempotent handlers) or 'at-most-once'", { channel: name });
    }
    if (o.ordering === 'per-key') {
      throw new InvalidConfigurationError("the memory backend keeps 'fifo' order per receiver, not 'per-key' order across receivers; use 'fifo' or 'none'", { channel: name });
    }
    this.backendOptions = existing
      ? { maxSubscribers: existing.options.maxSubscribers, subscriberCapacityBytes: existing.options.subscriberCapacityBytes, leaseBytes: existing.options.leaseBytes }
      : resolveBackendOptions(given, o.capacityBytes);
    if (existing) {
      this.shared = existing;
    } else {
      const resolved: ResolvedMemoryOptions = { ...o, ...this.backendOptions };
      this.shared = SharedChannel.create(resolved, o.deadLetter === false ? undefined : DEAD_LETTER_OPENERS.named(o.deadLetter));
      SharedChannel.register(this.shared);
    }
    this.capabilities = memoryCapabilities(this.shared.queue.maxMessageBytes, this.shared.options.leaseBytes);
    this.backpressure = new Backpressure(this.shared.control, name, this.shared.options.capacity, o.backpressure, this.metrics);
    this.sendPath = new SendPath(this.shared, this.backpressure, this.metrics, name, o.sendTimeoutMs, this.capabilities.maxMessageBytes + BARE_ENVELOPE_BYTES);
    this.leaseDeliveries = o.delivery !== 'at-most-once' && o.ackTimeoutMs > 0;
    this.localAsIs = o.delivery === 'at-most-once' && o.messageTtlMs === Infinity;
    this.deadLetters = new DeadLetterSender(name, o.deadLetter, this.shared.deadLetter, DEAD_LETTER_OPENERS);
  }

  /** Another handle on the channel `descriptor` describes, in this thread or another one. */
  static attach(descriptor: InMemoryChannelDescriptor): InMemoryChannel {
    attaching = SharedChannel.fromDescriptor(descriptor);
    try {
      return new InMemoryChannel();
    } finally {
      attaching = undefined;
    }
  }

  /** Plain data for postMessage: the receiving thread calls InMemoryChannel.attach() with it. */
  describe(): InMemoryChannelDescriptor {
    return this.shared.shareAcrossThreads();
  }

  get isClosed(): boolean {
    if (this.handleClosed) return true;
    // Until describe(), no other thread holds the buffers, and close() sets the shared flag and
    // closes the local queue together: the queue's plain flag says the same as the shared one,
    // without an atomic load on every send.
    const queue = this.shared.queue;
    return queue.isLocal ? queue.closed : this.shared.closed;
  }

  // ---- sending ------------------------------------------------------------------------------

  async send(data: Uint8Array, options?: SendOptions): Promise<string> {
    const fields = this.outgoing(data, options);
    if (this.sendPath.trySendFast(fields)) return fields.id;
    await this.sendPath.offerEverywhere(this.sendPath.encode(fields), options);
    return fields.id;
  }

  /**
   * Fan-out: the message goes to every subscriber group (and, like every message, to the queue).
   * Resolves to the number of subscriber GROUPS reached; an ungrouped subscriber is a group of
   * its own; the queue itself is not counted.
   */
  async publish(data: Uint8Array, options?: SendOptions): Promise<number> {
    const fields = this.outgoing(data, options);
    return this.sendPath.offerEverywhere(this.sendPath.encode(fields), options);
  }

  /** One capacity check and one ring publish for the whole batch when nobody subscribes. */
  // Not async: it hands back the send path's own promise (an async function returning a promise
  // adopts it two microtasks later); a bad argument still comes back as a rejection.
  override sendBatch(messages: readonly (Uint8Array | OutgoingMessage)[], options: Pick<SendOptions, 'timeoutMs' | 'signal'> = {}): Promise<string[]> {
    try {
      if (!Array.isArray(messages)) {
        throw new SerializationError('sendBatch takes an array of Uint8Array or { data, headers?, key? } objects', { channel: this.name });
      }
      // Every message is checked before any is sent: bad input leaves nothing half-sent.
      this.ensureOpen('send');
      const sentAt = nowMs(); // one clock read for the whole batch
      const batch: LocalMessage[] = [];
      for (const m of messages) batch.push(m instanceof Uint8Array ? this.build(m, undefined, sentAt) : this.build(m?.data, m, sentAt));
      return this.sendPath.sendBatch(batch, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Worker threads only: sends, blocking this thread while the channel is full (`block` mode). */
  sendSync(data: Uint8Array, options?: SendOptions): string {
    this.checkNotMainThread('sendSync', 'send');
    const fields = this.outgoing(data, options);
    if (!this.sendPath.trySendFast(fields)) this.sendPath.offerEverywhereSync(this.sendPath.encode(fields), options);
    return fields.id;
  }

  /** Checks that the channel is open and a message is good, and builds it (see local-message.ts). */
  private outgoing(data: Uint8Array, options: Omit<SendOptions, 'timeoutMs' | 'signal'> | undefined, timestamp = nowMs()): LocalMessage {
    this.ensureOpen('send');
    return this.build(data, options, timestamp);
  }

  /** outgoing() without the open check (a batch checks once for all its messages). */
  private build(data: Uint8Array, options: Omit<SendOptions, 'timeoutMs' | 'signal'> | undefined, timestamp: number): LocalMessage {
    this.checkPayload(data);
    if (options !== undefined) checkEnvelopeFields(options, this.name);
    const id = newMessageId(timestamp);
    return options === undefined
      ? new LocalMessage(this.name, id, data, timestamp, lastIdPrefixBytes, lastIdSuffix, undefined, undefined, undefined, undefined)
      : new LocalMessage(this.name, id, data, timestamp, lastIdPrefixBytes, lastIdSuffix, options.headers, options.key, options.correlationId, options.replyTo);
  }

  // ---- receiving ----------------------------------------------------------------------------

  async receiveDelivery(options: ReceiveOptions = {}): Promise<Delivery> {
    return this.pollFrom(QUEUE) ?? this.waitFrom(QUEUE, options);
  }

  /** The original's receive: the bytes only, acknowledged on hand-over — so no Delivery, no lease. */
  override async receive(options?: ReceiveOptions): Promise<Uint8Array> {
    const data = this.takeData();
    if (data) return data;
    const delivery = await this.waitFrom(QUEUE, options ?? {});
    await delivery.ack();
    return delivery.data;
  }

  override async tryReceive(): Promise<Uint8Array | undefined> {
    const data = this.takeData();
    if (data === undefined && isDrained(this.shared, QUEUE)) throw drainedError(this.name);
    return data;
  }

  /** The next payload from the queue if one is there now, settled as acked at once. */
  private takeData(): Uint8Array | undefined {
    const ring = this.shared.queue;
    for (;;) {
      if (this.anyLeases()) {
        const due = this.takeDueLease(QUEUE);
        if (due === null) continue;
        if (due) {
          void due.ack(); // settles synchronously underneath (a lease release)
          return due.data;
        }
      }
      const record = ring.isLocal ? ring.takeLocal() : this.shared.taker.takeOne(ring);
      if (record === undefined) return undefined;
      ring.countTaken(this.shared.control, 1);
      if (record instanceof LocalMessage) {
        // Sent in this thread and never encoded: the payload is the queue's own copy.
        if (this.options.messageTtlMs !== Infinity && nowMs() - record.timestamp > this.options.messageTtlMs) {
          this.metrics.count('expired');
          continue;
        }
        this.metrics.receivedAndAcked(record.timestamp);
        return record.data;
      }
      const sentAt = readTimestamp(record);
      if (this.options.messageTtlMs !== Infinity && nowMs() - sentAt > this.options.messageTtlMs) {
        this.metrics.count('expired');
        continue;
      }
      const at = payloadOffset(record);
      if (at < 0) throw new SerializationError('a received record is not a valid envelope; something other than this library wrote to the ring', { channel: this.name });
      this.metrics.receivedAndAcked(sentAt);
      return tailOf(record, at);
    }
  }

  /** Like every receive: once the channel is closed and drained, ChannelClosed (not undefined). */
  protected async pollDelivery(): Promise<Delivery | undefined> {
    const delivery = this.pollFrom(QUEUE);
    if (delivery === undefined && isDrained(this.shared, QUEUE)) throw drainedError(this.name);
    return delivery;
  }

  /** Waits for the first, then takes what is there now (without ever failing after the first). */
  override async receiveBatch(max: number, options?: ReceiveOptions): Promise<Delivery[]> {
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidConfigurationError(`receiveBatch max is ${max}; use a whole number >= 1`, { channel: this.name });
    }
    // What is there now, in one drain (no promise of its own, one count and one clock read);
    // else wait for the first, then take what came with it.
    const batch: Delivery[] = [];
    this.takeNow(batch, max);
    if (batch.length === 0) {
      batch.push(await this.waitFrom(QUEUE, options ?? {}));
      this.takeNow(batch, max);
    }
    return batch;
  }

  /** Adds to `batch`, up to `max`, what the queue holds now: due redeliveries first, then the ring. */
  private takeNow(batch: Delivery[], max: number): void {
    while (batch.length < max) {
      if (this.anyLeases()) {
        const due = this.pollFrom(QUEUE); // one at a time: a due lease, else the ring's next
        if (!due) return;
        batch.push(due);
        continue;
      }
      // A thread-local queue's entries are taken straight from its array (no list in between).
      const queue = this.shared.queue;
      const records = queue.isLocal ? undefined : this.shared.taker.takeMany(queue, max - batch.length);
      const n = records === undefined ? Math.min(max - batch.length, queue.localLength) : records.length;
      if (n === 0) return;
      queue.countTaken(this.shared.control, n);
      const now = nowMs(); // one clock read for the batch: they are all handed over now
      for (let i = 0; i < n; i++) {
        const delivery = this.accept(records === undefined ? queue.takeLocal()! : records[i]!, QUEUE, true, now);
        if (delivery) batch.push(delivery);
      }
    }
  }

  /** Any lease live (held or waiting)? A thread-local channel reads the count without an atomic. */
  private anyLeases(): boolean {
    const { queue, leases } = this.shared;
    return (queue.isLocal ? leases.liveInOwnThread() : leases.live()) > 0;
  }

  /** Worker threads only: the next message's bytes, acknowledged on hand-over. */
  receiveSync(options: { timeoutMs?: number } = {}): Uint8Array {
    this.checkNotMainThread('receiveSync', 'receive');
    const data = this.takeData();
    if (data) return data;
    const delivery = this.receiveDeliverySync(options);
    void delivery.ack(); // the memory ack is synchronous underneath; nothing to wait for
    return delivery.data;
  }

  /** Worker threads only: the next message as a Delivery, blocking this thread until one comes. */
  receiveDeliverySync(options: { timeoutMs?: number } = {}): Delivery {
    this.checkNotMainThread('receiveDeliverySync', 'receiveDelivery');
    return waitForDeliverySync(this, QUEUE, options);
  }

  /** The next delivery of a ring (QUEUE or 1 + subscriber slot) if one is there now. */
  pollFrom(target: number): Delivery | undefined {
    const ring = ringOf(this.shared, target);
    for (;;) {
      const fromLease = this.takeDueLease(target);
      if (fromLease) return fromLease;
      if (fromLease === null) continue;
      const record = this.shared.taker.takeOne(ring);
      if (record === undefined) return undefined;
      const delivery = this.accept(record, target);
      if (delivery) return delivery;
    }
  }

  /** Waits for the next delivery of a ring (see receive-wait.ts). */
  waitFrom(target: number, options: ReceiveOptions): Promise<Delivery> {
    return waitForDelivery(this, target, options);
  }

  /** A record a blocking ring call returned (receive-wait.ts). */
  acceptRecord(record: QueueEntry, target: number): Delivery | undefined {
    return this.accept(record, target);
  }

  /** A record just taken from a ring becomes a delivery (leased), or is dropped as expired. */
  private accept(entry: QueueEntry, target: number, counted = false, now?: number): Delivery | undefined {
    if (counted) {
      // the caller already counted the batch out of the queue
    } else if (target === QUEUE) this.shared.queue.countTaken(this.shared.control, 1);
    else this.shared.control.rang();
    if (entry instanceof LocalMessage && this.localAsIs) {
      // The common thread-local case, in short: no TTL to check, no lease, its own delivery.
      this.metrics.receivedAndAcked(entry.timestamp, now);
      return entry.handOutAs(this.localSettler);
    }
    // A message sent in this thread may still be in object form: it is its own Message.
    const message = entry instanceof LocalMessage ? entry : decodeEnvelope(entry, this.name);
    if (this.options.messageTtlMs !== Infinity && (now ?? nowMs()) - message.timestamp > this.options.messageTtlMs) {
      this.metrics.count('expired');
      return undefined;
    }
    const lease = this.leaseDeliveries ? this.shared.leases.add(recordOf(entry), LEASE_HELD, target, Date.now() + this.options.ackTimeoutMs) : undefined;
    return this.handOut(message, entry, target, lease, now);
  }

  /**
   * A lease that came due (nacked with a delay, or left unacked past its deadline): a delivery,
   * or null when it was consumed otherwise (dead-lettered, expired), or undefined when none is due.
   */
  private takeDueLease(target: number): Delivery | null | undefined {
    if (!this.anyLeases()) return undefined;
    const leases = this.shared.leases;
    const now = Date.now();
    if (!(leases.earliestDue() <= now)) return undefined;
    // Claimed until a deadline even when it will not stay leased, so nobody else takes it meanwhile.
    const taken = leases.takeDue(target, now, now + (this.options.ackTimeoutMs || CLAIM_MS));
    if (!taken) return undefined;
    const record = taken.envelope;
    if (taken.previousState === LEASE_HELD) {
      // Its receiver missed the ack deadline (or went away): that counts as a failed delivery.
      const count = readDeliveryCount(record) + 1;
      if (count > this.options.maxRetries + 1) {
        const message = decodeEnvelope(record, this.name); // its count: the deliveries made
        if (this.options.deadLetter !== false) this.metrics.count('deadLettered');
        void this.deadLetterOrFail(message, `not acknowledged within ackTimeoutMs (${this.options.ackTimeoutMs} ms) after ${count - 1} deliveries`)
          // The dead-letter channel refused (closed): nothing more can be done; count it failed.
          .catch(() => this.metrics.count('failed'))
          .finally(() => this.shared.leases.release(taken));
        return null;
      }
      writeDeliveryCount(record, count);
      this.shared.leases.patchEnvelope(taken, 0, record.subarray(0, 8));
    }
    const message = decodeEnvelope(record, this.name);
    if (nowMs() - message.timestamp > this.options.messageTtlMs) {
      this.shared.leases.release(taken);
      this.metrics.count('expired');
      return null;
    }
    if (this.leaseDeliveries) return this.handOut(message, record, target, taken);
    this.shared.leases.release(taken);
    return this.handOut(message, record, target, undefined);
  }

  private handOut(message: Message, record: QueueEntry, target: number, lease: LeaseRef | undefined, now?: number): Delivery {
    if (this.options.delivery === 'at-most-once') {
      // At-most-once: the channel forgets a message when it hands it out, so the delivery is not
      // tracked; ack() is a no-op and nack() can still put it back on request.
      this.metrics.receivedAndAcked(message.timestamp, now);
      // A message still in object form (it never left this thread, and only the queue holds
      // those) is its own delivery: nothing to allocate.
      if (record instanceof LocalMessage && lease === undefined) return record.handOutAs(this.localSettler);
      return new SettleableDelivery(message, new LeaseSettler(this, record, target, lease));
    }
    const settler = new LeaseSettler(this, record, target, lease);
    if (lease) this.leasesById.set(message.id, lease);
    return this.deliver(message, settler, now);
  }

  // ---- settlement support (see settlement.ts) ------------------------------------------------

  /** Sends a copy to the dead-letter channel (original payload and headers plus reasons), or counts it failed. */
  async deadLetterOrFail(message: Message, reason: string): Promise<void> {
    if (!(await this.deadLetters.send(message, reason))) this.metrics.count('failed');
  }

  forgetDelivery(id: string): void {
    this.inFlight.delete(id);
    this.leasesById.delete(id);
  }

  countMetric(counter: 'deadLettered' | 'failed'): void {
    this.metrics.count(counter);
  }

  // ---- pub/sub, request/reply -----------------------------------------------------------------

  async subscribe(options: SubscribeOptions = {}): Promise<Subscription> {
    this.ensureOpen('subscribe');
    return openSubscription(this, options);
  }

  async request(data: Uint8Array, options: SendOptions = {}): Promise<Message> {
    this.ensureOpen('send a request');
    return requestReply(this, data, options);
  }

  async reply(request: Message, data: Uint8Array, options: Omit<SendOptions, 'correlationId' | 'replyTo'> = {}): Promise<string> {
    return sendReply(this, request, data, options);
  }

  // ---- the rest -------------------------------------------------------------------------------

  protected pendingCount(): number {
    return Math.max(0, this.shared.control.queued());
  }

  async close(): Promise<void> {
    if (this.handleClosed) return;
    this.handleClosed = true;
    const { control, queue, subscriberRings, leases } = this.shared;
    control.markClosed();
    queue.close();
    for (const ring of subscriberRings) ring.close();
    control.wakeSenders();
    // This handle's unsettled deliveries come due now: whoever drains the channel gets them.
    leases.expireNow(this.leasesById.values());
    this.shared.forget();
  }

  private checkNotMainThread(call: string, instead: string): void {
    if (isMainThread) {
      throw new InvalidConfigurationError(`${call} blocks its thread, and the main thread must never block; use ${instead}() (a promise) there`, { channel: this.name });
    }
  }
}

/** How a channel finds its dead-letter channel: by name in this thread, or made with defaults. */
const DEAD_LETTER_OPENERS: DeadLetterOpeners = {
  named: (name) => SharedChannel.named(name) ?? new InMemoryChannel({ name }).shared,
  attach: (descriptor) => InMemoryChannel.attach(descriptor),
};

function stripUndefined(options: InMemoryChannelOptions): InMemoryChannelOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigurationError('InMemoryChannel options must be an object, e.g. { name: "jobs", capacity: 1000 }');
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as InMemoryChannelOptions;
}
