// `plexspaces-channel bench URL`: throughput and latency of one backend, as a user's code would
// see them — a producer handle sending in batches, a consumer handle receiving in batches and
// acking each message, side by side — with progress, then the figures (or one JSON object).
import type { Command } from 'commander';
import type { Channel } from '../../channel.js';
import { openChannel } from '../../open.js';
import { wholeNumber } from '../option-parsers.js';
import { progress } from '../progress.js';

interface BenchFlags {
  count: number;
  size: number;
  batch: number;
  json?: boolean;
}

export interface BenchFigures {
  url: string;
  messages: number;
  payloadBytes: number;
  sendPerSec: number;
  receivePerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

async function consume(consumer: Channel, count: number, batch: number, onProgress: (n: number) => void): Promise<void> {
  let received = 0;
  while (received < count) {
    const deliveries = await consumer.receiveBatch(Math.min(batch, count - received), { timeoutMs: 30_000 });
    for (const d of deliveries) await d.ack();
    received += deliveries.length;
    onProgress(received);
  }
}

export async function runBench(url: string, flags: BenchFlags): Promise<BenchFigures> {
  const producer = await openChannel(url);
  const consumer = await openChannel(url);
  try {
    const payload = new Uint8Array(flags.size).fill(0x61);
    const bar = progress('received', flags.count, flags.json ? 'quiet' : 'auto');
    const started = performance.now();
    const consuming = consume(consumer, flags.count, flags.batch, (n) => bar.update(n));
    let sendMs = 0;
    const producing = (async () => {
      for (let sent = 0; sent < flags.count; sent += flags.batch) {
        await producer.sendBatch(Array.from({ length: Math.min(flags.batch, flags.count - sent) }, () => payload));
      }
      sendMs = performance.now() - started;
    })();
    await Promise.all([producing, consuming]);
    const totalMs = performance.now() - started;
    bar.stop();
    const latency = consumer.stats().latency;
    return {
      url,
      messages: flags.count,
      payloadBytes: flags.size,
      sendPerSec: Math.round((flags.count / sendMs) * 1000),
      receivePerSec: Math.round((flags.count / totalMs) * 1000),
      latencyP50Ms: latency.p50Ms,
      latencyP99Ms: latency.p99Ms,
    };
  } finally {
    await consumer.close().catch(() => {});
    await producer.close();
  }
}

export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('throughput and latency of the channel at URL: a producer sends in batches while a consumer receives and acks each')
    .argument('<url>', 'the channel (memory:NAME measures the in-memory channel in this process)')
    .option('-n, --count <n>', 'messages', wholeNumber('--count'), 20_000)
    .option('-s, --size <bytes>', 'payload bytes', wholeNumber('--size', 0), 64)
    .option('-b, --batch <n>', 'messages per sendBatch / receiveBatch', wholeNumber('--batch'), 100)
    .option('--json', 'print the figures as one JSON object')
    .action(async (url: string, flags: BenchFlags) => {
      const f = await runBench(url, flags);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(f)}\n`);
        return;
      }
      process.stdout.write(
        `${f.messages} messages of ${f.payloadBytes} B through ${url}\n` +
          `send:     ${f.sendPerSec} msg/s (sendBatch of ${flags.batch})\n` +
          `receive:  ${f.receivePerSec} msg/s (receiveBatch of ${flags.batch}, an ack each)\n` +
          `latency:  p50 ${f.latencyP50Ms.toFixed(3)} ms, p99 ${f.latencyP99Ms.toFixed(3)} ms (send → hand-over)\n`,
      );
    });
}
