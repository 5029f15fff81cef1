// The in-memory backend's primitives for the shared template (src/base/transport.ts): putting
// envelopes into native-queue rings and taking them out, leases, slots. Nothing here decides
// policy (retries, TTL, backpressure modes, dead letters): that is the shared layer's.
//
// Raw messages (taken, not yet handed out) are a ring record (a copy of its own), a message in
// object form from a thread-local queue, or a due lease taken from the lease log.
import type { Channel, Message } from '../../channel.js';
import type { Outgoing, MessageFields } from '../../base/outgoing.js';
import type { Inbox, Route, Transport, TransportContext } from '../../base/transport.js';
import type { SettlePort } from '../../delivery.js';
import { BackendError, SerializationError } from '../../errors.js';
import { lastIdPrefixBytes, lastIdSuffix } from '../../ids.js';
import { type QueueEntry } from './channel-queue.js';
import { decodeEnvelope, encodeEnvelopeInto, envelopeSize, payloadOffset, readDeliveryCount, readTimestamp, tailOf, writeDeliveryCount } from './envelope.js';
import { LEASE_HELD, type LeaseRef, type TakenLease } from './lease-log.js';
import { LocalMessage } from './local-message.js';
import { BARE_ENVELOPE_BYTES, memoryCapabilities } from './memory-capabilities.js';
import { MemoryDelivery } from './memory-delivery.js';
import { claimCounted, MemoryOffers, NO_COUNT, NO_ROOM } from './memory-offer.js';
import { MemorySource, type MemoryTarget } from './memory-places.js';
import { MemoryRequeue } from './memory-requeue.js';
import { MemorySlots } from './memory-slots.js';
import { inspectMemory } from './memory-inspect.js';
import { waitAndTake, waitAndTakeSync, waitSliceMs } from './memory-waiting.js';
import { MAX_SLOT_NAME_BYTES } from './control-block.js';
import { channelErrorFromRing, isRingError } from './ring-errors.js';
import type { ResolvedMemoryOptions, SharedChannel } from './shared-channel.js';

export type MemoryRaw = QueueEntry | TakenLease;
export type MemoryDeliveryObject = MemoryDelivery | LocalMessage;

/** How long a due lease stays claimed by its taker when the channel has no ack deadline (ms). */
const CLAIM_MS = 60_000;

/** Opens a handle on a channel of this thread (given by InMemoryChannel, which this file must not import). */
export type HandleOpener = (name: string) => Channel;

export class MemoryTransport implements Transport<MemoryRaw, MemorySource, MemoryTarget, MemoryDeliveryObject> {
  readonly capabilities;
  readonly maxWireBytes: number;
  readonly raiseLimitHint = 'raise capacityBytes';
  readonly maxGroupNameBytes = MAX_SLOT_NAME_BYTES;
  readonly closesSiblings = false; // closing any handle of an in-memory channel ends it for everyone
  readonly receivers: MemorySource;
  private readonly offers: MemoryOffers;
  private readonly slots: MemorySlots;
  private readonly requeues: MemoryRequeue;
  private readonly capacity: number;
  private readonly ackTimeoutMs: number;
  /** At-least-once with a deadline: deliveries are leased in shared memory. */
  private readonly leaseDeliveries: boolean;
  private port!: SettlePort<MemoryDeliveryObject>;
  private stopReportingHookErrors: (() => void) | undefined;

  constructor(
    readonly shared: SharedChannel,
    options: ResolvedMemoryOptions,
    private readonly openHandle: HandleOpener,
  ) {
    this.capabilities = memoryCapabilities(shared.queue.maxMessageBytes, shared.options.leaseBytes);
    this.maxWireBytes = this.capabilities.maxMessageBytes + BARE_ENVELOPE_BYTES;
    this.receivers = MemorySource.receivers(shared.queue);
    this.capacity = shared.options.capacity;
    this.ackTimeoutMs = options.ackTimeoutMs;
    this.leaseDeliveries = options.delivery !== 'at-most-once' && options.ackTimeoutMs > 0;
    this.offers = new MemoryOffers(shared, this.capacity);
    this.slots = new MemorySlots(shared);
    this.requeues = new MemoryRequeue(shared, this.receivers);
  }

  bind(context: TransportContext<MemoryDeliveryObject>): void {
    this.port = context.port;
    this.stopReportingHookErrors = this.shared.onHookError((error) => context.reportError(error));
  }

  get closed(): boolean {
    // Until describe(), no other thread holds the buffers, and close() sets the shared flag and
    // closes the local queue together: the queue's plain flag says the same as the shared one,
    // without an atomic load on every send.
    const queue = this.shared.queue;
    return queue.isLocal ? queue.closed : this.shared.closed;
  }

  // ---- building and sending ----------------------------------------------------------------

  createMessage(id: string, data: Uint8Array, timestamp: number, fields: MessageFields | undefined): LocalMessage {
    // lastIdPrefixBytes / lastIdSuffix are the parts of `id`, made just before (ids.ts).
    return fields === undefined
      ? new LocalMessage(this.shared.name, id, data, timestamp, lastIdPrefixBytes, lastIdSuffix, undefined, undefined, undefined, undefined)
      : new LocalMessage(this.shared.name, id, data, timestamp, lastIdPrefixBytes, lastIdSuffix, fields.headers, fields.key, fields.correlationId, fields.replyTo);
  }

  wireSize(message: Outgoing): number {
    return envelopeSize(message as LocalMessage);
  }

  /** The common case — the queue has room, nobody subscribes: no copy in between. */
  putNow(message: Outgoing): boolean {
    const { control, queue } = this.shared;
    if (control.slotsInUse() !== 0) return false;
    if (!queue.isLocal) return this.putOneShared(message as LocalMessage);
    if (!control.tryReserve(this.capacity)) return false;
    let sent: boolean;
    try {
      // Thread-local: the message waits as it is, never encoded (local-message.ts).
      sent = queue.offerLocal(message as LocalMessage);
    } catch (err) {
      control.unreserve();
      throw channelErrorFromRing(err, this.shared.name, 'send');
    }
    if (!sent) control.unreserve();
    return sent;
  }

  /**
   * While nobody subscribes, as much of the batch as fits now: into a thread-local queue as it is
   * (one capacity reservation for all), into the shared ring one counted claim per message, each
   * envelope encoded straight into its claim.
   *
   * Why not one reservation and one ring publish for the whole batch in the shared ring too: the
   * count must be taken after the claim and marked in it (claimCounted), or a sender terminated
   * between counting and committing leaks the batch's count for ever.
   */
  putManyNow(batch: readonly Outgoing[]): number {
    const { control, queue } = this.shared;
    if (control.slotsInUse() !== 0 || control.closed) return 0;
    let done = 0;
    if (queue.isLocal) {
      const room = control.reserveUpTo(this.capacity, batch.length);
      try {
        while (done < room && queue.offerLocal(batch[done] as LocalMessage)) done++;
      } catch (err) {
        control.unreserve(room - done);
        if (done === 0) throw channelErrorFromRing(err, this.shared.name, 'send');
        return done;
      }
      if (done < room) control.unreserve(room - done);
      return done;
    }
    try {
      while (done < batch.length && this.putOneShared(batch[done] as LocalMessage)) done++;
    } catch (err) {
      // A claim the ring abandoned (this thread paused past abandonAfterMs) was not delivered and
      // its count was given back: the waiting path sends it again. Any other failure meets the
      // waiting path again too, which reports it — unless nothing went in yet.
      if (done === 0 && !(err instanceof BackendError && isRingError(err.cause, 'RING_ABANDONED'))) throw err;
    }
    return done;
  }

  /**
   * One message encoded straight into the shared ring, leaking nothing wherever its thread is
   * terminated: a counted, tagged claim (claimCounted), encode, commit. A claim the ring abandons
   * gives its count back through the queue ring's onAbandonedClaim (shared-channel.ts), so once
   * tagged this path gives the count back itself only for a claim it cancels before anyone
   * abandoned it.
   */
  private putOneShared(message: LocalMessage): boolean {
    const { control, queue } = this.shared;
    let view: Uint8Array | typeof NO_ROOM | typeof NO_COUNT;
    try {
      view = claimCounted(queue, control, this.capacity, message.size);
    } catch (err) {
      throw channelErrorFromRing(err, this.shared.name, 'send');
    }
    if (typeof view === 'number') return false;
    try {
      encodeEnvelopeInto(message, view, 0);
    } catch (err) {
      if (queue.cancel()) control.unreserve();
      throw err;
    }
    try {
      queue.commit();
    } catch (err) {
      throw channelErrorFromRing(err, this.shared.name, 'send'); // RING_ABANDONED: the count was given back
    }
    return true;
  }

  targets(route: Route, message: Outgoing): MemoryTarget[] {
    return this.offers.targets(route, message);
  }

  offer(message: Outgoing, target: MemoryTarget) {
    return this.offers.offer(message, target);
  }

  evictOldest(target: MemoryTarget): boolean {
    return this.offers.evictOldest(target);
  }

  waitForRoom(target: MemoryTarget, untilMs: number): Promise<void> {
    return this.offers.waitForRoom(target, untilMs);
  }

  waitForRoomSync(target: MemoryTarget, untilMs: number): void {
    this.offers.waitForRoomSync(target, untilMs);
  }

  replyTarget(address: string): { target: MemoryTarget } | { channel: string } {
    return this.slots.replyTarget(address);
  }

  openSibling(name: string): Channel {
    return this.openHandle(name);
  }

  // ---- taking ------------------------------------------------------------------------------

  takeNow(source: MemorySource): MemoryRaw | undefined {
    if (this.anyLeases()) {
      const due = this.takeDue(source);
      if (due !== undefined) return due;
    }
    const { queue, control, taker } = this.shared;
    if (source.isQueue) {
      const entry = queue.isLocal ? queue.takeLocal() : taker.takeOne(queue);
      if (entry !== undefined) queue.countTaken(control, 1);
      return entry;
    }
    const entry = taker.takeOne(source.ring);
    if (entry !== undefined) control.rang();
    return entry;
  }

  takeManyNow(source: MemorySource, max: number, into: MemoryRaw[]): void {
    if (this.anyLeases()) {
      // Due redeliveries first, one at a time (each a lease taken from the log).
      while (into.length < max) {
        const raw = this.takeNow(source);
        if (raw === undefined) return;
        into.push(raw);
      }
      return;
    }
    const { queue, control, taker } = this.shared;
    const n = taker.takeInto(source.ring, max, into as QueueEntry[]);
    if (n === 0) return;
    if (source.isQueue) queue.countTaken(control, n);
    else control.rang();
  }

  waitAndTake(source: MemorySource, sliceMs: number, signal: AbortSignal | undefined): Promise<MemoryRaw | undefined> {
    return waitAndTake(this.shared, source, sliceMs, signal);
  }

  waitAndTakeSync(source: MemorySource, sliceMs: number): MemoryRaw | undefined {
    return waitAndTakeSync(this.shared, source, sliceMs);
  }

  isDrained(source: MemorySource): boolean {
    return this.shared.queue.closed && !this.shared.leases.hasWaiting(source.leaseCode);
  }

  waitSliceMs(): number {
    return waitSliceMs(this.shared);
  }

  timestampOf(raw: MemoryRaw): number {
    if (raw instanceof LocalMessage) return raw.timestamp;
    return readTimestamp(raw instanceof Uint8Array ? raw : raw.envelope);
  }

  deliveryCountOf(raw: MemoryRaw): number {
    if (raw instanceof LocalMessage) return 1;
    return readDeliveryCount(raw instanceof Uint8Array ? raw : raw.envelope);
  }

  messageOf(raw: MemoryRaw): Message {
    if (raw instanceof LocalMessage) return raw;
    return decodeEnvelope(raw instanceof Uint8Array ? raw : raw.envelope, this.shared.name);
  }

  discard(raw: MemoryRaw): void {
    if (!(raw instanceof LocalMessage) && !(raw instanceof Uint8Array)) this.shared.leases.release(raw);
  }

  hold(raw: MemoryRaw, source: MemorySource, tracked: boolean): MemoryDeliveryObject {
    if (raw instanceof LocalMessage && !tracked) {
      // Thread-local, at-most-once: the message is its own delivery (nothing to allocate, no lease).
      return raw.handOutAs(this.port);
    }
    if (!(raw instanceof LocalMessage) && !(raw instanceof Uint8Array)) {
      // A due lease: re-leased to this taker already (takeDue), or freed when deliveries are not leased.
      const message = decodeEnvelope(raw.envelope, this.shared.name);
      if (this.leaseDeliveries) return new MemoryDelivery(message, this.port, raw.envelope, source, raw);
      this.shared.leases.release(raw);
      return new MemoryDelivery(message, this.port, raw.envelope, source, undefined);
    }
    // A message sent in this thread may still be in object form: it is its own Message.
    const message = raw instanceof LocalMessage ? raw : decodeEnvelope(raw, this.shared.name);
    const lease = this.leaseDeliveries ? this.shared.leases.add(raw instanceof LocalMessage ? raw.toRecord() : raw, LEASE_HELD, source.leaseCode, Date.now() + this.ackTimeoutMs) : undefined;
    return new MemoryDelivery(message, this.port, raw, source, lease);
  }

  payloadAcked(raw: MemoryRaw): Uint8Array {
    if (raw instanceof LocalMessage) return raw.data; // the queue's own copy of the payload
    const record = raw instanceof Uint8Array ? raw : raw.envelope;
    if (!(raw instanceof Uint8Array)) this.shared.leases.release(raw);
    const at = payloadOffset(record);
    if (at < 0) throw new SerializationError('a received record is not a valid envelope; something other than this library wrote to the ring', { channel: this.shared.name });
    return tailOf(record, at);
  }

  // ---- settling ----------------------------------------------------------------------------

  ack(delivery: MemoryDeliveryObject): boolean {
    const lease = delivery instanceof MemoryDelivery ? delivery.lease : undefined;
    return lease === undefined || this.shared.leases.release(lease);
  }

  requeue(delivery: MemoryDeliveryObject, deliveryCount: number, delayMs: number): boolean {
    return this.requeues.requeue(delivery, deliveryCount, delayMs);
  }

  release(delivery: MemoryDeliveryObject): boolean {
    return this.ack(delivery);
  }

  stillHeld(delivery: MemoryDeliveryObject): boolean {
    const lease = delivery instanceof MemoryDelivery ? delivery.lease : undefined;
    return lease === undefined || this.shared.leases.isHeld(lease);
  }

  sourceOf(delivery: MemoryDeliveryObject): MemorySource {
    return delivery instanceof MemoryDelivery ? delivery.source : this.receivers;
  }

  groupOf(source: MemorySource): string | undefined {
    return source.group;
  }

  // ---- groups, inboxes, the rest -------------------------------------------------------------

  joinGroup(group: string | undefined): MemorySource {
    return this.slots.join(group);
  }

  leaveGroup(source: MemorySource): void {
    this.slots.leave(source);
  }

  openInbox(): Inbox<MemorySource> {
    return this.slots.openInbox();
  }

  pending(): number {
    return Math.max(0, this.shared.control.queued());
  }

  async inspect() {
    return inspectMemory(this.shared);
  }

  async close(unsettled: readonly MemoryDeliveryObject[]): Promise<void> {
    const { control, queue, subscriberRings, leases } = this.shared;
    control.markClosed();
    queue.close();
    for (const ring of subscriberRings) ring.close();
    control.wakeSenders();
    // This handle's unsettled deliveries come due now: whoever drains the channel gets them.
    const held: LeaseRef[] = [];
    for (const d of unsettled) if (d instanceof MemoryDelivery && d.lease !== undefined) held.push(d.lease);
    leases.expireNow(held);
    this.stopReportingHookErrors?.();
    this.shared.forget();
  }

  // ---- inside --------------------------------------------------------------------------------

  /** Any lease live (held or waiting)? A thread-local channel reads the count without an atomic. */
  private anyLeases(): boolean {
    const { queue, leases } = this.shared;
    return (queue.isLocal ? leases.liveInOwnThread() : leases.live()) > 0;
  }

  /**
   * A lease that came due (nacked with a delay, or left unsettled past its deadline), claimed by
   * this taker until a deadline so nobody else takes it meanwhile. One whose receiver missed the
   * deadline is a failed delivery: its count goes up now, in shared memory (the shared layer then
   * decides whether it is delivered again or dead-lettered).
   */
  private takeDue(source: MemorySource): TakenLease | undefined {
    const leases = this.shared.leases;
    const now = Date.now();
    if (!(leases.earliestDue() <= now)) return undefined;
    const taken = leases.takeDue(source.leaseCode, now, now + (this.ackTimeoutMs || CLAIM_MS));
    if (!taken) return undefined;
    if (taken.previousState === LEASE_HELD) {
      writeDeliveryCount(taken.envelope, readDeliveryCount(taken.envelope) + 1);
      leases.patchEnvelope(taken, 0, taken.envelope.subarray(0, 8));
    }
    return taken;
  }
}
