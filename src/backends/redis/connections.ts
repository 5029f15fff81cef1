// The ioredis connections of a Redis channel, and what their failures mean.
//
// Every connection is configured to fail fast and never to re-send on its own: no offline queue,
// a command in flight when the connection drops is rejected at once (maxRetriesPerRequest 0) and
// never re-sent after the reconnect (autoResendUnfulfilledCommands false — a re-sent blocking
// command is how an awaited ioredis promise can hang forever). The backend retries itself, with
// backoff, within the caller's timeout. ioredis keeps reconnecting in the background.
//
// Errors leave this file without credentials: an ioredis ReplyError carries the command and its
// arguments (AUTH's include the password), so only its message goes on, in a new Error.
import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import { BackendError, InvalidConfigurationError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import type { RedisServer } from './redis-options.js';

/** A Redis error reply (as opposed to a connection that failed): ioredis' ReplyError. */
function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

/** Reply errors that say "try again in a moment" (a server loading its append-only file, a busy script). */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN)\b/;
/** Reply errors that say the credentials are wrong or not allowed. */
const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|without any password configured/i;

/** A failure that a retry after a reconnect may cure (the connection, not the command, failed). */
export function isTransient(err: unknown): boolean {
  if (isReplyError(err)) return TRANSIENT_REPLY.test(err.message);
  return err instanceof Error;
}

/** The error without anything ioredis attached to it (the command's arguments). */
export function sanitized(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const clean = new Error(err.message);
  clean.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') (clean as Error & { code: string }).code = code;
  return clean;
}

export function isAuthFailure(err: unknown): boolean {
  return err instanceof Error && AUTH_REPLY.test(err.message);
}

/** A consumer name no other handle uses: host, process, token. */
export function defaultConsumerName(): string {
  return `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${process.pid}-${randomToken(8)}`;
}

function ioredisOptions(server: RedisServer, connectTimeoutMs: number, role: string): RedisOptions {
  return {
    // Shown by CLIENT LIST: which connections are this library's, and what each is for.
    // (CLIENT SETNAME takes no spaces: a stream key or group name may have some.)
    connectionName: `plexspaces-channel:${role}`.replace(/[^A-Za-z0-9._:#-]/g, '_').slice(0, 120),
    host: server.host,
    port: server.port,
    username: server.username,
    password: server.password,
    db: server.db,
    tls: server.tls,
    lazyConnect: true,
    connectTimeout: Math.max(1, connectTimeoutMs),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    // CLIENT SETINFO is Redis 7.2+; older servers would only answer with an error.
    disableClientInfo: true,
    retryStrategy: (times: number) => Math.min(20 * 2 ** Math.min(times, 6), 1000),
  };
}

/**
 * A connection that says when it is ready, when it was lost and why, and that can be waited on.
 * The Redis client itself is `redis`; `lastError` is the latest failure, sanitized.
 */
export class Connection {
  readonly redis: Redis;
  lastError: Error | undefined;
  private readyWaiters = new Set<() => void>();
  private everReady = false;
  private closing = false;

  constructor(
    server: RedisServer,
    connectTimeoutMs: number,
    /** What it is for, in its CLIENT LIST name: `command`, `reader:<group>`, `inbox`. */
    role: string,
    private readonly onLost?: (error: Error) => void,
    private readonly onReady?: () => void,
  ) {
    this.redis = new Redis(ioredisOptions(server, connectTimeoutMs, role));
    this.redis.on('error', (err: unknown) => {
      this.lastError = sanitized(err);
    });
    this.redis.on('ready', () => {
      this.everReady = true;
      for (const wake of [...this.readyWaiters]) wake();
      this.onReady?.();
    });
    this.redis.on('close', () => {
      if (this.closing || !this.everReady) return;
      this.onLost?.(this.lastError ?? new Error('the connection to Redis closed'));
    });
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Starts connecting; resolves once ready, or throws a typed error after `timeoutMs`. */
  async open(timeoutMs: number, display: string): Promise<void> {
    this.redis.connect().catch(() => {}); // failures come through 'error'; ioredis retries by itself
    const deadline = performance.now() + timeoutMs;
    // A refused AUTH may still be followed by 'ready' (the connection goes on as the default
    // user, then drops): refused credentials fail the open whatever came after.
    const refused = () => (this.lastError && isAuthFailure(this.lastError) ? this.lastError : undefined);
    while (!this.ready && refused() === undefined) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.waitReady(Math.min(left, 25));
    }
    const why = refused() ?? this.lastError;
    if (why && isAuthFailure(why)) {
      throw new InvalidConfigurationError(`Redis at ${display} refused the credentials (${why.message}); check the user name and password`, { cause: why });
    }
    if (this.ready) return;
    throw new BackendError(
      `could not connect to Redis at ${display} within ${timeoutMs} ms (connectTimeoutMs)${why ? `: ${why.message}` : ''}; check that the server runs and the address is right, or raise connectTimeoutMs`,
      { cause: why },
    );
  }

  /** Resolves when the connection is ready, or after `ms`, whichever comes first (never rejects). */
  waitReady(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.ready || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.readyWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Waits before a retry: `ms`, or less if the connection becomes ready meanwhile. Always a real
   * wait (a timer), even while ready, so that a retry loop never starves the event loop.
   */
  pause(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.ready) return this.waitReady(Math.max(1, ms), signal);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends it: QUIT when it answers (so the server drops its state), else a plain disconnect. */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of [...this.readyWaiters]) wake();
    if (this.ready) {
      await Promise.race([this.redis.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    this.redis.disconnect();
  }

  /** Drops the socket at once (a blocked command in it is rejected); ioredis reconnects. */
  reset(): void {
    this.redis.disconnect(true);
  }
}

/** The typed error for a command that failed underneath. */
export function backendError(err: unknown, what: string, display: string, channel: string): BackendError {
  const cause = sanitized(err);
  return new BackendError(`${what} on Redis at ${display} failed: ${cause.message}`, { channel, cause });
}
