// Request/reply's inboxes: one inbox STREAM per handle (`ps-inbox-<token>`, made on the first
// request, deleted when the handle closes, expiring by itself a day after its last use should the
// process die), shared by all of the handle's requests. Each request gets a place in it — a tag —
// and its reply address is `<inbox stream>#<tag>`; a reply is an entry of the inbox stream
// carrying that tag, written only if the inbox still exists (XADD NOMKSTREAM), so a reply to a
// closed handle goes nowhere. One reader (with its own connection, a finite BLOCK in a loop)
// hands each reply to its request; a reply whose request has gone (it timed out) is dropped.
import type { Inbox } from '../../base/transport.js';
import { randomToken } from '../../ids.js';
import { Connection, isTransient } from './connections.js';
import { InboxSource, type RedisRaw } from './redis-places.js';
import type { ResolvedRedisOptions } from './redis-options.js';
import { INBOX_TAG_FIELD } from './scripts.js';

export interface InboxHost {
  readonly channel: string;
  readonly closed: boolean;
  readonly config: ResolvedRedisOptions;
  newConnection(role: string, onReady?: () => void): Connection;
  /** The command connection, ready (waiting for it within the connect timeout). */
  command(): Promise<Connection>;
  decodeReply(source: InboxSource, entryId: string, fields: Buffer[]): RedisRaw;
  reportError(error: Error): void;
}

const INBOX_PREFIX = 'ps-inbox-';
const ADDRESS = /^(ps-inbox-[0-9A-Z]+)#([0-9A-Z]+)$/;
/** An inbox stream left behind by a process that died disappears this long after its last use. */
const INBOX_TTL_MS = 24 * 3600_000;
const REFRESH_EVERY_MS = 3600_000;
/** Replies kept in an inbox stream (they are read at once; older ones are trimmed). */
const INBOX_MAXLEN = 1000;

/** The inbox stream and tag a reply address names, or undefined when it names a channel. */
export function parseInboxAddress(address: string): { stream: string; tag: string } | undefined {
  const m = ADDRESS.exec(address);
  return m ? { stream: m[1]!, tag: m[2]! } : undefined;
}

export { INBOX_MAXLEN };

export class HandleInbox {
  readonly key = `${INBOX_PREFIX}${randomToken(16)}`;
  private readonly sources = new Map<string, InboxSource>();
  private connection: Connection | undefined;
  private running = false;
  private lastId = '0-0';
  private refreshedAt = -Infinity;

  constructor(private readonly host: InboxHost) {}

  /** A place for one request's replies. */
  async open(): Promise<Inbox<InboxSource>> {
    if (performance.now() - this.refreshedAt > REFRESH_EVERY_MS) {
      const c = await this.host.command();
      // An empty stream: written with MAXLEN 0, it exists with no entry in it.
      await c.redis.multi().xadd(this.key, 'MAXLEN', '0', '*', 'ps-inbox', 'open').pexpire(this.key, INBOX_TTL_MS).exec();
      this.refreshedAt = performance.now();
    }
    const tag = randomToken(12);
    const source = new InboxSource(this.host.channel, tag);
    this.sources.set(tag, source);
    return {
      source,
      address: `${this.key}#${tag}`,
      close: () => {
        source.closed = true;
        this.sources.delete(tag);
        source.waiters.releaseAll();
      },
    };
  }

  waitAndTake(source: InboxSource, sliceMs: number, signal: AbortSignal | undefined): Promise<RedisRaw | undefined> {
    if (source.buffer.length > 0) return Promise.resolve(source.buffer.shift());
    const waiting = source.waiters.wait(sliceMs, signal);
    this.kick();
    return waiting;
  }

  /** A reply nacked by its request (it never is by request()): back into its place, locally. */
  requeue(source: InboxSource, raw: RedisRaw, deliveryCount: number, delayMs: number): boolean {
    setTimeout(() => {
      source.buffer.push({ ...raw, message: { ...raw.message, deliveryCount } });
      source.waiters.serve(source.buffer);
    }, delayMs);
    return true;
  }

  /** Ends the reader and deletes the inbox stream (best effort: it expires anyway). */
  async close(deleteStream: (key: string) => Promise<void>): Promise<void> {
    for (const s of this.sources.values()) s.waiters.releaseAll();
    this.sources.clear();
    const c = this.connection;
    this.connection = undefined;
    if (c) await c.close();
    if (this.refreshedAt > -Infinity) await deleteStream(this.key);
  }

  private anyWaiting(): number {
    let longest = 0;
    for (const s of this.sources.values()) if (s.waiters.size > 0) longest = Math.max(longest, s.waiters.longestRemaining(), 1);
    return longest;
  }

  private kick(): void {
    if (this.running || this.host.closed) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      if (this.anyWaiting() > 0 && !this.host.closed) this.kick();
    });
  }

  private async loop(): Promise<void> {
    for (let waitMs = this.anyWaiting(); waitMs > 0 && !this.host.closed; waitMs = this.anyWaiting()) {
      if (this.connection === undefined) {
        this.connection = this.host.newConnection('inbox');
        this.connection.redis.connect().catch(() => {});
      }
      const c = this.connection;
      if (!c.ready) {
        await c.pause(Math.min(waitMs, 1000));
        continue;
      }
      const block = Math.max(1, Math.floor(Math.min(this.host.config.blockMs, waitMs)));
      const guard = setTimeout(() => c.reset(), block + 1500);
      try {
        const reply = (await c.redis.callBuffer('XREAD', 'COUNT', 100, 'BLOCK', block, 'STREAMS', this.key, this.lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) this.dispatch(id.toString(), fields);
      } catch (err) {
        if (this.host.closed) return;
        if (!isTransient(err)) this.host.reportError(err as Error);
        await c.pause(100);
      } finally {
        clearTimeout(guard);
      }
    }
  }

  private dispatch(entryId: string, fields: Buffer[]): void {
    this.lastId = entryId;
    let tag: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.toString() === INBOX_TAG_FIELD) tag = fields[i + 1]!.toString();
    const source = tag === undefined ? undefined : this.sources.get(tag);
    if (source === undefined || source.closed) return; // its request is over: a late reply goes nowhere
    source.buffer.push(this.host.decodeReply(source, entryId, fields));
    source.waiters.serve(source.buffer);
  }
}
