// `plexspaces-channel send URL [MESSAGE...]`: sends each argument as a message, or each line of
// --file / stdin (--whole: the whole input as one message), with key, headers, correlation id and
// reply-to as flags; prints each message's id.
import type { Command } from 'commander';
import type { Headers } from '../../channel.js';
import { openForCommand } from '../channel-url.js';
import { usageError } from '../exit-codes.js';
import { messagesFrom } from '../message-input.js';
import { collect, wholeNumber } from '../option-parsers.js';

/** Messages per sendBatch: a large input goes out in pipelined batches, not one round trip each. */
const BATCH = 256;

interface SendFlags {
  file?: string;
  whole?: boolean;
  key?: string;
  header: string[];
  correlationId?: string;
  replyTo?: string;
  publish?: boolean;
  quiet?: boolean;
  timeout: number;
}

function headersOf(pairs: readonly string[]): Headers | undefined {
  if (pairs.length === 0) return undefined;
  const headers: Headers = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usageError(`--header '${pair}' is not of the form name=value`);
    headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return headers;
}

export function addSendCommand(program: Command): void {
  program
    .command('send')
    .description('send messages to the channel at URL: each MESSAGE argument, or each line of --file or stdin')
    .argument('<url>', 'the channel, e.g. redis://127.0.0.1:6379/jobs')
    .argument('[messages...]', 'messages (UTF-8 text); none: read --file or stdin')
    .option('-f, --file <path>', "read the messages from a file ('-': stdin)")
    .option('--whole', 'send the whole input as one message instead of one per line')
    .option('-k, --key <key>', 'the partition / ordering key of every message')
    .option('-H, --header <name=value>', 'a header on every message (repeatable)', collect, [])
    .option('--correlation-id <id>', 'the correlation id of every message')
    .option('--reply-to <address>', 'where replies should go')
    .option('--publish', "publish to the subscription groups only (not the receivers' queue)")
    .option('-q, --quiet', 'print nothing (the exit code says how it went)')
    .option('--timeout <ms>', 'longest a send may wait (a full channel, a broker coming back)', wholeNumber('--timeout'), 10_000)
    .action(async (url: string, args: string[], flags: SendFlags) => {
      const headers = headersOf(flags.header);
      const messages = await messagesFrom(args, { file: flags.file, whole: flags.whole });
      const channel = await openForCommand('send', url, { sendTimeoutMs: flags.timeout });
      const fields = { headers, key: flags.key, correlationId: flags.correlationId, replyTo: flags.replyTo };
      try {
        for (let i = 0; i < messages.length; i += BATCH) {
          const chunk = messages.slice(i, i + BATCH);
          if (flags.publish) {
            for (const data of chunk) {
              const groups = await channel.publish(data, fields);
              if (!flags.quiet) process.stdout.write(`published to ${groups < 0 ? 'an unknown number of' : groups} group(s)\n`);
            }
            continue;
          }
          const ids = await channel.sendBatch(chunk.map((data) => ({ data, ...fields })));
          if (!flags.quiet) process.stdout.write(`${ids.join('\n')}\n`);
        }
      } finally {
        await channel.close();
      }
    });
}
