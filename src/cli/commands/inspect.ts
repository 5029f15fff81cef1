// `plexspaces-channel info URL` and `stats URL`: what a channel and its groups hold, asked of the
// backend. `info` adds what the backend promises (capabilities) and the options in force (never
// credentials); `stats` is the numbers alone, for scripts. Both print one JSON object.
import type { Command } from 'commander';
import { openForCommand } from '../channel-url.js';

export function addInspectCommands(program: Command): void {
  program
    .command('info')
    .description('what the channel at URL holds, its groups, what the backend promises and the options in force (JSON)')
    .argument('<url>', 'the channel')
    .action(async (url: string) => {
      const channel = await openForCommand('info', url);
      try {
        const info = await channel.inspect();
        process.stdout.write(`${JSON.stringify({ ...info, capabilities: channel.capabilities, options: channel.options }, null, 2)}\n`);
      } finally {
        await channel.close();
      }
    });
  program
    .command('stats')
    .description('how many messages the channel at URL and each of its groups hold now (one JSON line)')
    .argument('<url>', 'the channel')
    .action(async (url: string) => {
      const channel = await openForCommand('stats', url);
      try {
        const info = await channel.inspect();
        process.stdout.write(`${JSON.stringify({ name: info.name, messages: info.messages ?? null, groups: info.groups })}\n`);
      } finally {
        await channel.close();
      }
    });
}
