// `plexspaces-channel info URL` and `stats URL`: what a channel and its groups hold, asked of the
// backend. `info` adds what the backend promises (capabilities) and the options in force (never
// credentials); `stats` is the numbers alone, for scripts. Both print one JSON object.
import type { Command } from 'commander';
import type { Channel, ChannelInfo } from '../../channel.js';
import { openForCommand } from '../channel-url.js';

/** Opens the channel, inspects it, prints what `render` makes of it, closes it. */
async function printInspection(command: string, url: string, render: (channel: Channel, info: ChannelInfo) => string): Promise<void> {
  const channel = await openForCommand(command, url);
  try {
    process.stdout.write(`${render(channel, await channel.inspect())}\n`);
  } finally {
    await channel.close();
  }
}

export function addInspectCommands(program: Command): void {
  program
    .command('info')
    .description('what the channel at URL holds, its groups, what the backend promises and the options in force (JSON)')
    .argument('<url>', 'the channel')
    .action((url: string) => printInspection('info', url, (channel, info) => JSON.stringify({ ...info, capabilities: channel.capabilities, options: channel.options }, null, 2)));
  program
    .command('stats')
    .description('how many messages the channel at URL and each of its groups hold now (one JSON line)')
    .argument('<url>', 'the channel')
    .action((url: string) => printInspection('stats', url, (_, info) => JSON.stringify({ name: info.name, messages: info.messages ?? null, groups: info.groups })));
}
