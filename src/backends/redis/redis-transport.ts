// The Redis backend's primitives for the shared template (src/base/transport.ts), over Redis
// Streams and consumer groups. Nothing here decides policy (retries, TTL, backpressure modes,
// dead letters, the receive loop): that is the shared layer's. README.md beside this file says
// how each primitive maps onto the server.
//
// One stream per channel; every message is XADDed once (a published one carries ps-route:
// publish). The receivers' queue is the group `ps-receivers`, made when a handle connects, from
// the stream's start; it settles published entries without handing them out. Subscription groups
// see every entry. A nacked entry is acked and copied into its group's retry stream (at once, or
// via a delay set when nacked with a delay); each group reads its retry stream beside the stream.
// The work is in small parts: CommandLink (the command connection and its retry rule),
// StreamWriter (sends), GroupReader (a group's reads), EntrySettler (acks, requeues),
// Memberships (groups), HandleInbox (request/reply).
import type { Capabilities, Channel, ChannelInfo, Message } from '../../channel.js';
import { FULL_COUNT, SENT, type OfferOutcome } from '../../base/backpressure.js';
import { OutgoingEnvelope, type MessageFields } from '../../base/outgoing.js';
import type { Inbox, Route, Transport, TransportContext } from '../../base/transport.js';
import type { SettlePort } from '../../delivery.js';
import { BackendError } from '../../errors.js';
import type { ResolvedOptions } from '../../options.js';
import { CommandLink } from './command-link.js';
import { backendError, Connection, defaultConsumerName } from './connections.js';
import { decodeEntry, entrySize, StreamKeys } from './entries.js';
import { GroupReader, type ReaderHost } from './group-reader.js';
import { HandleInbox, parseInboxAddress, type InboxHost } from './inbox.js';
import { Memberships } from './memberships.js';
import { redisCapabilities, WIRE_OVERHEAD_BYTES } from './redis-capabilities.js';
import { inspectRedis } from './redis-inspect.js';
import { GroupSource, InboxSource, inboxTarget, publishTarget, queueTarget, RedisDelivery, type RedisRaw, type RedisSource, type RedisTarget, type StreamSlot } from './redis-places.js';
import type { ResolvedRedisOptions } from './redis-options.js';
import { EntrySettler } from './settler.js';
import { StreamWriter } from './stream-writer.js';

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
  private readonly link: CommandLink;
  private readonly writer: StreamWriter;
  private readonly settler: EntrySettler;
  private readonly groups: Memberships;
  private readonly queue: RedisTarget;
  private context!: TransportContext<RedisDelivery>;
  private port!: SettlePort<RedisDelivery>;
  private closing = false;
  /** Connected and set up: close() then has this handle's state on the server to tidy. */
  private started = false;
  /** The receivers' waiting count as the server last reported it (undefined until connected). */
  private waiting: number | undefined;
  private inbox: HandleInbox | undefined;
  /** Each group source's reader, made when someone first waits on it. */
  private readonly readers = new Map<GroupSource, GroupReader>();

  constructor(
    readonly options: ResolvedOptions,
    readonly config: ResolvedRedisOptions,
    private readonly openSiblingChannel: SiblingOpener,
  ) {
    this.channel = options.name;
    this.capabilities = redisCapabilities(config.maxMessageBytes);
    this.maxWireBytes = config.maxMessageBytes + WIRE_OVERHEAD_BYTES;
    this.keys = new StreamKeys(config.streamKey);
    const display = config.server.display;
    const command = new Connection(
      config.server,
      options.connectTimeoutMs,
      `command:${this.keys.stream}`,
      (error) => {
        if (!this.closing) this.context.setStatus('reconnecting', new BackendError(`lost the connection to Redis at ${display}: ${error.message}; reconnecting`, { channel: this.channel, cause: error }));
      },
      () => {
        if (!this.closing && this.started) this.context.setStatus('connected');
      },
    );
    this.link = new CommandLink(command, this.channel, display, () => this.closing);
    const onWaiting = (waiting: number) => this.setWaiting(waiting);
    this.writer = new StreamWriter(this.link, this.keys, options.capacity, config.maxLength, onWaiting);
    this.settler = new EntrySettler(this.link, this.channel, options.connectTimeoutMs, config.claimIdleMs, (e) => this.context.reportError(e), onWaiting);
    this.groups = new Memberships(this.link, this.settler, this.channel, this.keys, config.consumer ?? defaultConsumerName(), options.connectTimeoutMs, onWaiting);
    this.receivers = this.groups.receivers;
    this.queue = queueTarget(config.streamKey);
  }

  bind(context: TransportContext<RedisDelivery>): void {
    this.context = context;
    this.port = context.port;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Connects within connectTimeoutMs and makes the stream and the receivers' group. */
  async start(): Promise<void> {
    await this.link.connection.open(this.options.connectTimeoutMs, this.config.server.display);
    try {
      await this.groups.join(this.receivers);
    } catch (err) {
      throw backendError(err, `creating the receivers' group on stream '${this.keys.stream}'`, this.config.server.display, this.channel);
    }
    this.started = true;
    this.context.setStatus('connected');
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
      await this.writer.reply(message, target.stream!, target.tag!, untilMs, signal);
      return SENT;
    }
    const publishing = target.route === 'publish';
    const { added, groups } = await this.writer.send([message], target.route, untilMs, signal, publishing);
    if (publishing) target.groups = groups;
    return added === 1 ? SENT : FULL_COUNT;
  }

  sendMany(messages: readonly OutgoingEnvelope[], signal: AbortSignal | undefined, untilMs = Infinity): Promise<number> {
    return this.writer.sendMany(messages, untilMs, signal);
  }

  evictOldest(): Promise<boolean> {
    return this.writer.evictOldest(this.receivers.consumer);
  }

  waitForRoom(_target: RedisTarget, untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    return this.writer.waitForRoom(untilMs, signal);
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
    const n = Math.min(max - into.length, buffer.length);
    if (n <= 0) return;
    // One splice, not n shifts (each shift moves the rest of a buffer of up to readCount entries).
    for (const raw of buffer.splice(0, n)) into.push(raw);
  }

  waitAndTake(source: RedisSource, sliceMs: number, signal: AbortSignal | undefined): Promise<RedisRaw | undefined> {
    if (source.buffer.length > 0) return Promise.resolve(source.buffer.shift());
    if (this.closing) return Promise.resolve(undefined);
    if (source.kind === 'inbox') return this.inbox!.waitAndTake(source, sliceMs, signal);
    const waiting = source.waiters.wait(sliceMs, signal);
    this.readerOf(source).kick();
    return waiting;
  }

  async refresh(source: RedisSource, max: number, signal: AbortSignal | undefined): Promise<void> {
    if (source.kind !== 'group' || this.closing || source.left) return;
    await this.link.run('receive', performance.now() + this.options.connectTimeoutMs, signal, (c) => this.readerOf(source).fetchNow(c, max));
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

  async discard(raw: RedisRaw): Promise<void> {
    await this.settler.ack(raw);
  }

  hold(raw: RedisRaw, source: RedisSource, tracked: boolean): RedisDelivery {
    const delivery = new RedisDelivery(raw, this.port);
    if (source.kind === 'group') {
      if (tracked) source.held.set(GroupSource.entryKey(raw.slot, raw.entryId), delivery);
      else this.settler.ackInBackground(raw);
    }
    return delivery;
  }

  payloadAcked(raw: RedisRaw): Uint8Array {
    this.settler.ackInBackground(raw);
    return raw.message.data;
  }

  // ---- settling ------------------------------------------------------------------------------

  ack(delivery: RedisDelivery): Promise<boolean> | boolean {
    if (delivery.stale) return false;
    const raw = delivery.raw;
    if (raw.source.kind === 'inbox') return true;
    const source = raw.source;
    return this.settler.ack(raw).then((owned) => {
      source.held.delete(GroupSource.entryKey(raw.slot, raw.entryId));
      return owned;
    });
  }

  async requeue(delivery: RedisDelivery, deliveryCount: number, delayMs: number): Promise<boolean> {
    if (delivery.stale) return false;
    const raw = delivery.raw;
    const source = raw.source;
    if (source.kind === 'inbox') return this.inbox!.requeue(source, raw, deliveryCount, delayMs);
    const owned = await this.settler.requeue(raw, deliveryCount, delayMs, Infinity);
    source.held.delete(GroupSource.entryKey(raw.slot, raw.entryId));
    if (owned && delayMs > 0) this.readers.get(source)?.wakeAt(performance.now() + delayMs);
    return owned;
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

  // ---- groups, inboxes, the rest ---------------------------------------------------------------

  joinGroup(group: string | undefined): Promise<GroupSource> {
    return this.groups.subscribe(group);
  }

  async leaveGroup(source: RedisSource): Promise<void> {
    if (source.kind !== 'group' || source.left) return;
    source.left = true;
    source.waiters.releaseAll();
    await this.readers.get(source)?.close();
    this.readers.delete(source);
    await this.groups.leave(source, performance.now() + CLOSE_BUDGET_MS).catch((err: unknown) => this.context.reportError(err as Error));
  }

  async openInbox(): Promise<Inbox<InboxSource>> {
    return (this.inbox ??= new HandleInbox(this)).open();
  }

  inspect(): Promise<Omit<ChannelInfo, 'name' | 'status'>> {
    return this.link.run('inspect', performance.now() + this.options.connectTimeoutMs, undefined, (c) => inspectRedis(c, this.keys, this.config.server.display));
  }

  pending(): number | undefined {
    return this.waiting === undefined ? undefined : Math.max(0, this.waiting - this.receivers.untaken) + this.receivers.buffer.length;
  }

  async close(unsettled: readonly RedisDelivery[]): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wakeSenders();
    const sources = [...this.groups.sources];
    for (const s of sources) s.waiters.releaseAll();
    const until = performance.now() + CLOSE_BUDGET_MS;
    const c = this.link.connection;
    try {
      // Acks already asked for go first (failing at once when the server is away). With the
      // server out of reach nothing else is given back: what this handle held stays pending for
      // the claim of another consumer.
      const reachable = this.started && c.ready;
      await this.settler.flush(reachable ? until : performance.now());
      if (reachable) await this.settler.countTaken(this.receivers, until);
      if (reachable) {
        // Unsettled deliveries go back for redelivery (counted as a delivery made); what was read
        // but never handed out goes back as it was (Memberships.leave).
        const back = unsettled.filter((d) => !d.stale && d.raw.source.kind === 'group' && !d.raw.source.solo);
        await Promise.all(back.map((d) => this.settler.requeue(d.raw, d.deliveryCount + 1, 0, until, true).catch(() => false)));
        for (const source of sources) await this.groups.leave(source, until).catch(() => {});
      }
    } finally {
      await Promise.all(sources.map((s) => this.readers.get(s)?.close()));
      if (this.inbox !== undefined) {
        await this.inbox.close(async (key) => {
          await this.link.run('delete the inbox', until, undefined, (conn) => conn.redis.del(key), true).catch(() => {});
        });
      }
      await c.close();
    }
  }

  // ---- for the readers and the inbox (ReaderHost, InboxHost) ----------------------------------

  command(): Promise<Connection> {
    return this.link.ready(this.options.connectTimeoutMs);
  }

  newConnection(role: string, onReady?: () => void): Connection {
    return new Connection(this.config.server, this.options.connectTimeoutMs, `${role}:${this.keys.stream}`, undefined, onReady);
  }

  rejoin(source: GroupSource): Promise<void> {
    return this.groups.join(source);
  }

  decode(source: GroupSource, slot: StreamSlot, entryId: string, fields: Buffer[], redisCount: number, readAt: number): RedisRaw {
    const message = decodeEntry(this.channel, entryId, fields, redisCount, (err) => this.context.reportError(err));
    return { message, source, slot, entryId, readAt };
  }

  decodeReply(source: InboxSource, entryId: string, fields: Buffer[]): RedisRaw {
    const message = decodeEntry(this.channel, entryId, fields, 1, (err) => this.context.reportError(err));
    return { message, source, slot: 0, entryId, readAt: performance.now() };
  }

  /** The receivers' waiting count the server reported (-1: unchanged, room may have been made). */
  setWaiting(waiting: number): void {
    if (waiting >= 0) this.waiting = waiting;
    this.wakeSenders();
  }

  reportError(error: Error): void {
    this.context.reportError(error);
  }

  unblock(clientId: number): void {
    const c = this.link.connection;
    if (c.ready) c.redis.client('UNBLOCK', clientId).catch(() => {});
  }

  private readerOf(source: GroupSource): GroupReader {
    let reader = this.readers.get(source);
    if (reader === undefined) this.readers.set(source, (reader = new GroupReader(this, source)));
    return reader;
  }

  private wakeSenders(): void {
    this.writer.wakeSenders();
  }
}
