// One consumer-group source's reader: its own connection (a blocking wait holds a connection),
// running only while someone waits for a message of that source.
//
// Each round is one READ script (due retries, own pending entries after a reconnect, claims of
// entries left idle past claimIdleMs, new entries) asking for as many entries as are wanted —
// the waiting receivers, or the batch a receiveBatch asked for. When it returns nothing, the
// reader waits on the server with a finite XREADGROUP … BLOCK (never one unbounded block) on the
// stream and the group's retry stream, which takes what arrives in the same round trip; the block
// is shortened to the next due delayed retry, claim round or waiter's end. A blocking command is
// guarded by a timer of its own, and the connection never re-sends one after a reconnect
// (connections.ts): a wait cannot hang.
import { WIRE_HEADERS } from '../../base/wire-headers.js';
import { BackendError, isChannelError } from '../../errors.js';
import { Connection, isTransient, sanitized } from './connections.js';
import { GroupSource, type RedisRaw, type StreamSlot } from './redis-places.js';
import type { ResolvedRedisOptions } from './redis-options.js';
import { SCRIPTS } from './scripts.js';

/** What a reader needs from its transport. */
export interface ReaderHost {
  readonly channel: string;
  readonly closed: boolean;
  readonly config: ResolvedRedisOptions;
  /** A new connection to the channel's server (not yet opened), named for `role`; `onReady` runs whenever it is ready. */
  newConnection(role: string, onReady?: () => void): Connection;
  /** Creates the source's group again (the stream or the group was deleted underneath). */
  rejoin(source: GroupSource): Promise<void>;
  /** Decodes an entry of the source into a raw message; `readAt`: when the read that took it was sent. */
  decode(source: GroupSource, slot: StreamSlot, entryId: string, fields: Buffer[], redisCount: number, readAt: number): RedisRaw;
  /** The receivers' waiting count the server reported. */
  setWaiting(waiting: number): void;
  reportError(error: Error): void;
  /** Wakes a connection blocked in XREAD (CLIENT UNBLOCK, from another connection). */
  unblock(clientId: number): void;
}

/** A blocking command is given this long beyond its BLOCK before its connection is dropped. */
const BLOCK_GRACE_MS = 1500;
/** Waiting between tries while the server is out of reach, at most. */
const MAX_BACKOFF_MS = 500;

type ReadReply = [Array<number | Buffer | Buffer[]>, number, Buffer, Buffer, Buffer, Buffer, number, number];
type BlockReply = [Buffer, [Buffer, Buffer[]][]][] | null;

const ROUTE_FIELD = Buffer.from(WIRE_HEADERS.route);
const PUBLISH = Buffer.from('publish');

function isPublished(fields: readonly Buffer[]): boolean {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.equals(ROUTE_FIELD)) return fields[i + 1]!.equals(PUBLISH);
  return false;
}

export class GroupReader {
  private running = false;
  private connection: Connection | undefined;
  private clientId: number | undefined;
  private nextClaimAt = 0;
  /** performance.now() at which a READ is due anyway, and at which a delayed retry falls due. */
  private nextReadAt = 0;
  private dueAt = Infinity;
  /** The last round found entries: more are likely, so the next one reads with READ. */
  private busy = false;
  /** While blocked: performance.now() at which the block ends, else 0. */
  private blockedUntil = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private backoffMs = 10;

  constructor(
    private readonly host: ReaderHost,
    private readonly source: GroupSource,
  ) {}

  /** Someone waits: read until nobody does. */
  kick(): void {
    if (this.running || this.host.closed || this.source.left) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      // A waiter that came in as the loop was ending.
      if (this.source.waiters.size > 0 && !this.host.closed && !this.source.left) this.kick();
    });
  }

  /** A delayed retry of this source falls due at `dueAt` (performance.now()): wake a block that would outlast it. */
  wakeAt(dueAt: number): void {
    this.dueAt = Math.min(this.dueAt, dueAt);
    clearTimeout(this.wakeTimer);
    const ms = Math.max(0, dueAt - performance.now());
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      if (this.blockedUntil > performance.now() + 5 && this.clientId !== undefined) this.host.unblock(this.clientId);
    }, ms);
  }

  async close(): Promise<void> {
    clearTimeout(this.wakeTimer);
    const c = this.connection;
    this.connection = undefined;
    if (c) await c.close();
  }

  private conn(): Connection {
    if (this.connection === undefined) {
      // Its client id lets a local nack with a delay wake its blocking wait (CLIENT UNBLOCK).
      const c = this.host.newConnection(`reader:${this.source.group}`, () => {
        this.clientId = undefined;
        c.redis.client('ID').then(
          (id) => void (this.clientId = Number(id)),
          () => {},
        );
      });
      c.redis.connect().catch(() => {});
      this.connection = c;
    }
    return this.connection;
  }

  private async loop(): Promise<void> {
    const { source, host } = this;
    while (source.waiters.size > 0 && !host.closed && !source.left) {
      const c = this.conn();
      if (!c.ready) {
        await c.pause(Math.max(5, Math.min(source.waiters.longestRemaining(), 1000)));
        continue;
      }
      try {
        const got = await this.readOnce(c);
        this.backoffMs = 10;
        if (got > 0) {
          source.waiters.serve(source.buffer);
          // Let the receivers just served run before this loop writes its next command: the
          // hand-over is the latency that counts, the next read can wait a turn.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      } catch (err) {
        if (host.closed || source.left) return;
        await this.failed(c, err);
      }
    }
  }

  /**
   * One round: a READ when one is due (see below), then — when it found nothing, or was not due —
   * one bounded XREADGROUP … BLOCK on the stream and the retry stream, which returns at once with
   * what is there and otherwise takes what arrives in the same round trip, as a plain consumer
   * would. Returns the entries buffered.
   *
   * READ is due while entries keep coming (one command per batch, the waiting count kept in the
   * same step), for this consumer's own pending entries (at start, after a reconnect), for a claim
   * round, for a delayed retry falling due, and at least once every blockMs (a retry another
   * handle delayed). An idle consumer waits in the blocking read, which hands a message over in
   * one round trip when it comes.
   */
  private async readOnce(c: Connection): Promise<number> {
    const { source, host } = this;
    const cfg = host.config;
    const count = Math.min(cfg.readCount, Math.max(source.waiters.size, source.hint, cfg.prefetch));
    source.hint = 0;
    const now = performance.now();
    const claiming = cfg.claimIdleMs > 0 && now >= this.nextClaimAt;
    if (this.busy || claiming || source.pendingFirst || now >= this.nextReadAt || now >= this.dueAt) {
      if (claiming) this.nextClaimAt = now + cfg.claimIntervalMs;
      this.nextReadAt = now + cfg.blockMs;
      const read = await this.read(c, count, claiming, source.pendingFirst);
      this.dueAt = read.dueIn >= 0 ? now + read.dueIn : Infinity;
      this.busy = read.entries > 0;
      if (read.entries > 0) return read.buffered;
    }

    // Bounded by every reason to look again sooner; at least 1 ms, so that a round is always a
    // real wait (a loop of zero-length rounds would never let the waiters' timers run).
    const until = Math.min(this.nextReadAt, this.dueAt + 1, cfg.claimIdleMs > 0 ? this.nextClaimAt : Infinity);
    const block = Math.max(1, Math.floor(Math.min(cfg.blockMs, source.waiters.longestRemaining(), until - performance.now())));
    if (source.waiters.size === 0) return 0;
    this.blockedUntil = performance.now() + block;
    const guard = setTimeout(() => c.reset(), block + BLOCK_GRACE_MS);
    const readAt = performance.now();
    let reply: BlockReply;
    try {
      reply = (await c.redis.callBuffer('XREADGROUP', 'GROUP', source.group, source.consumer, 'COUNT', count, 'BLOCK', block, 'STREAMS', source.keys.stream, source.retryKey, '>', '>')) as BlockReply;
    } finally {
      clearTimeout(guard);
      this.blockedUntil = 0;
    }
    if (reply === null) return 0;
    const buffered = this.takeBlocked(c, reply, readAt);
    // A full batch says there is more: read on with READ. Fewer: the streams were drained, so
    // wait again at once.
    this.busy = buffered >= count;
    return buffered;
  }

  /**
   * What a blocking read took: new entries, delivered once (a retry copy carries its count). The
   * receivers' group settles published ones unread and lowers the waiting count by the sends, as
   * READ does.
   */
  private takeBlocked(c: Connection, reply: NonNullable<BlockReply>, readAt: number): number {
    const { source, host } = this;
    let buffered = 0;
    let sends = 0;
    const published: Buffer[] = [];
    for (const [key, entries] of reply) {
      const slot: StreamSlot = key.toString() === source.keys.stream ? 1 : 2;
      for (const [id, fields] of entries) {
        if (source.receivers && slot === 1 && isPublished(fields)) {
          published.push(id);
          continue;
        }
        if (source.receivers && slot === 1) sends++;
        source.buffer.push(host.decode(source, slot, id.toString(), fields, 1, readAt));
        buffered++;
      }
    }
    // The published ones are settled after the hand-over, on this connection ahead of its next
    // read; a lost XACK leaves them pending for this consumer, read again (and settled) after the
    // reconnect. The sends are counted off the waiting counter by the next READ or ack.
    source.untaken += sends;
    if (published.length > 0) setImmediate(() => void c.redis.callBuffer('XACK', source.keys.stream, source.group, ...published).catch(() => {}));
    return buffered;
  }

  /** One look without waiting, on `c` (tryReceive, a receive with timeoutMs 0). */
  async fetchNow(c: Connection, max: number): Promise<void> {
    const count = Math.min(this.host.config.readCount, Math.max(max, this.host.config.prefetch));
    await this.read(c, count, false, false);
    this.source.waiters.serve(this.source.buffer);
  }

  /** Runs READ and buffers what it returns. */
  private async read(c: Connection, count: number, claiming: boolean, pendingFirst: boolean): Promise<{ entries: number; buffered: number; dueIn: number }> {
    const { source, host } = this;
    const readAt = performance.now();
    const untaken = source.untaken;
    source.untaken = 0;
    let reply: ReadReply;
    try {
      reply = (await SCRIPTS.read.run(c.redis, [source.keys.stream, source.retryKey, source.delayKey, source.keys.waiting], [
        source.group,
        source.consumer,
        count,
        source.receivers ? 1 : 0,
        pendingFirst ? (source.pendingAfter === 'start' ? 1 : 2) : 0,
        source.pendingCursors[0],
        source.pendingCursors[1],
        claiming ? host.config.claimIdleMs : 0,
        source.claimCursors[0],
        source.claimCursors[1],
        untaken,
      ])) as ReadReply;
    } catch (err) {
      source.untaken += untaken; // counted again by the next one (a count too high heals itself: READ resets it when caught up)
      throw err;
    }
    const [flat, waiting, p1, p2, c1, c2, dueIn] = reply;
    if (source.receivers) host.setWaiting(Number(waiting));
    if (pendingFirst) {
      source.pendingCursors = [p1.toString(), p2.toString()];
      if (source.pendingCursors[0] === '' && source.pendingCursors[1] === '') source.pendingFirst = false;
    }
    if (claiming) source.claimCursors = [c1.toString(), c2.toString()];
    let buffered = 0;
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const slot = flat[i] as StreamSlot;
      const entryId = (flat[i + 1] as Buffer).toString();
      // Only a read of this consumer's own pending list or a claim can return an entry it has.
      if ((pendingFirst || claiming) && this.takeOver(slot, entryId, pendingFirst)) continue;
      source.buffer.push(host.decode(source, slot, entryId, flat[i + 3] as Buffer[], flat[i + 2] as number, readAt));
      buffered++;
    }
    return { entries: flat.length / 4, buffered, dueIn };
  }

  /**
   * An entry read again that this handle already has. Read back from its own pending list (after
   * a reconnect): the one it holds stays, this copy is dropped (true). Claimed back after its
   * deadline passed: this is a redelivery, and the delivery or buffered copy it replaces can no
   * longer settle it (false: take the new one).
   */
  private takeOver(slot: StreamSlot, entryId: string, readingOwnPending: boolean): boolean {
    const { source } = this;
    const key = GroupSource.entryKey(slot, entryId);
    const held = source.held.get(key);
    const at = source.buffer.findIndex((r) => r.slot === slot && r.entryId === entryId);
    if (readingOwnPending && (held !== undefined || at >= 0)) return true;
    if (held !== undefined) {
      held.stale = true;
      source.held.delete(key);
    }
    if (at >= 0) source.buffer.splice(at, 1);
    return false;
  }

  private async failed(c: Connection, err: unknown): Promise<void> {
    const { source, host } = this;
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith('NOGROUP') || message.startsWith('UNBLOCKED') || message.includes('no such key')) {
      // The stream or the group was deleted underneath: make them again and read on.
      try {
        await host.rejoin(source);
        return;
      } catch (rejoinErr) {
        err = rejoinErr;
      }
    }
    if (isTransient(err) || isChannelError(err, 'BackendError')) {
      // The connection failed: what this consumer read meanwhile may be lost in the reply, so it
      // reads its own pending entries first once it is back.
      source.pendingFirst = true;
      source.pendingAfter = 'reconnect';
      source.pendingCursors = ['0', '0'];
      await c.pause(this.backoffMs);
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
      return;
    }
    // The server refuses the read itself (the key holds another type, a permission): say so to
    // the receivers instead of waiting for ever.
    const cause = sanitized(err);
    host.reportError(cause);
    source.waiters.failAll(new BackendError(`reading stream '${source.keys.stream}' as group '${source.group}' failed: ${cause.message}`, { channel: host.channel, cause }));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
