// Reconnects: the broker killed with SIGKILL and started again, twice, while 10 publishers send
// 10 000 messages and a consumer receives: nothing whose send resolved is lost (an independent
// count: every payload whose send resolved must arrive at least once). Each kill must catch
// sends in flight, or it proves nothing. Two kills and starts: about 60-90 s on this machine.
import * as assert from 'uvu/assert';
import type { KafkaChannel } from '../../src/backends/kafka/index.js';
import { isChannelError } from '../../src/errors.js';
import { canRestart, killService, serviceSuite, startService } from '../support/services.js';
import { cleanupTopics, decode, encode, open, sleep, topicName } from './helpers.js';

const test = await serviceSuite('kafka: broker killed twice under load', 'kafka');
const restartable = await canRestart('kafka');
const PUBLISHERS = 10;
const PER_PUBLISHER = 1000;
const TOTAL = PUBLISHERS * PER_PUBLISHER;

(restartable ? test : test.skip)(`the broker killed (SIGKILL) and started twice while ${PUBLISHERS} publishers send ${TOTAL} messages: none whose send resolved is lost`, async () => {
  const topic = topicName('killed');
  const consumer = await open(topic, { partitions: 3, ordering: 'none' });
  const publishers: KafkaChannel[] = [];
  for (let p = 0; p < PUBLISHERS; p++) publishers.push(await consumer.another());
  const accepted = new Set<string>();
  const received = new Set<string>();
  let deliveries = 0;
  let inFlightAtKill = 0;
  let retried = 0;
  const inFlight = new Set<string>();
  const stop = new AbortController();
  const outages: number[] = [];
  try {
    const consuming = (async () => {
      while (!stop.signal.aborted) {
        try {
          const d = await consumer.receiveDelivery({ signal: stop.signal });
          received.add(decode(d.data));
          deliveries++;
          await d.ack();
        } catch (err) {
          if (stop.signal.aborted || isChannelError(err, 'Aborted')) return;
          throw err;
        }
      }
    })();
    consuming.catch(() => stop.abort()); // a consumer failure ends the wait below; it is rethrown there
    const began = performance.now();
    const states: string[] = [];
    consumer.on('status', (s) => void states.push(`${s}@${Math.round(performance.now() - began)}`));
    const sendOne = async (via: KafkaChannel, body: string) => {
      for (let attempt = 0; ; attempt++) {
        inFlight.add(body);
        try {
          await via.send(encode(body), { timeoutMs: 20_000 });
          accepted.add(body);
          return;
        } catch (err) {
          if (!isChannelError(err, 'Timeout') && !isChannelError(err, 'BackendError')) throw err;
          if (attempt > 20) throw err;
          retried++;
        } finally {
          inFlight.delete(body);
        }
      }
    };
    const publishing = Promise.all(
      publishers.map(async (via, p) => {
        for (let m = 0; m < PER_PUBLISHER; m += 10) {
          await Promise.all(Array.from({ length: 10 }, (_, i) => sendOne(via, `p${p}-${m + i}`)));
        }
      }),
    );
    let publishersDone = false;
    const killing = (async () => {
      for (const at of [TOTAL / 3, (2 * TOTAL) / 3]) {
        while (accepted.size < at && !publishersDone) await sleep(20);
        if (publishersDone) return; // the publishers failed: no more outages
        inFlightAtKill += inFlight.size;
        const began = performance.now();
        await killService('kafka');
        await sleep(500);
        await startService('kafka');
        outages.push(Math.round(performance.now() - began));
      }
    })();
    await Promise.all([publishing.finally(() => (publishersDone = true)), killing]);
    const until = performance.now() + 120_000;
    while ([...accepted].some((a) => !received.has(a)) && performance.now() < until && !stop.signal.aborted) await sleep(200);
    stop.abort();
    await consuming;
    const lost = [...accepted].filter((a) => !received.has(a));
    console.log(`    ℹ consumer status: ${states.join(' ')}`);
    console.log(`    ℹ outages of ${outages.join(' and ')} ms (kill, start, broker answering); ${inFlightAtKill} sends in flight at the kills, ${retried} retried; ${deliveries - received.size} duplicate deliveries`);
    assert.ok(inFlightAtKill > 0, 'no send was in flight when the broker was killed: nothing was tested');
    assert.is(accepted.size, TOTAL, 'every message was accepted in the end');
    assert.equal(lost.slice(0, 10), [], `${lost.length} accepted messages were lost`);
  } finally {
    stop.abort();
    await Promise.all([consumer, ...publishers].map((c) => c.close()));
    await cleanupTopics(topic);
  }
});

test.run();
