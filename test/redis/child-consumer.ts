// A consumer in a process of its own, for the claim test: it takes `count` deliveries of the
// channel as consumer `consumer`, prints their ids as one JSON line, and then holds them
// (unsettled) until it is killed. Usage: node --import tsx child-consumer.ts URL NAME CONSUMER COUNT
import { RedisChannel } from '../../src/backends/redis/index.js';

const [url, name, consumer, count] = process.argv.slice(2);
const ch = await RedisChannel.connect(url!, name!, { consumer, ackTimeoutMs: 60_000 });
const ids: string[] = [];
for (let i = 0; i < Number(count); i++) ids.push((await ch.receiveDelivery({ timeoutMs: 10_000 })).id);
process.stdout.write(`${JSON.stringify({ holding: ids })}\n`);
setInterval(() => {}, 60_000); // hold them until SIGKILL
