// What the Redis backend's own tests share: a plain ioredis client (the "other client" a message
// can come from or be checked with), redis-cli, unique names and cleanup of a channel's keys.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { hostPort, serviceUrls } from '../support/services.js';

export const url = serviceUrls.redis;
const run = promisify(execFile);

/** A plain client that fails fast (never the library's own connection settings). */
export function plainClient(): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: (n) => (n > 20 ? null : Math.min(n * 100, 1000)) });
  redis.on('error', () => {});
  return redis;
}

/** Runs redis-cli against the test server; resolves its standard output. */
export async function redisCli(...args: string[]): Promise<string> {
  const { host, port } = hostPort('redis');
  const { stdout } = await run('redis-cli', ['-h', host, '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** Deletes a channel's stream and its companion keys (`NAME:ps-…`). */
export async function deleteChannelKeys(redis: Redis, ...names: string[]): Promise<void> {
  for (const name of names) {
    const keys = [name, ...(await redis.keys(`${name}:ps-*`))];
    await redis.del(...keys);
  }
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (data: Uint8Array): string => new TextDecoder().decode(data);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
