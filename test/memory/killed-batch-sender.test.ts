// A worker terminated in the middle of sendBatch must leak no `capacity` count, whatever point of
// the batch it stopped at (before, between or inside the ring claims of its messages): afterwards
// the channel drains, a marker gets through, and exactly `capacity` messages fit again. Trials run
// a few channels at once (each with its own killed worker) to keep the file's time modest.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { ENVELOPE_TAG } from '../../src/backends/memory/envelope.js';
import { sleep, startChannelWorker, terminateChannelWorkers, within } from './helpers.js';
import { assertCountWhole, drainUntilQuiet, watchAbandoned, type PatternedStream } from './kill-checks.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel with a sender terminated mid-sendBatch');
test.after.each(terminateChannelWorkers);

const ROUNDS = 4;
const AT_ONCE = 3;
/** Big batches: most of the sender's time is then spent inside the batch (claims, copies, counts). */
const BATCH = 64;
/** Large enough that the sender seldom finds the channel full within the 30 ms before its kill. */
const CAPACITY = 8192;
const RING_BYTES = 1 << 22;
const MARKER = new Uint8Array([42]);

function queueStream(channel: InMemoryChannel): PatternedStream {
  return {
    where: 'the queue',
    next: (timeoutMs) => channel.receive({ timeoutMs }),
    last: -1,
  };
}

/** Dead claims the readers stepped over: counted ones (tagged) and ones killed before counting. */
const stepped = { tagged: 0, untagged: 0 };

/** One channel, one batch-sending worker killed 2–30 ms after its first batch, then the checks. */
async function trial(capacity: number, where: string): Promise<void> {
  // drop-newest: the sender never parks, so the kill lands inside sendBatch most of the time.
  const channel = new InMemoryChannel({ capacity, capacityBytes: RING_BYTES, backpressure: 'drop-newest' });
  watchAbandoned(sharedChannelOf(channel).queue.ring, (payload) => (payload[0] === ENVELOPE_TAG ? stepped.tagged++ : stepped.untagged++));
  const sender = startChannelWorker('send-batches-forever', channel.describe(), { count: BATCH });
  await sender.next(`${where}: first batch`);
  await sleep(2 + Math.random() * 28);
  await sender.worker.terminate();
  const queue = queueStream(channel);
  await drainUntilQuiet(queue);
  await channel.send(MARKER);
  assert.equal(await within(5000, `${where}: the marker`, channel.receive({ timeoutMs: 3000 })), MARKER, `${where}: the marker`);
  await assertCountWhole(channel, capacity, where);
  await channel.close();
}

for (let round = 1; round <= ROUNDS; round++) {
  test(`round ${round}: ${AT_ONCE} senders killed mid-batch leak no capacity, stall nothing`, async () => {
    // With a capacity (the count must come back to exactly it) and without (only the ring's bytes
    // bound the channel; the count of queued messages must still come back to 0).
    const trials = Array.from({ length: AT_ONCE }, (_, k) => trial((round + k) % 2 === 0 ? CAPACITY : 0, `round ${round}, channel ${k + 1}`));
    // Every trial ends before the round does (no trial still running into the next round).
    const failed = (await Promise.allSettled(trials)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
}

test.after(() => {
  console.log(`  of ${ROUNDS * AT_ONCE} kills, ${stepped.tagged} left a counted claim, ${stepped.untagged} one not yet counted (stepped over)`);
});

test.run();
