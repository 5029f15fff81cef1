// One consumer-group source's reader: its own connection (a blocking wait holds a connection),
// running only while someone waits for a message of that source.
//
// Each round is one READ script (due retries, own pending entries after a reconnect, claims of
// entries left idle past claimIdleMs, new entries) asking for as many entries as are wanted —
// the waiting receivers, or the batch a receiveBatch asked for. When it returns nothing, the
// reader waits on the server with a finite XREAD BLOCK (never one unbounded block) on the stream
// and the group's retry stream, from the group's last-delivered ids, shortened to the next due
// delayed retry, claim round or waiter's end. A blocking command is guarded by a timer of its own,
// and the connection never re-sends one after a reconnect (connections.ts): a wait cannot hang.
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
  /** Decodes an entry of the source into a raw message. */
  decode(source: GroupSource, slot: StreamSlot, entryId: string, fields: Buffer[], redisCount: number): RedisRaw;
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

type ReadReply = [Array<number | Buffer | Buffer[]>, number, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, number, number];

export class GroupReader {
  private running = false;
  private connection: Connection | undefined;
  private clientId: number | undefined;
  private nextClaimAt = 0;
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
          continue;
        }
      } catch (err) {
        if (host.closed || source.left) return;
        await this.failed(c, err);
      }
    }
  }

  /** One READ; when it finds nothing, one bounded blocking wait. Returns the entries buffered. */
  private async readOnce(c: Connection): Promise<number> {
    const { source, host } = this;
    const cfg = host.config;
    const count = Math.min(cfg.readCount, Math.max(source.waiters.size, source.hint, cfg.prefetch));
    source.hint = 0;
    const now = performance.now();
    const claiming = cfg.claimIdleMs > 0 && now >= this.nextClaimAt;
    if (claiming) this.nextClaimAt = now + cfg.claimIntervalMs;
    const read = await this.read(c, count, claiming, source.pendingFirst);
    if (read.entries > 0) return read.buffered;

    // Nothing to read: wait on the server, bounded by every reason to look again sooner.
    let block = Math.min(cfg.blockMs, source.waiters.longestRemaining());
    if (cfg.claimIdleMs > 0) block = Math.min(block, this.nextClaimAt - performance.now());
    if (read.dueIn >= 0) block = Math.min(block, read.dueIn + 1);
    block = Math.floor(block);
    if (block < 1 || source.waiters.size === 0) return 0;
    this.blockedUntil = performance.now() + block;
    const guard = setTimeout(() => c.reset(), block + BLOCK_GRACE_MS);
    try {
      await c.redis.callBuffer('XREAD', 'COUNT', 1, 'BLOCK', block, 'STREAMS', source.keys.stream, source.retryKey, read.last[0] || '$', read.last[1] || '$');
    } finally {
      clearTimeout(guard);
      this.blockedUntil = 0;
    }
    return 0;
  }

  /** One look without waiting, on `c` (tryReceive, a receive with timeoutMs 0). */
  async fetchNow(c: Connection, max: number): Promise<void> {
    const count = Math.min(this.host.config.readCount, Math.max(max, this.host.config.prefetch));
    await this.read(c, count, false, false);
    this.source.waiters.serve(this.source.buffer);
  }

  /** Runs READ and buffers what it returns. */
  private async read(c: Connection, count: number, claiming: boolean, pendingFirst: boolean): Promise<{ entries: number; buffered: number; last: [string, string]; dueIn: number }> {
    const { source, host } = this;
    const reply = (await SCRIPTS.read.run(c.redis, [source.keys.stream, source.retryKey, source.delayKey, source.keys.waiting], [
      source.group,
      source.consumer,
      count,
      source.receivers ? 1 : 0,
      pendingFirst ? 1 : 0,
      source.pendingCursors[0],
      source.pendingCursors[1],
      claiming ? host.config.claimIdleMs : 0,
      source.claimCursors[0],
      source.claimCursors[1],
    ])) as ReadReply;
    const [flat, waiting, p1, p2, c1, c2, last1, last2, dueIn] = reply;
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
      source.buffer.push(host.decode(source, slot, entryId, flat[i + 3] as Buffer[], flat[i + 2] as number));
      buffered++;
    }
    return { entries: flat.length / 4, buffered, last: [last1.toString(), last2.toString()], dueIn };
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
    if (message.startsWith('NOGROUP') || message.includes('no such key')) {
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
