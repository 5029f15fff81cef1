// `plexspaces-channel recv URL`: receives messages from the receivers' queue, or as a member of a
// subscription group, and prints each (raw, hex, base64, a JSON line, or a --format string), then
// settles it as --ack says. A message is settled only after it was printed, so Ctrl-C (or a
// broken pipe) never loses one: what was taken but not printed goes back when the channel closes.
import type { Command } from 'commander';
import type { Delivery, ReceiveOptions } from '../../channel.js';
import { isChannelError } from '../../errors.js';
import { openForCommand } from '../channel-url.js';
import { CliError, EXIT } from '../exit-codes.js';
import { checkFormat, formatted, FORMAT_HELP, OUTPUT_MODES, printed, type OutputMode } from '../output-format.js';
import { oneOf, wholeNumber } from '../option-parsers.js';

const ACK_MODES = ['ack', 'nack', 'none'] as const;
type AckMode = (typeof ACK_MODES)[number];

interface RecvFlags {
  count?: number;
  follow?: boolean;
  group?: string;
  subscribe?: boolean;
  ack: AckMode;
  output: OutputMode;
  format?: string;
  timeout: number;
}

/** Writes bytes to stdout, waiting when the pipe is full (a slow reader slows us, nothing piles up). */
async function write(bytes: Uint8Array): Promise<void> {
  if (!process.stdout.write(bytes)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
}

async function settle(d: Delivery, mode: AckMode): Promise<void> {
  if (mode === 'ack') await d.ack();
  else if (mode === 'nack') await d.nack({ requeue: true });
}

export function addRecvCommand(program: Command): void {
  program
    .command('recv')
    .alias('receive')
    .description("receive messages from the channel at URL (its receivers' queue, or a subscription group) and print them")
    .argument('<url>', 'the channel, e.g. nats://127.0.0.1:4222/jobs?jetstream=true')
    .option('-c, --count <n>', 'stop after n messages (default 1; with --follow: no limit)', wholeNumber('--count'))
    .option('-F, --follow', 'keep receiving until interrupted (Ctrl-C)')
    .option('-g, --group <name>', 'receive as a member of this subscription group (it gets what is sent or published)')
    .option('--subscribe', 'receive as a subscriber of its own (what is sent or published from now on)')
    .option('--ack <mode>', `settle each printed message: ${ACK_MODES.join(', ')} (none: leave it, it comes back)`, oneOf('--ack', ACK_MODES), 'ack')
    .option('-o, --output <mode>', `print each as ${OUTPUT_MODES.join(', ')} (json: one line with the envelope)`, oneOf('--output', OUTPUT_MODES), 'raw')
    .option('--format <fmt>', `print each with this format (like kcat -f): ${FORMAT_HELP}`)
    .option('--timeout <ms>', 'longest wait for each message (not with --follow); exit code 3 when it runs out', wholeNumber('--timeout', 0), 10_000)
    .action(async (url: string, flags: RecvFlags) => {
      if (flags.format !== undefined) checkFormat(flags.format);
      if (flags.group !== undefined && flags.subscribe) throw new CliError('--group and --subscribe exclude each other', EXIT.usage);
      const limit = flags.count ?? (flags.follow ? Infinity : 1);
      const channel = await openForCommand('recv', url);
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let received = 0;
      try {
        const subscription = flags.group !== undefined || flags.subscribe ? await channel.subscribe({ group: flags.group }) : undefined;
        const options: ReceiveOptions = { signal: stop.signal, timeoutMs: flags.follow ? undefined : flags.timeout };
        while (received < limit) {
          let d: Delivery;
          try {
            d = subscription ? await subscription.next(options) : await channel.receiveDelivery(options);
          } catch (err) {
            if (isChannelError(err, 'Aborted')) throw new CliError(`interrupted after ${received} message(s); nothing unprinted was settled`, EXIT.interrupted);
            if (isChannelError(err, 'Timeout')) throw new CliError(`${received} of ${limit} message(s) arrived within ${flags.timeout} ms`, EXIT.timeout);
            throw err;
          }
          await write(flags.format !== undefined ? formatted(d, flags.format) : printed(d, flags.output));
          await settle(d, flags.ack);
          received++;
        }
        await subscription?.unsubscribe();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await channel.close();
      }
    });
}
