// The template every backend's channel extends: the whole Channel contract, written once over a
// Transport (transport.ts) that supplies only the primitives touching a ring or a broker. Its
// public methods are final — a backend never overrides them (test/unit/template-final.test.ts
// checks that) — so every backend checks input, counts, retries, dead-letters, applies
// backpressure and TTL, waits and times out in exactly the same way. A backend's class adds only
// what is its own (the in-memory describe()/attach() and blocking calls, a broker's connect()).
import type {
  Capabilities,
  Channel,
  ChannelEvents,
  ChannelInfo,
  ChannelStats,
  ConnectionState,
  Delivery,
  Message,
  NackOptions,
  OutgoingMessage,
  ReceiveOptions,
  SendOptions,
  Subscription,
  SubscribeOptions,
  Transaction,
} from '../channel.js';
import type { SettlementState } from '../delivery.js';
import { deliveryIterator } from '../delivery-iterator.js';
import { ChannelClosedError, InvalidConfigurationError, SerializationError } from '../errors.js';
import { newMessageId } from '../ids.js';
import { ChannelMetrics, nowMs } from '../metrics/channel-metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { SendTarget } from './backpressure.js';
import { ChannelEventHub } from './channel-events.js';
import { DeadLetterSender } from './dead-letter.js';
import { checkMessageFields, checkPayload, type MessageFields, type Outgoing } from './outgoing.js';
import { Receiving } from './receiving.js';
import { idsOf, Sending } from './sending.js';
import { requestReply, type RequestPort } from './request-reply.js';
import { SettlementPolicy } from './settlement.js';
import { ChannelSubscription, checkGroupName, RECEIVERS_GROUP, type SubscriptionPort } from './subscription.js';
import { checkSupported } from './supported.js';
import type { Transport } from './transport.js';

export abstract class BaseChannel<R, S, T extends SendTarget, D extends SettlementState & Delivery> implements Channel {
  readonly name: string;
  readonly options: ResolvedOptions;
  readonly capabilities: Capabilities;
  readonly #transport: Transport<R, S, T, D>;
  readonly #metrics = new ChannelMetrics();
  readonly #events: ChannelEventHub;
  readonly #policy: SettlementPolicy<R, S, T, D>;
  readonly #receiving: Receiving<R, S, T, D>;
  readonly #deadLetters: DeadLetterSender;
  readonly #sending: Sending<R, S, T, D>;
  readonly #subscriptionPort: SubscriptionPort<S>;
  readonly #requestPort: RequestPort<S>;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** `options` are resolved (resolveOptions with the backend's own keys); the transport is this handle's. */
  protected constructor(options: ResolvedOptions, transport: Transport<R, S, T, D>) {
    this.options = options;
    this.name = options.name;
    this.capabilities = transport.capabilities;
    checkSupported(options, transport.capabilities);
    this.#transport = transport;
    this.#events = new ChannelEventHub(transport.capabilities.connection ? 'connecting' : 'connected');
    const reportError = (error: Error) => this.#events.reportError(error);
    this.#deadLetters = new DeadLetterSender(this.name, options.deadLetter, (name) => transport.openSibling(name), transport.closesSiblings);
    this.#policy = new SettlementPolicy(transport, options, this.#metrics, this.#deadLetters, reportError);
    this.#receiving = new Receiving(transport, options, this.#metrics, this.#policy, reportError);
    this.#sending = new Sending(transport, options, this.#metrics);
    this.#subscriptionPort = {
      channel: this.name,
      next: (source, o) => this.#receiveFrom(source, o),
      leave: async (source) => void (await transport.leaveGroup(source)),
    };
    this.#requestPort = {
      channel: this.name,
      receiveTimeoutMs: options.receiveTimeoutMs,
      openInbox: () => transport.openInbox(),
      send: (data, o) => this.send(data, o),
      next: (source, o) => this.#receiveFrom(source, o),
    };
    transport.bind({
      port: this.#policy,
      reportError,
      setStatus: (state, error) => this.#events.setStatus(state, error),
      countDropped: (n) => this.#metrics.count('dropped', n),
    });
  }

  get isClosed(): boolean {
    return this.#closed || this.#transport.closed;
  }

  get status(): ConnectionState {
    return this.#events.status;
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  // ---- sending -----------------------------------------------------------------------------
  async send(data: Uint8Array, options?: SendOptions): Promise<string> {
    this.ensureOpen('send');
    const message = this.buildMessage(data, options, nowMs());
    try {
      if (this.#transport.putNow(message)) {
        this.#metrics.sent();
        return message.id;
      }
    } catch (err) {
      this.#metrics.count('failed');
      throw err;
    }
    await this.#sending.putWaiting(message, 'send', options);
    return message.id;
  }

  sendBatch(messages: readonly (Uint8Array | OutgoingMessage)[], options: Pick<SendOptions, 'timeoutMs' | 'signal'> = {}): Promise<string[]> {
    // Not async: an all-fits batch resolves without the extra promise an async function adopts.
    let batch: Outgoing[];
    try {
      if (!Array.isArray(messages)) {
        throw new SerializationError('sendBatch takes an array of Uint8Array or { data, headers?, key? } objects', { channel: this.name });
      }
      this.ensureOpen('send');
      // Every message is checked before any is sent: bad input leaves nothing half-sent.
      const sentAt = nowMs(); // one clock read for the whole batch
      batch = [];
      for (const m of messages) batch.push(m instanceof Uint8Array ? this.buildMessage(m, undefined, sentAt) : this.buildMessage(m?.data, m, sentAt));
    } catch (err) {
      return Promise.reject(err);
    }
    let done: number;
    try {
      done = this.#transport.putManyNow(batch);
    } catch (err) {
      this.#metrics.count('failed');
      return Promise.reject(err);
    }
    this.#metrics.sent(done);
    if (done === batch.length) return Promise.resolve(idsOf(batch));
    return this.#sending.putRest(batch, done, options);
  }

  async publish(data: Uint8Array, options?: SendOptions): Promise<number> {
    this.ensureOpen('publish');
    return this.#sending.putWaiting(this.buildMessage(data, options, nowMs()), 'publish', options);
  }

  // ---- receiving ---------------------------------------------------------------------------
  async receive(options?: ReceiveOptions): Promise<Uint8Array> {
    const receivers = this.#transport.receivers;
    const data = this.#receiving.payloadNow(receivers);
    if (data !== undefined) return data;
    const delivery = await this.#receiving.wait(receivers, options ?? {});
    await delivery.ack();
    return delivery.data;
  }

  async tryReceive(): Promise<Uint8Array | undefined> {
    const receivers = this.#transport.receivers;
    const data = this.#receiving.payloadNow(receivers);
    if (data !== undefined) return data;
    if (this.#receiving.drained(receivers)) throw this.#receiving.drainedError();
    // What a broker's reader holds may lag behind the broker: look at what it holds now before saying "nothing".
    if (this.#transport.refresh === undefined) return undefined;
    await this.#transport.refresh(receivers, 1, undefined);
    return this.#receiving.payloadNow(receivers);
  }

  receiveDelivery(options: ReceiveOptions = {}): Promise<Delivery> {
    return this.#receiveFrom(this.#transport.receivers, options);
  }

  async receiveBatch(max: number, options?: ReceiveOptions): Promise<Delivery[]> {
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidConfigurationError(`receiveBatch max is ${max}; use a whole number >= 1`, { channel: this.name });
    }
    const receivers = this.#transport.receivers;
    const batch: D[] = [];
    this.#receiving.takeInto(receivers, max, batch);
    if (batch.length === 0) {
      batch.push(await this.#receiving.wait(receivers, options ?? {}));
      this.#receiving.takeInto(receivers, max, batch);
    }
    return batch;
  }

  ack(id: string): Promise<void> {
    const found = this.#policy.byId(id, 'ack', 'acked');
    return found instanceof Promise ? found : found.ack();
  }

  nack(id: string, options?: NackOptions): Promise<void> {
    const found = this.#policy.byId(id, 'nack', 'nacked');
    return found instanceof Promise ? found : found.nack(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return deliveryIterator(() => this.receiveDelivery());
  }

  // ---- groups, request/reply, transactions ------------------------------------------------
  async subscribe(options: SubscribeOptions = {}): Promise<Subscription> {
    this.ensureOpen('subscribe');
    const group = options?.group;
    checkGroupName(group, this.#transport.maxGroupNameBytes, this.name);
    const source = await this.#transport.joinGroup(group);
    return new ChannelSubscription(this.#subscriptionPort, group, source);
  }

  async request(data: Uint8Array, options: SendOptions = {}): Promise<Message> {
    this.ensureOpen('send a request');
    checkPayload(data, this.capabilities.maxMessageBytes, this.name, this.#transport.raiseLimitHint);
    return requestReply(this.#requestPort, data, options);
  }

  async reply(request: Message, data: Uint8Array, options: Omit<SendOptions, 'correlationId' | 'replyTo'> = {}): Promise<string> {
    this.ensureOpen('reply');
    const replyTo = request?.replyTo;
    if (typeof replyTo !== 'string') {
      throw new InvalidConfigurationError('this message has no replyTo: it was not sent by request(), so there is nowhere to reply', { channel: this.name });
    }
    const fields = { headers: options.headers, key: options.key, correlationId: request.correlationId };
    const message = this.buildMessage(data, fields, nowMs());
    const where = await this.#transport.replyTarget(replyTo);
    if ('channel' in where) {
      const sibling = await this.#transport.openSibling(where.channel);
      try {
        await sibling.send(data, { ...fields, timeoutMs: options.timeoutMs, signal: options.signal });
      } finally {
        if (this.#transport.closesSiblings) await sibling.close();
      }
      this.#metrics.sent();
      return message.id;
    }
    await this.#sending.offerTo(message, [where.target], options);
    return message.id;
  }

  async transaction<V>(work: (tx: Transaction) => Promise<V>): Promise<V> {
    const begin = this.#transport.beginTransaction;
    if (!this.capabilities.exactlyOnce || begin === undefined || this.options.delivery !== 'exactly-once') {
      throw new InvalidConfigurationError(
        `transaction() needs delivery 'exactly-once' on a backend that declares capabilities.exactlyOnce; this channel has delivery '${this.options.delivery}' on a backend that ${this.capabilities.exactlyOnce ? 'does' : 'does not'}`,
        { channel: this.name },
      );
    }
    this.ensureOpen('start a transaction');
    const tx = await begin.call(this.#transport);
    const api: Transaction = {
      send: async (channel, data, fields) => {
        const message = this.buildMessage(data, fields, nowMs());
        await tx.send(channel, message);
        return message.id;
      },
      ack: (delivery) => tx.ack(delivery as D),
    };
    let result: V;
    try {
      result = await work(api);
    } catch (err) {
      await tx.abort().catch((abortErr: unknown) => this.#events.reportError(abortErr instanceof Error ? abortErr : new Error(String(abortErr))));
      throw err;
    }
    await tx.commit();
    return result;
  }

  // ---- the rest ----------------------------------------------------------------------------
  stats(): ChannelStats {
    return this.#metrics.snapshot(this.#transport.pending(), this.#policy.inFlight.size, this.#events.errors);
  }

  async inspect(): Promise<ChannelInfo> {
    this.ensureOpen('inspect');
    const inspect = this.#transport.inspect;
    const found = inspect !== undefined
      ? await inspect.call(this.#transport)
      : { messages: undefined, groups: [{ name: RECEIVERS_GROUP, kind: 'receivers' as const, pending: this.#transport.pending(), members: undefined }], backend: {} };
    return { name: this.name, status: this.status, ...found };
  }

  close(): Promise<void> {
    // A repeated call resolves with the first: once it does, the handle's connections are closed.
    return (this.#closing ??= this.#closeOnce());
  }

  async #closeOnce(): Promise<void> {
    this.#closed = true;
    try {
      await this.#transport.close([...this.#policy.inFlight.values()]);
      await this.#deadLetters.close();
    } finally {
      this.#events.setStatus('closed');
    }
  }

  // ---- for a backend's own calls (blocking variants) ----------------------------------------
  protected ensureOpen(action: string): void {
    if (this.isClosed) throw new ChannelClosedError(`cannot ${action}: the channel is closed; open a new one`, { channel: this.name });
  }

  /** Checks a message (payload, fields, size in the backend's format) and builds it with a new id. */
  protected buildMessage(data: unknown, fields: MessageFields | undefined, timestamp: number): Outgoing {
    const transport = this.#transport;
    checkPayload(data, this.capabilities.maxMessageBytes, this.name, transport.raiseLimitHint);
    if (fields !== undefined) checkMessageFields(fields, this.name);
    const message = transport.createMessage(newMessageId(timestamp), data, timestamp, fields);
    const size = transport.wireSize(message);
    if (size > transport.maxWireBytes) {
      throw new SerializationError(
        `this message needs ${size} bytes with its id, headers and keys; the limit is ${transport.maxWireBytes}; shrink the headers, or ${transport.raiseLimitHint}`,
        { channel: this.name },
      );
    }
    message.size = size;
    return message;
  }

  /** send() blocking the calling worker thread while the channel is full (`block` mode). */
  protected sendBlocking(data: Uint8Array, options: SendOptions | undefined): string {
    this.ensureOpen('send');
    const message = this.buildMessage(data, options, nowMs());
    this.#sending.putBlocking(message, options?.timeoutMs ?? this.options.sendTimeoutMs);
    return message.id;
  }

  /** receiveDelivery() blocking the calling worker thread. */
  protected receiveBlocking(timeoutMs: number | undefined): D {
    return this.#receiving.poll(this.#transport.receivers) ?? this.#receiving.waitSync(this.#transport.receivers, timeoutMs);
  }

  /** receive() blocking the calling worker thread. */
  protected receivePayloadBlocking(timeoutMs: number | undefined): Uint8Array {
    const data = this.#receiving.payloadNow(this.#transport.receivers);
    if (data instanceof Uint8Array) return data;
    if (data !== undefined) throw new TypeError('internal: a blocking receive reached a backend whose hand-over is asynchronous');
    const delivery = this.#receiving.waitSync(this.#transport.receivers, timeoutMs);
    void delivery.ack(); // settles synchronously underneath on a backend with blocking calls
    return delivery.data;
  }

  // ---- inside ------------------------------------------------------------------------------
  #receiveFrom(source: S, options: ReceiveOptions): Promise<D> {
    const ready = this.#receiving.poll(source);
    return ready !== undefined ? Promise.resolve(ready) : this.#receiving.wait(source, options);
  }
}
