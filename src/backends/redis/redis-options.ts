// The Redis backend's own options and where its server comes from: a server URL
// (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS) given to RedisChannel.connect,
// or the channel URL openChannel parsed (`redis://host:port/NAME?db=2`). Credentials given either
// way are kept out of every error, log line and statistic: `display` is the server without them.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { maskPassword, type ChannelUrl } from '../../channel-url.js';
import { InvalidConfigurationError } from '../../errors.js';

/** Options of the Redis backend, beside the ChannelOptions every backend takes. */
export interface RedisBackendOptions {
  /** The stream the channel uses. Default: the channel's name. */
  streamKey?: string;
  /** Redis ACL user (Redis 6+); overrides the URL's. */
  username?: string;
  /** Password; overrides the URL's. Never shown in errors, logs or stats(). */
  password?: string;
  /** Database number. Default: the URL's (`/2` or `?db=2`), else 0. */
  db?: number;
  /** TLS: true, or Node's tls.connect options (CA, client certificate…). `rediss://` turns it on. */
  tls?: boolean | TlsOptions;
  /**
   * This handle's consumer name in its groups. Default: host, pid and a random token. A stable
   * name lets a restarted process take back its own unacknowledged entries at once.
   */
  consumer?: string;
  /**
   * An entry left pending (unacknowledged) this long is claimed by a live consumer of its group
   * (XAUTOCLAIM): how a dead or slow consumer's messages come back. Default: ackTimeoutMs; 0 with
   * ackTimeoutMs 0 turns claiming off.
   */
  claimIdleMs?: number;
  /** How often a receiving handle looks for such entries. Default: claimIdleMs / 2, at most 5 s. */
  claimIntervalMs?: number;
  /** Trims the stream to about this many entries on every XADD (`MAXLEN ~ n`); 0 keeps everything. Default 0. */
  maxLength?: number;
  /** Most entries one read takes (XREADGROUP COUNT). Default 256. */
  readCount?: number;
  /** Entries a read takes even when one is asked for (kept for the next receives). Default 1. */
  prefetch?: number;
  /** Longest single blocking wait on the server, ms (a finite BLOCK in a loop). Default 1000. */
  blockMs?: number;
  /** Largest payload accepted, bytes. Default 16 MiB; at most 256 MiB. */
  maxMessageBytes?: number;
}

export const REDIS_BACKEND_KEYS = [
  'streamKey',
  'username',
  'password',
  'db',
  'tls',
  'consumer',
  'claimIdleMs',
  'claimIntervalMs',
  'maxLength',
  'readCount',
  'prefetch',
  'blockMs',
  'maxMessageBytes',
] as const satisfies readonly (keyof RedisBackendOptions)[];

/** Where the server is and how to reach it. */
export interface RedisServer {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: TlsOptions | undefined;
  /** `redis://host:port/db` (or rediss://, with the user but never the password): safe to print. */
  display: string;
}

export interface ResolvedRedisOptions {
  server: RedisServer;
  streamKey: string;
  consumer: string | undefined;
  claimIdleMs: number;
  claimIntervalMs: number;
  maxLength: number;
  readCount: number;
  prefetch: number;
  blockMs: number;
  maxMessageBytes: number;
}

const MAX_MESSAGE_BYTES_LIMIT = 256 * 1024 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

function fail(message: string): never {
  throw new InvalidConfigurationError(message);
}

function wholeNumber(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`option ${option} is ${String(value)}; use a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A server URL of RedisChannel.connect: `redis://[user:password@]host[:port][/db][?db=N]`. */
export function parseServerUrl(url: unknown): RedisServer {
  if (typeof url !== 'string') fail(`the Redis URL must be a string like redis://localhost:6379, not ${typeof url}`);
  const shown = maskPassword(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(`Redis URL ${JSON.stringify(shown)} is malformed; use redis://[user:password@]host[:port][/db] (rediss:// for TLS)`);
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:') fail(`Redis URL ${JSON.stringify(shown)} has scheme '${parsed.protocol}'; use redis:// or rediss://`);
  if (!parsed.hostname) fail(`Redis URL ${JSON.stringify(shown)} names no host`);
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (path !== '' && !/^\d+$/.test(path)) {
    fail(
      `Redis URL ${JSON.stringify(shown)} has the path '/${path}': the path of a server URL is the database number; give the channel's name as connect()'s second argument (or use openChannel('redis://host:port/NAME'))`,
    );
  }
  const params = Object.fromEntries(parsed.searchParams);
  for (const key of Object.keys(params)) if (key !== 'db') fail(`Redis URL ${JSON.stringify(shown)} has an unknown parameter '${key}'; only ?db=N is read, pass the rest as options`);
  const db = params.db ?? (path === '' ? '0' : path);
  return server({
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: Number(db),
    tls,
  });
}

/** The server of an openChannel URL (already parsed by the shared URL parser). */
export function serverOfChannelUrl(url: ChannelUrl): { server: RedisServer; params: Record<string, string> } {
  const [hostPort = ''] = url.hosts;
  const at = hostPort.lastIndexOf(':');
  const { db, ...rest } = url.params;
  if (db !== undefined && !/^\d+$/.test(db)) fail(`channel URL ${url.display} has db=${db}; use a database number`);
  return {
    server: server({
      host: hostPort.slice(0, at).replace(/^\[(.*)\]$/, '$1'),
      port: Number(hostPort.slice(at + 1)),
      username: url.username,
      password: url.password,
      db: Number(db ?? 0),
      tls: url.tls,
    }),
    params: rest,
  };
}

function server(s: { host: string; port: number; username: string | undefined; password: string | undefined; db: number; tls: boolean }): RedisServer {
  if (!Number.isInteger(s.db) || s.db < 0 || s.db > 1_000_000) fail(`the Redis database number is ${s.db}; use a whole number >= 0`);
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) fail(`the Redis port is ${s.port}; use 1-65535`);
  return { ...s, tls: s.tls ? {} : undefined, display: displayOf(s.tls, s.host, s.port, s.db, s.username) };
}

function displayOf(tls: boolean, host: string, port: number, db: number, username: string | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'rediss' : 'redis'}://${username === undefined ? '' : `${encodeURIComponent(username)}@`}${h}:${port}/${db}`;
}


/**
 * Query parameters of an openChannel URL that name backend options (`?consumer=w1&maxLength=1000`),
 * as options; an unknown one is refused.
 */
export function optionsFromParams(params: Record<string, string>, display: string): RedisBackendOptions {
  const out: Record<string, unknown> = {};
  const numeric = new Set(['claimIdleMs', 'claimIntervalMs', 'maxLength', 'readCount', 'prefetch', 'blockMs', 'maxMessageBytes']);
  for (const [key, value] of Object.entries(params)) {
    if (key === 'streamKey' || key === 'consumer') out[key] = value;
    else if (numeric.has(key)) {
      if (!/^\d+$/.test(value)) fail(`channel URL ${display} has ${key}=${value}; use a whole number`);
      out[key] = Number(value);
    } else {
      fail(`channel URL ${display} has an unknown parameter '${key}'; known: db, streamKey, consumer, ${[...numeric].join(', ')}`);
    }
  }
  return out as RedisBackendOptions;
}

/** Checks the backend's own options and fills in the defaults (`ackTimeoutMs` sets the claim default). */
export function resolveRedisOptions(given: RedisBackendOptions, server: RedisServer, channelName: string, ackTimeoutMs: number): ResolvedRedisOptions {
  const o = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as RedisBackendOptions;
  const streamKey = o.streamKey ?? channelName;
  if (typeof streamKey !== 'string' || streamKey.length === 0 || Buffer.byteLength(streamKey) > 1024) fail('option streamKey must be a non-empty string of at most 1024 bytes');
  if (o.consumer !== undefined && (typeof o.consumer !== 'string' || o.consumer.length === 0 || o.consumer.length > 200)) {
    fail('option consumer must be a non-empty string of at most 200 characters');
  }
  const withCredentials: RedisServer = { ...server };
  if (o.username !== undefined) {
    if (typeof o.username !== 'string' || o.username === '') fail('option username must be a non-empty string');
    withCredentials.username = o.username;
    withCredentials.display = displayOf(server.tls !== undefined, server.host, server.port, server.db, o.username);
  }
  if (o.password !== undefined) {
    if (typeof o.password !== 'string') fail('option password must be a string');
    withCredentials.password = o.password;
  }
  if (o.db !== undefined) {
    withCredentials.db = wholeNumber('db', o.db, 0, 1_000_000);
    withCredentials.display = displayOf(server.tls !== undefined, server.host, server.port, withCredentials.db, withCredentials.username);
  }
  if (o.tls !== undefined) {
    if (o.tls !== false && o.tls !== true && (o.tls === null || typeof o.tls !== 'object')) fail('option tls must be true, false or an object of tls.connect options');
    withCredentials.tls = o.tls === false ? undefined : o.tls === true ? (server.tls ?? {}) : o.tls;
    withCredentials.display = displayOf(withCredentials.tls !== undefined, server.host, server.port, withCredentials.db, withCredentials.username);
  }
  const claimIdleMs = o.claimIdleMs === undefined ? ackTimeoutMs : wholeNumber('claimIdleMs', o.claimIdleMs, 0);
  const claimIntervalMs =
    o.claimIntervalMs === undefined ? Math.max(10, Math.min(5000, Math.floor(claimIdleMs / 2))) : wholeNumber('claimIntervalMs', o.claimIntervalMs, 1);
  const readCount = o.readCount === undefined ? 256 : wholeNumber('readCount', o.readCount, 1, 4000); // a Lua call takes ~8 000 arguments
  return {
    server: withCredentials,
    streamKey,
    consumer: o.consumer,
    claimIdleMs,
    claimIntervalMs,
    maxLength: o.maxLength === undefined ? 0 : wholeNumber('maxLength', o.maxLength, 0),
    readCount,
    prefetch: o.prefetch === undefined ? 1 : wholeNumber('prefetch', o.prefetch, 1, readCount),
    blockMs: o.blockMs === undefined ? 1000 : wholeNumber('blockMs', o.blockMs, 1, 60_000),
    maxMessageBytes: o.maxMessageBytes === undefined ? DEFAULT_MAX_MESSAGE_BYTES : wholeNumber('maxMessageBytes', o.maxMessageBytes, 1, MAX_MESSAGE_BYTES_LIMIT),
  };
}
