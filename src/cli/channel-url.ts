// Opening the channel a command names. `memory:` channels live inside one process, so a command
// that only sends or receives would make a channel that dies with it: those commands refuse them
// with one line saying why (before, `send memory:jobs hi` exited 0 and the message was lost).
import type { Channel, ChannelOptions } from '../channel.js';
import { parseChannelUrl } from '../channel-url.js';
import { openChannel } from '../open.js';
import { usageError } from './exit-codes.js';

export async function openForCommand(command: string, url: string, options: Omit<ChannelOptions, 'name'> = {}): Promise<Channel> {
  const parsed = parseChannelUrl(url); // InvalidConfiguration (exit 2) for a bad URL
  if (parsed.scheme === 'memory') {
    throw usageError(
      `${command} cannot use ${url}: a memory: channel exists only inside one process and would die with this command; use a broker URL (redis://, kafka://, nats://), or 'demo' / 'bench memory:NAME' for the in-memory channel`,
    );
  }
  return openChannel(url, options);
}
