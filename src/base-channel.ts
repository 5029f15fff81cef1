// What every backend would otherwise write again: option checking, payload checks, the trio
// built on deliveries, batches, ack/nack by id, statistics and async iteration. A backend extends
// this and supplies the parts that touch its ring or broker.
import type {
  Capabilities,
  Channel,
  ChannelOptions,
  ChannelStats,
  Delivery,
  Message,
  NackOptions,
  OutgoingMessage,
  ReceiveOptions,
  SendOptions,
  Subscription,
  SubscribeOptions,
} from './channel.js';
import { SettleableDelivery, type Settler } from './delivery.js';
import { deliveryIterator } from './delivery-iterator.js';
import { ChannelClosedError, InvalidConfigurationError, MessageNotFoundError, SerializationError } from './errors.js';
import { ChannelMetrics } from './metrics/channel-metrics.js';
import { resolveOptions, type ResolvedOptions } from './options.js';

const RECENTLY_SETTLED_KEPT = 4096;

type SettledCounter = 'acked' | 'nacked' | 'deadLettered';

/** The backend's settler, plus: once a settlement is done, the channel forgets the delivery. */
class ForgettingSettler implements Settler {
  delivery!: SettleableDelivery;

  constructor(
    private readonly inner: Settler,
    private readonly onSettled: (delivery: SettleableDelivery, counter: SettledCounter) => void,
  ) {}

  async ack(m: Message): Promise<void> {
    await this.inner.ack(m);
    this.onSettled(this.delivery, 'acked');
  }

  async nack(m: Message, o: Required<NackOptions>): Promise<void> {
    await this.inner.nack(m, o);
    this.onSettled(this.delivery, 'nacked');
  }

  async deadLetter(m: Message, reason: string): Promise<void> {
    await this.inner.deadLetter(m, reason);
    this.onSettled(this.delivery, 'deadLettered');
  }
}

export abstract class BaseChannel implements Channel {
  readonly name: string;
  readonly options: ResolvedOptions;
  abstract readonly capabilities: Capabilities;
  abstract readonly isClosed: boolean;

  protected readonly metrics = new ChannelMetrics();
  /** Deliveries this handle gave out and nobody has settled yet, by id. */
  protected readonly inFlight = new Map<string, SettleableDelivery>();
  /**
   * The last few thousand settled deliveries, so that ack(id) repeated is the no-op it is on the
   * Delivery itself, and nack(id) after ack(id) says AlreadySettled rather than MessageNotFound.
   */
  private readonly recentlySettled = new Map<string, SettleableDelivery>();

  /** `backendKeys`: option names the backend adds to ChannelOptions (it validates them itself). */
  constructor(options: ChannelOptions, backendKeys: readonly string[] = []) {
    this.options = resolveOptions(options, backendKeys);
    this.name = this.options.name;
  }

  // ---- what a backend supplies ------------------------------------------------------------

  abstract send(data: Uint8Array, options?: SendOptions): Promise<string>;
  abstract receiveDelivery(options?: ReceiveOptions): Promise<Delivery>;
  /** The next delivery if one is waiting now; never waits. */
  protected abstract pollDelivery(): Promise<Delivery | undefined>;
  abstract publish(data: Uint8Array, options?: SendOptions): Promise<number>;
  abstract subscribe(options?: SubscribeOptions): Promise<Subscription>;
  abstract request(data: Uint8Array, options?: SendOptions): Promise<Message>;
  abstract reply(request: Message, data: Uint8Array, options?: Omit<SendOptions, 'correlationId' | 'replyTo'>): Promise<string>;
  abstract close(): Promise<void>;
  /** Messages waiting to be received, where the backend can know (else 0). */
  protected abstract pendingCount(): number;

  // ---- shared behaviour -------------------------------------------------------------------

  async sendBatch(
    messages: readonly (Uint8Array | OutgoingMessage)[],
    options: Pick<SendOptions, 'timeoutMs' | 'signal'> = {},
  ): Promise<string[]> {
    if (!Array.isArray(messages)) {
      throw new SerializationError('sendBatch takes an array of Uint8Array or { data, headers?, key? } objects', { channel: this.name });
    }
    const ids: string[] = [];
    for (const m of messages) {
      ids.push(m instanceof Uint8Array ? await this.send(m, options) : await this.send(m?.data, { ...m, ...options }));
    }
    return ids;
  }

  async receive(options?: ReceiveOptions): Promise<Uint8Array> {
    const delivery = await this.receiveDelivery(options);
    await delivery.ack();
    return delivery.data;
  }

  async tryReceive(): Promise<Uint8Array | undefined> {
    const delivery = await this.pollDelivery();
    if (!delivery) return undefined;
    await delivery.ack();
    return delivery.data;
  }

  async receiveBatch(max: number, options?: ReceiveOptions): Promise<Delivery[]> {
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidConfigurationError(`receiveBatch max is ${max}; use a whole number >= 1`, { channel: this.name });
    }
    const batch = [await this.receiveDelivery(options)];
    while (batch.length < max) {
      const next = await this.pollDelivery();
      if (!next) break;
      batch.push(next);
    }
    return batch;
  }

  async ack(id: string): Promise<void> {
    return this.deliveryById(id, 'ack').ack();
  }

  async nack(id: string, options?: NackOptions): Promise<void> {
    return this.deliveryById(id, 'nack').nack(options);
  }

  stats(): ChannelStats {
    return this.metrics.snapshot(this.pendingCount(), this.inFlight.size);
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return deliveryIterator(() => this.receiveDelivery());
  }

  // ---- helpers for backends ---------------------------------------------------------------

  /** Wraps a received message so that settling it also forgets it from `inFlight`. */
  protected deliver(message: Message, settler: Settler, receivedAtMs?: number): SettleableDelivery {
    const forgetting = new ForgettingSettler(settler, this.onSettled);
    const delivery = new SettleableDelivery(message, forgetting);
    forgetting.delivery = delivery;
    this.inFlight.set(message.id, delivery);
    this.metrics.received(message.timestamp, receivedAtMs);
    return delivery;
  }

  /** One function per channel (not three closures per delivery) for ForgettingSettler. */
  private readonly onSettled = (delivery: SettleableDelivery, counter: SettledCounter): void => this.settled(delivery, counter);

  /** Throws the typed error for a payload that is not bytes or is too large for this backend. */
  protected checkPayload(data: unknown): asserts data is Uint8Array {
    if (!(data instanceof Uint8Array)) {
      const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
      throw new SerializationError(
        `a message must be a Uint8Array (a Buffer is one), not ${got}; encode it first, e.g. new TextEncoder().encode(text)`,
        { channel: this.name },
      );
    }
    const max = this.capabilities.maxMessageBytes;
    // `length` is the byte count of a Uint8Array and, unlike byteLength, is inlined by V8 (Node 20).
    if (data.length > max) {
      throw new SerializationError(
        `a message of ${data.length} bytes is larger than this channel's limit of ${max} bytes; split it, or raise the limit (capacityBytes on the memory backend)`,
        { channel: this.name },
      );
    }
  }

  protected ensureOpen(action: string): void {
    if (this.isClosed) {
      throw new ChannelClosedError(`cannot ${action}: the channel is closed; open a new one`, { channel: this.name });
    }
  }

  private settled(delivery: SettleableDelivery, counter: SettledCounter): void {
    this.inFlight.delete(delivery.id);
    this.metrics.count(counter);
    this.recentlySettled.set(delivery.id, delivery);
    if (this.recentlySettled.size > RECENTLY_SETTLED_KEPT) {
      this.recentlySettled.delete(this.recentlySettled.keys().next().value!);
    }
  }

  private deliveryById(id: string, action: string): SettleableDelivery {
    const delivery = this.inFlight.get(id) ?? this.recentlySettled.get(id);
    if (!delivery) {
      throw new MessageNotFoundError(
        `cannot ${action} message ${JSON.stringify(id)}: this handle has no unsettled delivery with that id (already settled, redelivered elsewhere, or never received here)`,
        { channel: this.name },
      );
    }
    return delivery;
  }
}
