// The sending half of InMemoryChannel: encode the envelope, then put it into the queue and into
// every subscriber group's ring under the backpressure mode. The common case (room in the queue,
// nobody subscribed) encodes straight into the ring with no copy in between.
import type { SendOptions } from '../../channel.js';
import { abortedError } from '../../deadline.js';
import { BackendError, SerializationError } from '../../errors.js';
import type { ChannelMetrics } from '../../metrics/channel-metrics.js';
import { claimCounted, type Backpressure, type OfferTarget } from './backpressure.js';
import { SLOT_GROUP } from './control-block.js';
import { encodeEnvelope, encodeEnvelopeInto, envelopeSize, type EnvelopeFields } from './envelope.js';
import { channelErrorFromRing, isRingError } from './ring-errors.js';
import type { SharedChannel } from './shared-channel.js';
import type { LocalMessage } from './local-message.js';

type WaitOptions = Pick<SendOptions, 'timeoutMs' | 'signal'> | undefined;

export class SendPath {
  private readonly queueTarget: OfferTarget;

  constructor(
    private readonly shared: SharedChannel,
    private readonly backpressure: Backpressure,
    private readonly metrics: ChannelMetrics,
    private readonly channel: string,
    private readonly sendTimeoutMs: number,
    /** Largest envelope (payload plus fields) the rings and the lease log take. */
    private readonly maxEnvelopeBytes: number,
  ) {
    this.queueTarget = { ring: shared.queue, counted: true, label: 'the queue' };
  }

  checkedSize(fields: EnvelopeFields): number {
    const size = envelopeSize(fields);
    if (size > this.maxEnvelopeBytes) {
      throw new SerializationError(
        `this message needs ${size} bytes with its id, headers and keys; the limit is ${this.maxEnvelopeBytes}; shrink the headers or raise capacityBytes`,
        { channel: this.channel },
      );
    }
    return size;
  }

  /** A record of its own (for the paths that may wait, or go to several rings). */
  encode(fields: EnvelopeFields): Uint8Array {
    this.checkedSize(fields);
    return encodeEnvelope(fields);
  }

  /** The common case — queue has room, nobody subscribes: encode straight into the ring. */
  trySendFast(message: LocalMessage): boolean {
    const { control, queue } = this.shared;
    if (control.slotsInUse() !== 0) return false;
    const size = this.checkedSize(message);
    if (!queue.isLocal) return this.trySendFastShared(message, size);
    if (!control.tryReserve(this.shared.options.capacity)) return false;
    let sent: boolean;
    try {
      // Thread-local: the message waits as it is, never encoded (local-message.ts).
      sent = queue.offerLocal(message, size);
    } catch (err) {
      control.unreserve();
      throw channelErrorFromRing(err, this.channel, 'send');
    }
    if (!sent) {
      control.unreserve();
      return false;
    }
    this.metrics.sent();
    return true;
  }

  private trySendFastShared(message: LocalMessage, size: number): boolean {
    if (!this.sendOneShared(message, size)) return false;
    this.metrics.sent();
    return true;
  }

  /**
   * One message encoded straight into the shared ring, leaking nothing wherever its thread is
   * terminated: a counted, tagged claim (claimCounted, backpressure.ts), encode, commit. A claim
   * the ring abandons (its sender died or stalled past abandonAfterMs) gives its count back
   * through the queue ring's onAbandonedClaim (shared-channel.ts), so once tagged this path gives
   * the count back itself only for a claim it cancels before anyone abandoned it.
   */
  private sendOneShared(message: LocalMessage, size: number): boolean {
    const { control, queue } = this.shared;
    let view: Uint8Array | number;
    try {
      view = claimCounted(queue, control, this.shared.options.capacity, size);
    } catch (err) {
      throw channelErrorFromRing(err, this.channel, 'send');
    }
    if (typeof view === 'number') return false;
    try {
      encodeEnvelopeInto(message, view, 0);
    } catch (err) {
      // Nothing published: the claim is skipped, its count handed back here (unless receivers
      // already abandoned the tagged claim and gave it back themselves).
      if (queue.cancel()) control.unreserve();
      throw err;
    }
    try {
      queue.commit();
    } catch (err) {
      // RING_ABANDONED: receivers skipped the claim and gave its count back.
      throw channelErrorFromRing(err, this.channel, 'send');
    }
    return true;
  }

  /** The queue, then each subscriber group; resolves to the groups reached. */
  async offerEverywhere(record: Uint8Array, options: WaitOptions): Promise<number> {
    const timeoutMs = options?.timeoutMs ?? this.sendTimeoutMs;
    const signal = options?.signal;
    const until = performance.now() + timeoutMs;
    let groups = 0;
    const targets = this.targets();
    this.checkFitsEverywhere(targets, record);
    for (const target of targets) {
      for (;;) {
        const result = this.offerOnce(target, record);
        if (result === 'sent' && target !== this.queueTarget) groups++;
        if (result !== 'full') break;
        if (signal?.aborted) throw abortedError(signal, `waiting for room in ${target.label}`, this.channel);
        if (performance.now() >= until) throw this.backpressure.fullAfterTimeout(timeoutMs, target.label);
        await this.backpressure.park(until);
      }
    }
    this.metrics.sent();
    return groups;
  }

  /** The same, parking the calling worker thread instead of awaiting. */
  offerEverywhereSync(record: Uint8Array, options: WaitOptions): void {
    const timeoutMs = options?.timeoutMs ?? this.sendTimeoutMs;
    const until = performance.now() + timeoutMs;
    const targets = this.targets();
    this.checkFitsEverywhere(targets, record);
    for (const target of targets) {
      while (this.offerOnce(target, record) === 'full') {
        if (performance.now() >= until) throw this.backpressure.fullAfterTimeout(timeoutMs, target.label);
        this.backpressure.parkSync(until);
      }
    }
    this.metrics.sent();
  }

  /**
   * The batch path, while nobody subscribes: as much of the batch as fits now goes in without
   * waiting — into a thread-local queue as it is (one capacity reservation for all), into the
   * shared ring one counted claim per message, each envelope encoded straight into its claim.
   * The rest goes one by one through the waiting path.
   *
   * Why not one reservation and one ring publish for the whole batch in the shared ring too: the
   * count must be taken after the claim and marked in it (claimCounted), or a sender terminated
   * between counting and committing leaks the batch's count for ever (the channel would then
   * report full below its capacity). The ring's batch call claims and copies in one go, with no
   * point between to count and mark each record.
   */
  async sendBatch(batch: readonly LocalMessage[], options: WaitOptions): Promise<string[]> {
    const sizes = batch.map((f) => this.checkedSize(f)); // every message checked before any is sent
    let done = 0;
    const { control, queue } = this.shared;
    if (control.slotsInUse() === 0 && !control.closed) {
      if (queue.isLocal) {
        const room = control.reserveUpTo(this.shared.options.capacity, batch.length);
        done = this.offerToLocalQueue(batch, sizes, room);
        if (done < room) control.unreserve(room - done);
      } else {
        done = this.sendPrefixShared(batch, sizes);
      }
      this.metrics.sent(done);
    }
    for (let i = done; i < batch.length; i++) await this.offerEverywhere(encodeEnvelope(batch[i]!), options);
    return batch.map((f) => f.id);
  }

  /**
   * As many of the batch's first messages as the shared ring and `capacity` take now, each its own
   * counted claim; returns how many. A message whose claim receivers abandoned (this thread was
   * paused past abandonAfterMs) was not delivered and its count was given back: it ends the
   * prefix, and the waiting path sends it again with the rest. On any other failure part-way,
   * those already in stay sent (and are counted in the metrics here: the caller never sees how
   * many).
   */
  private sendPrefixShared(batch: readonly LocalMessage[], sizes: readonly number[]): number {
    let done = 0;
    try {
      while (done < batch.length && this.sendOneShared(batch[done]!, sizes[done]!)) done++;
    } catch (err) {
      if (err instanceof BackendError && isRingError(err.cause, 'RING_ABANDONED')) return done;
      this.metrics.sent(done);
      throw err;
    }
    return done;
  }

  /**
   * The first `room` messages (reserved against capacity) into the thread-local queue, as they
   * are (never encoded). On a failure part-way, those already in stay sent and counted.
   */
  private offerToLocalQueue(batch: readonly LocalMessage[], sizes: readonly number[], room: number): number {
    const queue = this.shared.queue;
    let done = 0;
    try {
      while (done < room && queue.offerLocal(batch[done]!, sizes[done]!)) done++;
    } catch (err) {
      this.shared.control.unreserve(room - done);
      this.metrics.sent(done);
      throw channelErrorFromRing(err, this.channel, 'send');
    }
    return done;
  }

  /** Refuses up front what one of the rings could never take, so no ring gets a partial fan-out. */
  private checkFitsEverywhere(targets: readonly OfferTarget[], record: Uint8Array): void {
    for (const target of targets) {
      if (record.byteLength > target.ring.maxMessageBytes) {
        throw new SerializationError(
          `this message's envelope is ${record.byteLength} bytes; ${target.label} takes at most ${target.ring.maxMessageBytes} (subscriber rings are subscriberCapacityBytes / 2); raise subscriberCapacityBytes or send smaller messages`,
          { channel: this.channel },
        );
      }
    }
  }

  private offerOnce(target: OfferTarget, record: Uint8Array) {
    try {
      return this.backpressure.tryOffer(target, record);
    } catch (err) {
      throw channelErrorFromRing(err, this.channel, 'send');
    }
  }

  private targets(): OfferTarget[] {
    const targets = [this.queueTarget];
    const { control, subscriberRings } = this.shared;
    if (control.slotsInUse() === 0) return targets;
    for (let s = 0; s < subscriberRings.length; s++) {
      if (control.slotState(s) === SLOT_GROUP) targets.push({ ring: subscriberRings[s]!, counted: false, label: `subscriber slot ${s}` });
    }
    return targets;
  }
}
