// A producer in a worker thread, for the threads test: its own RedisChannel handle sends
// `count` messages (`t<thread>-<i>`), then reports. workerData: { url, name, count, thread }.
import { parentPort, workerData } from 'node:worker_threads';
import { RedisChannel } from '../../src/backends/redis/index.js';

const { url, name, count, thread } = workerData as { url: string; name: string; count: number; thread: number };
const ch = await RedisChannel.connect(url, name);
for (let i = 0; i < count; i++) await ch.send(new TextEncoder().encode(`t${thread}-${i}`));
await ch.close();
parentPort!.postMessage('sent');
