// The Redis Streams backend: `RedisChannel.connect('redis://localhost:6379', 'jobs', options)`,
// or openChannel('redis://localhost:6379/jobs'), which comes through openFromUrl here. Loads
// ioredis (an optional peer dependency): import it only where Redis is used.
import type { Channel, ChannelOptions } from '../../channel.js';
import type { ChannelUrl } from '../../channel-url.js';
import { RedisChannel, type RedisChannelOptions } from './redis-channel.js';
import { optionsFromParams, serverOfChannelUrl } from './redis-options.js';

export { RedisChannel, type RedisChannelOptions } from './redis-channel.js';
export type { RedisBackendOptions } from './redis-options.js';

/** openChannel('redis://[user:password@]host:port/NAME[?db=N&consumer=…]'). */
export async function openFromUrl(url: ChannelUrl, options: Omit<ChannelOptions, 'name'> & RedisChannelOptions = {}): Promise<Channel> {
  const { server, params } = serverOfChannelUrl(url);
  return RedisChannel.open(server, url.name, { ...optionsFromParams(params, url.display), ...options });
}
