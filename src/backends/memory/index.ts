// The in-memory backend: `new InMemoryChannel()` in one thread, `InMemoryChannel.attach(d)` with a
// descriptor from `channel.describe()` in another. openChannel('memory:NAME') comes through here.
import type { Channel, ChannelOptions } from '../../channel.js';
import type { ChannelUrl } from '../../channel-url.js';
import { InvalidConfigurationError } from '../../errors.js';
import { InMemoryChannel } from './memory-channel.js';

export { InMemoryChannel, type InMemoryChannelOptions } from './memory-channel.js';
export type { InMemoryChannelDescriptor, MemoryBackendOptions } from './shared-channel.js';

/** openChannel('memory:NAME'): a handle on the channel of that name in this thread (made if new). */
export async function openFromUrl(url: ChannelUrl, options: Omit<ChannelOptions, 'name'> = {}): Promise<Channel> {
  if (Object.keys(url.params).length > 0) {
    throw new InvalidConfigurationError(`memory: URLs take no query parameters (got ${Object.keys(url.params).join(', ')}); pass options to openChannel instead`);
  }
  return new InMemoryChannel({ ...options, name: url.name });
}
