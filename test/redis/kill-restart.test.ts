// Redis killed (SIGKILL) and started again, twice, in the middle of one run: 10 000 messages from
// 10 producer handles to 4 consumer handles. Producers wait through each outage (a send waits up
// to its timeout while the server is away, and is retried by the test only if it failed);
// consumers resume by themselves. Every message whose send resolved arrives (the append-only file
// keeps what the server acknowledged); duplicates — allowed under at-least-once, from a send or an
// ack whose reply the kill cut off — are counted and printed.
import * as assert from 'uvu/assert';
import { RedisChannel } from '../../src/backends/redis/index.js';
import type { Channel, Delivery } from '../../src/channel.js';
import { isChannelError } from '../../src/errors.js';
import { canRestart, killService, serviceSuite, startService, uniqueName, within } from '../support/services.js';
import { decode, deleteChannelKeys, encode, plainClient, sleep, url } from './helpers.js';

const test = await serviceSuite('redis: SIGKILL and restart mid-run', 'redis');
const restartable = await canRestart('redis');
const PRODUCERS = 10;
const PER_PRODUCER = 1000;
const CONSUMERS = 4;

(restartable ? test : test.skip)('10 000 messages, 10 producers, 4 consumers, Redis killed and started twice: none lost, duplicates counted', async () => {
  const name = uniqueName('kill-restart');
  const total = PRODUCERS * PER_PRODUCER;
  const producers: Channel[] = [];
  const consumers: Channel[] = [];
  const states: string[] = [];
  try {
    for (let p = 0; p < PRODUCERS; p++) producers.push(await RedisChannel.connect(url, name));
    for (let c = 0; c < CONSUMERS; c++) {
      const ch = await RedisChannel.connect(url, name, { ackTimeoutMs: 3000 });
      ch.on('status', (s) => void states.push(s));
      consumers.push(ch);
    }
    let sent = 0;
    let failedSends = 0;
    let waitedSends = 0;
    const attempts = new Map<string, number>();
    const counts = new Map<string, number>();
    let failedAcks = 0;
    const stop = new AbortController();

    const consuming = consumers.map(async (ch) => {
      while (!stop.signal.aborted) {
        let d: Delivery;
        try {
          d = await ch.receiveDelivery({ timeoutMs: 1000, signal: stop.signal });
        } catch (err) {
          if (isChannelError(err, 'Timeout') || isChannelError(err, 'Aborted')) continue;
          throw err;
        }
        const body = decode(d.data);
        counts.set(body, (counts.get(body) ?? 0) + 1);
        // An ack cut off by the kill fails: the entry stays pending and is claimed again later
        // (a duplicate, counted), never lost.
        await d.ack().catch(() => void failedAcks++);
      }
    });

    const outages = (async () => {
      for (const at of [0.25, 0.6]) {
        while (sent < total * at) await sleep(5);
        await killService('redis');
        await sleep(700);
        await startService('redis');
      }
    })();

    const producing = producers.map(async (ch, p) => {
      for (let m = 0; m < PER_PRODUCER; m++) {
        const body = `p${p}-${m}`;
        for (;;) {
          attempts.set(body, (attempts.get(body) ?? 0) + 1);
          const t0 = performance.now();
          try {
            await ch.send(encode(body), { timeoutMs: 30_000 });
            if (performance.now() - t0 > 200) waitedSends++;
            break;
          } catch (err) {
            if (!isChannelError(err, 'BackendError')) throw err;
            failedSends++;
            await sleep(50);
          }
        }
        sent++;
      }
    });

    await within(150_000, 'producing through two kills', Promise.all([...producing, outages]));
    await within(60_000, `consuming all ${total} (got ${counts.size} so far)`, (async () => {
      while (counts.size < total) await sleep(20);
    })());
    // Late copies (claimed after a lost ack) are part of the count.
    await sleep(4000);
    stop.abort();
    await Promise.all(consuming);

    const lost: string[] = [];
    let duplicates = 0;
    for (let p = 0; p < PRODUCERS; p++) {
      for (let m = 0; m < PER_PRODUCER; m++) {
        const body = `p${p}-${m}`;
        const n = counts.get(body) ?? 0;
        if (n === 0) lost.push(body);
        else duplicates += Math.max(0, n - Math.max(1, attempts.get(body) ?? 1));
      }
    }
    const retried = [...attempts.values()].filter((n) => n > 1).length;
    console.log(
      `    ℹ ${total} messages through 2 SIGKILLs: ${waitedSends} sends waited out an outage, ${failedSends} failed and were retried (${retried} messages), ${failedAcks} acks failed; ${duplicates} duplicate deliveries beyond the retried sends`,
    );
    assert.equal(lost.slice(0, 10), [], `${lost.length} messages whose send resolved never arrived`);
    assert.ok(waitedSends + failedSends > 0, 'the kills hit the traffic (some sends waited or failed)');
    assert.ok(states.includes('reconnecting') && states.at(-1) === 'connected', `the consumers reported the outage and came back (saw ${[...new Set(states)].join(', ')})`);
  } finally {
    await Promise.all([...producers, ...consumers].map((c) => c.close().catch(() => {})));
    const admin = plainClient();
    await deleteChannelKeys(admin, name).catch(() => {});
    admin.disconnect();
  }
});

test.run();
