// The sending half of InMemoryChannel: encode the envelope, then put it into the queue and into
// every subscriber group's ring under the backpressure mode. The common case (room in the queue,
// nobody subscribed) encodes straight into the ring with no copy in between.
import type { SendOptions } from '../../channel.js';
import { abortedError } from '../../deadline.js';
import { SerializationError } from '../../errors.js';
import type { ChannelMetrics } from '../../metrics/channel-metrics.js';
import type { Backpressure, OfferTarget } from './backpressure.js';
import { SLOT_GROUP } from './control-block.js';
import { ENVELOPE_TAG, encodeEnvelope, encodeEnvelopeInto, envelopeSize, type EnvelopeFields } from './envelope.js';
import { channelErrorFromRing } from './ring-errors.js';
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

  /**
   * The fast path into the shared ring, ordered so that a sender terminated at any point leaks
   * nothing: claim ring space, count the message, mark the claim counted (its tag byte) with no
   * call in between, encode, commit. A claim the ring abandons (its sender died or stalled past
   * abandonAfterMs) gives its count back through the queue ring's onAbandonedClaim
   * (shared-channel.ts) when it carries the tag, so this path never gives back a counted claim
   * itself once the tag is written.
   */
  private trySendFastShared(message: LocalMessage, size: number): boolean {
    const { control, queue } = this.shared;
    let view: Uint8Array | undefined;
    try {
      view = queue.reserve(size);
    } catch (err) {
      throw channelErrorFromRing(err, this.channel, 'send');
    }
    if (view === undefined) return false;
    if (!control.tryReserve(this.shared.options.capacity)) {
      queue.cancel();
      return false;
    }
    view[0] = ENVELOPE_TAG;
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
    this.metrics.sent();
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
   * The batch path: one capacity reservation and one ring publish for as much of the batch as
   * fits (a thread-local queue takes each envelope encoded straight into its place); the rest
   * goes one by one through the waiting path.
   */
  async sendBatch(batch: readonly LocalMessage[], options: WaitOptions): Promise<string[]> {
    const sizes = batch.map((f) => this.checkedSize(f)); // every message checked before any is sent
    let done = 0;
    const { control, queue } = this.shared;
    if (control.slotsInUse() === 0 && !control.closed) {
      const room = control.reserveUpTo(this.shared.options.capacity, batch.length);
      if (queue.isLocal) done = this.offerToLocalQueue(batch, sizes, room);
      else {
        try {
          done = queue.trySendBatch(encodeAll(batch, sizes, room));
        } catch (err) {
          control.unreserve(room);
          throw channelErrorFromRing(err, this.channel, 'send');
        }
      }
      if (done < room) control.unreserve(room - done);
      this.metrics.sent(done);
    }
    for (let i = done; i < batch.length; i++) await this.offerEverywhere(encodeEnvelope(batch[i]!), options);
    return batch.map((f) => f.id);
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

/** The first `count` envelopes in one buffer, as views of it (one allocation for the batch). */
function encodeAll(batch: readonly EnvelopeFields[], sizes: readonly number[], count: number): Uint8Array[] {
  let total = 0;
  for (let i = 0; i < count; i++) total += sizes[i]!;
  const buffer = new Uint8Array(total);
  const records: Uint8Array[] = new Array(count);
  for (let i = 0, at = 0; i < count; i++) {
    const end = encodeEnvelopeInto(batch[i]!, buffer, at);
    records[i] = buffer.subarray(at, end);
    at = end;
  }
  return records;
}
