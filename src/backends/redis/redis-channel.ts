// RedisChannel: the Channel contract over Redis Streams. The class is a facade: the whole
// contract comes from the shared template (src/base/base-channel.ts), the primitives from
// RedisTransport; this file adds only how a handle is opened — RedisChannel.connect(url, name,
// options), or openChannel('redis://host:port/NAME') — and how its siblings (a dead-letter
// channel, a reply to a channel by name) are opened on the same server.
import type { ChannelOptions } from '../../channel.js';
import { BaseChannel } from '../../base/base-channel.js';
import { InvalidConfigurationError } from '../../errors.js';
import { resolveOptions, type ResolvedOptions } from '../../options.js';
import type { GroupSource, InboxSource, RedisDelivery, RedisRaw, RedisSource, RedisTarget } from './redis-places.js';
import {
  parseServerUrl,
  REDIS_BACKEND_KEYS,
  resolveRedisOptions,
  type RedisBackendOptions,
  type RedisServer,
  type ResolvedRedisOptions,
} from './redis-options.js';
import { RedisTransport } from './redis-transport.js';

export type { GroupSource, InboxSource };

/** Options of RedisChannel.connect: every channel option but the name, and the backend's own. */
export interface RedisChannelOptions extends Partial<Omit<ChannelOptions, 'name'>>, RedisBackendOptions {}

/** Carries a prepared transport into the constructor; only connect() makes one. */
class Opening {
  constructor(
    readonly resolved: ResolvedOptions,
    readonly transport: RedisTransport,
  ) {}
}

export class RedisChannel extends BaseChannel<RedisRaw, RedisSource, RedisTarget, RedisDelivery> {
  readonly #transport: RedisTransport;

  /** Use RedisChannel.connect(). */
  private constructor(opening: Opening) {
    super(opening.resolved, opening.transport);
    this.#transport = opening.transport;
  }

  /**
   * Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`, `rediss://` for
   * TLS) and opens channel `name` on it: its stream (the `streamKey` option, default the name)
   * and the receivers' consumer group are made if new. Resolves once connected; fails within
   * connectTimeoutMs with BackendError (unreachable) or InvalidConfiguration (a bad option or URL,
   * refused credentials).
   */
  static async connect(url: string, name: string, options: RedisChannelOptions = {}): Promise<RedisChannel> {
    return RedisChannel.open(parseServerUrl(url), name, options);
  }

  /**
   * Opens on a server already parsed (openChannel's URL, a dead-letter or reply sibling's). For
   * the library's own use: applications call connect() or openChannel().
   * @internal
   */
  static async open(server: RedisServer, name: string, options: RedisChannelOptions = {}): Promise<RedisChannel> {
    if (options === null || typeof options !== 'object') {
      throw new InvalidConfigurationError('RedisChannel options must be an object, e.g. { capacity: 1000, consumer: "worker-1" }');
    }
    if ('name' in options && (options as { name?: unknown }).name !== undefined && (options as { name?: unknown }).name !== name) {
      throw new InvalidConfigurationError("the channel's name is connect()'s second argument; leave it out of the options");
    }
    const resolved = resolveOptions({ ...options, name }, REDIS_BACKEND_KEYS);
    const backend: RedisBackendOptions = {};
    for (const key of REDIS_BACKEND_KEYS) if (options[key] !== undefined) (backend as Record<string, unknown>)[key] = options[key];
    const config = resolveRedisOptions(backend, server, name, resolved.ackTimeoutMs);
    const transport = new RedisTransport(resolved, config, (sibling) => RedisChannel.sibling(config, resolved, sibling));
    const channel = new RedisChannel(new Opening(resolved, transport));
    try {
      await transport.start();
    } catch (err) {
      await channel.close().catch(() => {});
      throw err;
    }
    return channel;
  }

  /** The server this handle talks to, without credentials (redis://user@host:port/db). */
  get server(): string {
    return this.#transport.config.server.display;
  }

  /** The stream this channel uses. */
  get streamKey(): string {
    return this.#transport.keys.stream;
  }

  /** A channel of another name on the same server, with the same credentials and connect timeout. */
  private static sibling(config: ResolvedRedisOptions, resolved: ResolvedOptions, name: string): Promise<RedisChannel> {
    return RedisChannel.open(config.server, name, { connectTimeoutMs: resolved.connectTimeoutMs, maxMessageBytes: config.maxMessageBytes });
  }
}
