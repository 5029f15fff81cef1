// Shared by the Kafka backend's own tests: the broker list, fresh topic names, an admin client
// for cleanup, and kcat (a Kafka client nobody here wrote) run as a child process.
import { execFile } from 'node:child_process';
import { KafkaChannel, type KafkaChannelOptions } from '../../src/backends/kafka/index.js';
import { KafkajsClient } from '../../src/backends/kafka/kafkajs-seam.js';
import { serviceUrls, uniqueName } from '../support/services.js';

export const brokers = serviceUrls.kafka.split(',').map((b) => b.trim());
export const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
export const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function topicName(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9._-]/g, '-');
}

export function open(topic: string, options: KafkaChannelOptions = {}): Promise<KafkaChannel> {
  return KafkaChannel.connect(brokers, topic, options);
}

/** Deletes the topics (and their inbox topics) and every group scoped by them. */
export async function cleanupTopics(...topics: string[]): Promise<void> {
  const admin = new KafkajsClient({ brokers, clientId: 'kafka-test-cleanup', ssl: undefined, sasl: undefined, connectTimeoutMs: 5000, requestTimeoutMs: 10_000, idempotent: false });
  try {
    await admin.connect();
    const all = await admin.listTopics();
    const doomed = all.filter((t) => topics.some((n) => t === n || t.startsWith(`${n}.ps-inbox-`)));
    const groups = (await admin.listGroups()).filter((g) => topics.some((n) => g.startsWith(`${n}.`)));
    // A killed member stays in its group until its session times out: try again for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.deleteGroups(groups);
        break;
      } catch (err) {
        if (attempt >= 15) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    await admin.deleteTopics(doomed);
  } finally {
    await admin.close();
  }
}

/** Runs kcat with `args` (and `input` on stdin); resolves with its stdout. */
export function kcat(args: string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', brokers.join(','), ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
