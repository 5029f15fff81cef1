// The Redis backend's primitives for the shared template (src/base/transport.ts), over Redis
// Streams and consumer groups. Nothing here decides policy (retries, TTL, backpressure modes,
// dead letters, the receive loop): that is the shared layer's. How each primitive maps onto the
// server is in README.md beside this file.
//
// One stream per channel; every message is XADDed once (a published one carries ps-route:
// publish). The receivers' queue is the group `ps-receivers`, made when a handle connects, from
// the stream's start; it settles published entries without handing them out. Subscription groups
// see every entry. A nacked entry is acked and copied into its group's retry stream (at once, or
// via a delay set when nacked with a delay); each group reads its retry stream beside the stream.
import type { Capabilities, Channel, Message } from '../../channel.js';
import { FULL_COUNT, SENT, type OfferOutcome } from '../../base/backpressure.js';
import { OutgoingEnvelope, type MessageFields } from '../../base/outgoing.js';
import { RECEIVERS_GROUP, RESERVED_GROUP_PREFIX } from '../../base/subscription.js';
import type { Inbox, Route, Transport, TransportContext } from '../../base/transport.js';
import { abortedError } from '../../deadline.js';
import type { SettlePort } from '../../delivery.js';
import { BackendError, ChannelClosedError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import type { ResolvedOptions } from '../../options.js';
import { backendError, Connection, defaultConsumerName, isTransient, sanitized } from './connections.js';
import { decodeEntry, entryFields, entrySize, StreamKeys } from './entries.js';
import { GroupReader, type ReaderHost } from './group-reader.js';
import { HandleInbox, INBOX_MAXLEN, parseInboxAddress, type InboxHost } from './inbox.js';
import { redisCapabilities, WIRE_OVERHEAD_BYTES } from './redis-capabilities.js';
import {
  GroupSource,
  InboxSource,
  inboxTarget,
  publishTarget,
  queueTarget,
  RedisDelivery,
  type RedisRaw,
  type RedisSource,
  type RedisTarget,
  type StreamSlot,
} from './redis-places.js';
import type { ResolvedRedisOptions } from './redis-options.js';
import { INBOX_TAG_FIELD, SCRIPTS } from './scripts.js';

/** Messages per SEND script call of a batch, and the payload bytes one call carries at most. */
const BATCH_MESSAGES = 512;
const BATCH_BYTES = 4 << 20;
/** How long close() gives the server to take back this handle's deliveries. */
const CLOSE_BUDGET_MS = 3000;

/** Opens another channel of this backend on the same server (dead letters, replies by name). */
export type SiblingOpener = (name: string) => Promise<Channel>;

export class RedisTransport implements Transport<RedisRaw, RedisSource, RedisTarget, RedisDelivery>, ReaderHost, InboxHost {
  readonly capabilities: Capabilities;
  readonly maxWireBytes: number;
  readonly raiseLimitHint = 'raise the maxMessageBytes option (at most 256 MiB)';
  readonly maxGroupNameBytes = 200;
  readonly closesSiblings = true;
  readonly receivers: GroupSource;
  readonly channel: string;
  readonly keys: StreamKeys;
  private readonly consumerBase: string;
  private readonly queue: RedisTarget;
  private commandConnection: Connection | undefined;
  private context!: TransportContext<RedisDelivery>;
  private port!: SettlePort<RedisDelivery>;
  private closing = false;
  /** Connected and set up: close() then has this handle's state on the server to tidy. */
  private started = false;
  /** The receivers' waiting count as the server last reported it (undefined until connected). */
  private waiting: number | undefined;
  private readonly sources = new Set<GroupSource>();
  private inbox: HandleInbox | undefined;
  private subscriptionCount = 0;
  private readonly acks = new Map<GroupSource, { pairs: (string | number)[]; settle: ((ok: boolean) => void)[]; fail: ((e: Error) => void)[] }>();
  private acksScheduled = false;
  private readonly roomWaiters = new Set<() => void>();

  constructor(
    readonly options: ResolvedOptions,
    readonly config: ResolvedRedisOptions,
    private readonly openSiblingChannel: SiblingOpener,
  ) {
    this.channel = options.name;
    this.capabilities = redisCapabilities(config.maxMessageBytes);
    this.maxWireBytes = config.maxMessageBytes + WIRE_OVERHEAD_BYTES;
    this.keys = new StreamKeys(config.streamKey);
    this.consumerBase = config.consumer ?? defaultConsumerName();
    this.receivers = this.groupSource(RECEIVERS_GROUP, this.consumerBase, true, undefined, false);
    this.queue = queueTarget(config.streamKey);
  }

  bind(context: TransportContext<RedisDelivery>): void {
    this.context = context;
    this.port = context.port;
  }

  get closed(): boolean {
    return this.closing;
  }

  // ---- connecting ----------------------------------------------------------------------------

  /** Connects within connectTimeoutMs and makes the stream and the receivers' group. */
  async start(): Promise<void> {
    const display = this.config.server.display;
    const c = new Connection(
      this.config.server,
      this.options.connectTimeoutMs,
      `command:${this.keys.stream}`,
      (error) => {
        if (!this.closing) this.context.setStatus('reconnecting', new BackendError(`lost the connection to Redis at ${display}: ${error.message}; reconnecting`, { channel: this.channel, cause: error }));
      },
      () => {
        if (!this.closing && this.commandConnection !== undefined) this.context.setStatus('connected');
      },
    );
    this.commandConnection = c;
    await c.open(this.options.connectTimeoutMs, display);
    try {
      await this.join(this.receivers, '0');
    } catch (err) {
      throw backendError(err, `creating the receivers' group on stream '${this.keys.stream}'`, display, this.channel);
    }
    this.started = true;
    this.context.setStatus('connected');
  }

  /** The command connection, once ready (waiting for it up to connectTimeoutMs while it reconnects). */
  async command(): Promise<Connection> {
    const c = this.commandConnection!;
    if (!c.ready) await c.waitReady(this.options.connectTimeoutMs);
    return c;
  }

  newConnection(role: string, onReady?: () => void): Connection {
    return new Connection(this.config.server, this.options.connectTimeoutMs, `${role}:${this.keys.stream}`, undefined, onReady);
  }

  /**
   * Runs `work` on the command connection, trying again while the server is out of reach, until
   * `untilMs` (performance.now()); then BackendError. A refusal by the server is not retried.
   */
  private async withRetry<V>(what: string, untilMs: number, signal: AbortSignal | undefined, work: (c: Connection) => Promise<V>, duringClose = false): Promise<V> {
    const c = this.commandConnection!;
    for (let backoff = 10; ; backoff = Math.min(500, backoff * 2)) {
      if (this.closing && !duringClose) throw this.closedError(what);
      if (signal?.aborted) throw abortedError(signal, what, this.channel);
      if (c.ready) {
        try {
          return await work(c);
        } catch (err) {
          if (!isTransient(err)) throw backendError(err, what, this.config.server.display, this.channel);
          c.lastError = sanitized(err);
        }
      }
      const left = untilMs - performance.now();
      if (left <= 0) {
        throw new BackendError(
          `${what}: Redis at ${this.config.server.display} did not answer in time${c.lastError ? ` (${c.lastError.message})` : ''}; it is down or unreachable — the call may be retried, or raise its timeout`,
          { channel: this.channel, cause: c.lastError },
        );
      }
      await c.pause(Math.min(left, backoff), signal);
    }
  }

  private closedError(what: string): ChannelClosedError {
    return new ChannelClosedError(`cannot ${what}: the channel is closed; open a new one`, { channel: this.channel });
  }

  // ---- building and sending ------------------------------------------------------------------

  createMessage(id: string, data: Uint8Array, timestamp: number, fields: MessageFields | undefined): OutgoingEnvelope {
    return new OutgoingEnvelope(this.channel, id, data, timestamp, undefined, undefined, fields?.headers, fields?.key, fields?.correlationId, fields?.replyTo);
  }

  wireSize(message: OutgoingEnvelope): number {
    return entrySize(message);
  }

  putNow(): boolean {
    return false; // every send is a round trip
  }

  putManyNow(): number {
    return 0;
  }

  targets(route: Route): RedisTarget[] {
    return route === 'send' ? [this.queue] : [publishTarget(this.keys.stream)];
  }

  async offer(message: OutgoingEnvelope, target: RedisTarget, untilMs = Infinity, signal?: AbortSignal): Promise<OfferOutcome> {
    if (target.kind === 'inbox') {
      const fields = [...entryFields(message, 'send'), INBOX_TAG_FIELD, target.tag!];
      // NOMKSTREAM: a reply to an inbox that is gone (its handle closed) goes nowhere.
      await this.withRetry('send a reply', untilMs, signal, (c) =>
        c.redis.callBuffer('XADD', target.stream!, 'NOMKSTREAM', 'MAXLEN', '~', INBOX_MAXLEN, '*', ...fields),
      );
      return SENT;
    }
    const route = target.route;
    const [added, , groups] = await this.runSend([message], route, untilMs, signal, route === 'publish');
    if (route === 'publish') target.groups = groups;
    return added === 1 ? SENT : FULL_COUNT;
  }

  async sendMany(messages: readonly OutgoingEnvelope[], signal: AbortSignal | undefined, untilMs = Infinity): Promise<number> {
    let done = 0;
    while (done < messages.length) {
      let end = done;
      let bytes = 0;
      while (end < messages.length && end - done < BATCH_MESSAGES && (end === done || bytes + messages[end]!.size <= BATCH_BYTES)) bytes += messages[end++]!.size;
      const chunk = end - done;
      const [added] = await this.runSend(messages.slice(done, end), 'send', untilMs, signal, false);
      done += added;
      if (added < chunk) break; // the receivers' queue is full: the shared layer takes it from here
    }
    return done;
  }

  /** One SEND script call: [added, waiting, groups]. */
  private async runSend(messages: readonly OutgoingEnvelope[], route: Route, untilMs: number, signal: AbortSignal | undefined, countGroups: boolean): Promise<[number, number, number]> {
    const args: (string | number | Buffer)[] = [this.options.capacity, this.config.maxLength, countGroups ? 1 : 0];
    for (const m of messages) {
      const fields = entryFields(m, route);
      args.push(route === 'send' ? 's' : 'p', fields.length, ...fields);
    }
    const reply = (await this.withRetry(route === 'send' ? 'send' : 'publish', untilMs, signal, (c) =>
      SCRIPTS.send.run(c.redis, [this.keys.stream, this.keys.waiting], args),
    )) as [number, number, number];
    this.waiting = reply[1];
    return reply;
  }

  async evictOldest(): Promise<boolean> {
    const reply = await this.withRetry('evict the oldest message', Infinity, undefined, (c) =>
      SCRIPTS.evict.run(c.redis, [this.keys.stream, this.keys.waiting], [this.receivers.consumer]),
    );
    return reply === 1;
  }

  /** Polls: a receive anywhere may have made room, and only the server knows. */
  waitForRoom(_target: RedisTarget, untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    const ms = Math.max(0, Math.min(untilMs - performance.now(), 20));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.roomWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.roomWaiters.add(done);
    });
  }

  replyTarget(address: string): { target: RedisTarget } | { channel: string } {
    const inbox = parseInboxAddress(address);
    return inbox ? { target: inboxTarget(inbox.stream, inbox.tag) } : { channel: address };
  }

  openSibling(name: string): Promise<Channel> {
    return this.openSiblingChannel(name);
  }

  // ---- taking --------------------------------------------------------------------------------

  takeNow(source: RedisSource): RedisRaw | undefined {
    return source.buffer.shift();
  }

  takeManyNow(source: RedisSource, max: number, into: RedisRaw[]): void {
    const buffer = source.buffer;
    if (buffer.length === 0 && source.kind === 'group') source.hint = max;
    while (into.length < max && buffer.length > 0) into.push(buffer.shift()!);
  }

  waitAndTake(source: RedisSource, sliceMs: number, signal: AbortSignal | undefined): Promise<RedisRaw | undefined> {
    if (source.buffer.length > 0) return Promise.resolve(source.buffer.shift());
    if (this.closing) return Promise.resolve(undefined);
    if (source.kind === 'inbox') return this.inbox!.waitAndTake(source, sliceMs, signal);
    const waiting = source.waiters.wait(sliceMs, signal);
    (source.reader ??= new GroupReader(this, source)).kick();
    return waiting;
  }

  async fetchNow(source: RedisSource, max: number, signal: AbortSignal | undefined): Promise<void> {
    if (source.kind !== 'group' || this.closing || source.left) return;
    await this.withRetry('receive', performance.now() + this.options.connectTimeoutMs, signal, (c) => (source.reader ??= new GroupReader(this, source)).fetchNow(c, max));
  }

  isDrained(source: RedisSource): boolean {
    return this.closing || (source.kind === 'inbox' ? source.closed : source.left);
  }

  waitSliceMs(): number {
    return 1000;
  }

  timestampOf(raw: RedisRaw): number {
    return raw.message.timestamp;
  }

  deliveryCountOf(raw: RedisRaw): number {
    return raw.message.deliveryCount;
  }

  messageOf(raw: RedisRaw): Message {
    return raw.message;
  }

  discard(raw: RedisRaw): Promise<void> {
    return this.settleEntry(raw).then(() => {});
  }

  hold(raw: RedisRaw, source: RedisSource, tracked: boolean): RedisDelivery {
    const delivery = new RedisDelivery(raw, this.port);
    if (source.kind === 'group') {
      if (tracked) source.held.set(GroupSource.entryKey(raw.slot, raw.entryId), delivery);
      else this.settleInBackground(raw);
    }
    return delivery;
  }

  payloadAcked(raw: RedisRaw): Uint8Array {
    this.settleInBackground(raw);
    return raw.message.data;
  }

  // ---- settling ------------------------------------------------------------------------------

  ack(delivery: RedisDelivery): Promise<boolean> | boolean {
    if (delivery.stale) return false;
    const raw = delivery.raw;
    if (raw.source.kind === 'inbox') return true;
    return this.settleEntry(raw).then((ok) => {
      raw.source.kind === 'group' && raw.source.held.delete(GroupSource.entryKey(raw.slot, raw.entryId));
      return ok;
    });
  }

  async requeue(delivery: RedisDelivery, deliveryCount: number, delayMs: number): Promise<boolean> {
    if (delivery.stale) return false;
    const raw = delivery.raw;
    const source = raw.source;
    if (source.kind === 'inbox') {
      setTimeout(() => {
        source.buffer.push({ ...raw, message: { ...raw.message, deliveryCount } });
        source.waiters.serve(source.buffer);
      }, delayMs);
      return true;
    }
    const ok = await this.requeueEntry(raw, deliveryCount, delayMs, Infinity);
    source.held.delete(GroupSource.entryKey(raw.slot, raw.entryId));
    if (ok && delayMs > 0) source.reader?.wakeAt(performance.now() + delayMs);
    return ok;
  }

  release(delivery: RedisDelivery): Promise<boolean> | boolean {
    return this.ack(delivery);
  }

  stillHeld(delivery: RedisDelivery): boolean {
    return !delivery.stale;
  }

  groupOf(source: RedisSource): string | undefined {
    return source.kind === 'group' ? source.userGroup : undefined;
  }

  sourceOf(delivery: RedisDelivery): RedisSource {
    return delivery.raw.source;
  }

  /** Acks an entry this consumer still owns; acks of one tick go together (one ACK script per source). */
  private settleEntry(raw: RedisRaw): Promise<boolean> {
    const source = raw.source;
    if (source.kind === 'inbox') return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      let batch = this.acks.get(source);
      if (batch === undefined) this.acks.set(source, (batch = { pairs: [], settle: [], fail: [] }));
      batch.pairs.push(raw.slot, raw.entryId);
      batch.settle.push(resolve);
      batch.fail.push(reject);
      if (!this.acksScheduled) {
        this.acksScheduled = true;
        queueMicrotask(() => void this.flushAcks());
      }
    });
  }

  private settleInBackground(raw: RedisRaw): void {
    this.settleEntry(raw).catch((err: unknown) => this.context.reportError(err as Error));
  }

  private async flushAcks(untilMs = performance.now() + this.options.connectTimeoutMs): Promise<void> {
    this.acksScheduled = false;
    const batches = [...this.acks];
    this.acks.clear();
    await Promise.all(
      batches.map(async ([source, batch]) => {
        try {
          const reply = (await this.withRetry(
            'ack',
            untilMs,
            undefined,
            (c) => SCRIPTS.ack.run(c.redis, [source.keys.stream, source.retryKey], [source.group, source.consumer, ...batch.pairs]),
            true,
          )) as number[];
          batch.settle.forEach((settle, i) => settle(reply[i] === 1));
          for (const wake of [...this.roomWaiters]) wake();
        } catch (err) {
          for (const fail of batch.fail) fail(err as Error);
        }
      }),
    );
  }

  /** REQUEUE: acks the entry and copies it into its group's retry stream (now, or after `delayMs`). */
  private async requeueEntry(raw: RedisRaw, deliveryCount: number, delayMs: number, untilMs: number, duringClose = false): Promise<boolean> {
    const source = raw.source as GroupSource;
    const key = raw.slot === 2 ? source.retryKey : source.keys.stream;
    const reply = await this.withRetry(
      'nack',
      untilMs,
      undefined,
      (c) =>
        SCRIPTS.requeue.run(c.redis, [key, source.retryKey, source.delayKey], [source.group, source.consumer, raw.entryId, deliveryCount, Math.ceil(delayMs), raw.slot === 2 ? 1 : 0]),
      duringClose,
    );
    if (reply === -1) {
      this.context.reportError(
        new BackendError(`message ${raw.message.id} was trimmed from stream '${source.keys.stream}' (maxLength) before it could be redelivered; it is gone`, { channel: this.channel }),
      );
    }
    return reply === 1 || reply === -1;
  }

  // ---- groups, inboxes, the rest --------------------------------------------------------------

  private groupSource(group: string, consumer: string, receivers: boolean, userGroup: string | undefined, solo: boolean): GroupSource {
    const source = new GroupSource(this.channel, this.keys, group, consumer, receivers, userGroup, solo);
    this.sources.add(source);
    return source;
  }

  private async join(source: GroupSource, startId: string): Promise<void> {
    const reply = (await this.withRetry('join a group', performance.now() + this.options.connectTimeoutMs, undefined, (c) =>
      SCRIPTS.join.run(c.redis, [this.keys.stream, source.retryKey, this.keys.waiting], [source.group, startId]),
    )) as [number, number];
    if (source.receivers) this.waiting = reply[1];
  }

  async joinGroup(group: string | undefined): Promise<GroupSource> {
    const n = ++this.subscriptionCount;
    const source =
      group === undefined
        ? this.groupSource(`${RESERVED_GROUP_PREFIX}solo-${randomToken(16)}`, `${this.consumerBase}-s${n}`, false, undefined, true)
        : this.groupSource(group, `${this.consumerBase}-s${n}`, false, group, false);
    try {
      await this.join(source, '$');
    } catch (err) {
      this.sources.delete(source);
      throw err;
    }
    return source;
  }

  async rejoin(source: GroupSource): Promise<void> {
    await this.join(source, source.receivers ? '0' : '$');
  }

  async leaveGroup(source: RedisSource): Promise<void> {
    if (source.kind !== 'group' || source.left) return;
    source.left = true;
    source.waiters.releaseAll();
    await this.giveBack(source, performance.now() + CLOSE_BUDGET_MS);
    await source.reader?.close();
    this.sources.delete(source);
    await this.leave(source, performance.now() + CLOSE_BUDGET_MS).catch((err: unknown) => this.context.reportError(err as Error));
  }

  private async leave(source: GroupSource, untilMs: number): Promise<void> {
    await this.withRetry(
      'leave a group',
      untilMs,
      undefined,
      (c) => SCRIPTS.leave.run(c.redis, [this.keys.stream, source.retryKey, source.delayKey], [source.group, source.consumer, source.solo ? 1 : 0]),
      true,
    );
  }

  /** Entries read but never handed out go back to their group, their count unchanged. */
  private async giveBack(source: GroupSource, untilMs: number): Promise<void> {
    const buffered = source.buffer.splice(0);
    if (source.solo) return; // the group ends with its one member
    await Promise.all(buffered.map((raw) => this.requeueEntry(raw, raw.message.deliveryCount, 0, untilMs, true).catch(() => false)));
  }

  async openInbox(): Promise<Inbox<InboxSource>> {
    return (this.inbox ??= new HandleInbox(this)).open();
  }

  decode(source: GroupSource, slot: StreamSlot, entryId: string, fields: Buffer[], redisCount: number): RedisRaw {
    const { message } = decodeEntry(this.channel, entryId, fields, redisCount, (err) => this.context.reportError(err));
    return { message, source, slot, entryId };
  }

  decodeReply(source: InboxSource, entryId: string, fields: Buffer[]): RedisRaw {
    const { message } = decodeEntry(this.channel, entryId, fields, 1, (err) => this.context.reportError(err));
    return { message, source, slot: 0, entryId };
  }

  setWaiting(waiting: number): void {
    this.waiting = waiting;
    if (waiting >= 0) for (const wake of [...this.roomWaiters]) wake();
  }

  reportError(error: Error): void {
    this.context.reportError(error);
  }

  unblock(clientId: number): void {
    const c = this.commandConnection;
    if (c?.ready) c.redis.client('UNBLOCK', clientId).catch(() => {});
  }

  pending(): number | undefined {
    return this.waiting === undefined ? undefined : this.waiting + this.receivers.buffer.length;
  }

  async close(unsettled: readonly RedisDelivery[]): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const wake of [...this.roomWaiters]) wake();
    for (const s of this.sources) s.waiters.releaseAll();
    const until = performance.now() + CLOSE_BUDGET_MS;
    const c = this.commandConnection;
    try {
      // With the server out of reach, nothing is given back: what this handle held stays
      // pending for the claim of another consumer.
      // Acks already asked for go first (failing at once when the server is away).
      const reachable = this.started && c?.ready === true;
      await this.flushAcks(reachable ? until : performance.now());
      if (reachable) {
        // Then this handle's unsettled deliveries go back for redelivery (counted as a delivery
        // made), and what was read but never handed out goes back as it was. Whatever the server
        // does not take back in time stays pending for the claim of another consumer.

        await Promise.all(
          unsettled
            .filter((d) => !d.stale && d.raw.source.kind === 'group' && !(d.raw.source as GroupSource).solo)
            .map((d) => this.requeueEntry(d.raw, d.deliveryCount + 1, 0, until, true).catch(() => false)),
        );
        for (const source of this.sources) {
          await this.giveBack(source, until);
          await this.leave(source, until).catch(() => {});
        }
      }
    } finally {
      await Promise.all([...this.sources].map((s) => s.reader?.close()));
      if (this.inbox !== undefined && c !== undefined) {
        await this.inbox.close(async (key) => {
          await this.withRetry('delete the inbox', until, undefined, (conn) => conn.redis.del(key), true).catch(() => {});
        });
      }
      await c?.close();
    }
  }
}
