#!/usr/bin/env node
// The command line: `plexspaces-channel demo | send | receive | help`.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ChannelError } from '../errors.js';
import { openChannel } from '../open.js';
import { ACCEPTED_FORMS } from '../channel-url.js';
import { runDemo } from './demo.js';

const USAGE = `plexspaces-channel — one Channel interface, from worker threads to Redis, Kafka and NATS

usage:
  plexspaces-channel demo [--workers N] [--jobs N] [--span N] [--kill-worker-after N]
      a CPU-parallel worker pool on the in-memory channel (the default backend);
      --kill-worker-after N terminates a worker after N results, to watch the pool recover
  plexspaces-channel send URL MESSAGE... [--header k=v ...] [--key K]
      sends each MESSAGE (UTF-8 text) to the channel at URL and prints its id
  plexspaces-channel receive URL [--count N] [--timeout MS]
      receives N messages (default 1) and prints them as text
  plexspaces-channel help

URL forms: ${ACCEPTED_FORMS.join(' | ')}
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return demo(rest);
    case 'send':
      return send(rest);
    case 'receive':
      return receive(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command '${command}'; run 'plexspaces-channel help' for the list`);
  }
}

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} is '${text}'; give a whole number >= 1`);
  return n;
}

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { workers: { type: 'string' }, jobs: { type: 'string' }, span: { type: 'string' }, 'kill-worker-after': { type: 'string' } },
  });
  await runDemo({
    workers: wholeNumber('workers', values.workers, Math.max(1, availableParallelism())),
    jobs: wholeNumber('jobs', values.jobs, 500),
    span: wholeNumber('span', values.span, 20_000),
    killWorkerAfter: values['kill-worker-after'] === undefined ? 0 : wholeNumber('kill-worker-after', values['kill-worker-after'], 0),
    log: (line) => console.log(line),
  });
}

async function send(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { header: { type: 'string', multiple: true }, key: { type: 'string' } },
  });
  const [url, ...messages] = positionals;
  if (!url || messages.length === 0) throw new UsageError('send needs a URL and at least one message');
  const headers: Record<string, string> = {};
  for (const pair of values.header ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--header '${pair}' is not of the form name=value`);
    headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const channel = await openChannel(url);
  try {
    for (const text of messages) console.log(await channel.send(new TextEncoder().encode(text), { headers, key: values.key }));
  } finally {
    await channel.close();
  }
}

async function receive(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { count: { type: 'string' }, timeout: { type: 'string' } },
  });
  const [url] = positionals;
  if (!url) throw new UsageError('receive needs a URL');
  const count = wholeNumber('count', values.count, 1);
  const timeoutMs = wholeNumber('timeout', values.timeout, 10_000);
  const channel = await openChannel(url);
  try {
    for (let i = 0; i < count; i++) console.log(new TextDecoder().decode(await channel.receive({ timeoutMs })));
  } finally {
    await channel.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // One readable line, never a stack trace: 2 for a usage error, 1 for any other failure.
  console.error(`plexspaces-channel: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = err instanceof UsageError || (err instanceof ChannelError && err.code === 'InvalidConfiguration') ? 2 : 1;
});
