// A worker terminated while sending to a channel with subscriber groups: each message goes to the
// queue and then to every group's ring, so the kill may land inside a claim in any of them. The
// subscriber rings count nothing against `capacity`, and the ring skips an unfinished claim after
// its abandon bound (1 s), so afterwards: every group drains past the dead claim and gets what
// comes next, each ring still carries more than its size, the queue's count is whole.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Subscription } from '../../src/channel.js';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { sleep, startChannelWorker, terminateChannelWorkers, within } from './helpers.js';
import { assertCountWhole, checkPatterned, drainUntilQuiet, watchAbandoned, type PatternedStream } from './kill-checks.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel with a sender terminated mid-publish');
test.after.each(terminateChannelWorkers);

const ROUNDS = 4;
const AT_ONCE = 3;
const GROUPS = ['a', 'b'];
/**
 * Large messages: V8 stops a terminated thread at the next function entry or loop back-edge, and
 * the one after a ring's copy is inside the claim (its commit), so the longer the copy, the more
 * kills land inside a claim of the queue or of a group's ring.
 */
const SIZE = 64 * 1024;
/** Large enough that neither the queue nor a group's ring fills before the kill. */
const CAPACITY = 8192;
const QUEUE_BYTES = 1 << 24;
const GROUP_RING_BYTES = 1 << 23;
/** The kill comes 1 to 1 + KILL_MS ms after the first send. */
const KILL_MS = 10;

function groupStream(subscription: Subscription, group: string): PatternedStream {
  return {
    where: `group ${group}`,
    next: async (timeoutMs) => {
      const delivery = await subscription.next({ timeoutMs });
      const data = delivery.data.slice();
      await delivery.ack();
      return data;
    },
    last: -1,
    size: SIZE,
  };
}

/** Patterned message i (what the worker's 'send-forever' sends). */
function patterned(i: number): Uint8Array {
  const data = new Uint8Array(SIZE);
  new DataView(data.buffer).setUint32(0, i);
  for (let b = 4; b < data.length; b++) data[b] = (b * 7) & 0xff;
  return data;
}

/** Dead claims this file's readers stepped over, by ring (reported, not asserted: where a kill lands is chance). */
const stepped = { queue: 0, groups: 0 };

async function trial(capacity: number, where: string): Promise<void> {
  // drop-newest: the sender never parks, so the kill lands inside a send nearly always.
  const channel = new InMemoryChannel({
    capacity,
    capacityBytes: QUEUE_BYTES,
    backpressure: 'drop-newest',
    maxSubscribers: GROUPS.length,
    subscriberCapacityBytes: GROUP_RING_BYTES,
    leaseBytes: 1 << 20,
  });
  watchAbandoned(sharedChannelOf(channel).queue.ring, () => stepped.queue++);
  for (const ring of sharedChannelOf(channel).subscriberRings) watchAbandoned(ring, () => stepped.groups++);
  const subscriptions = await Promise.all(GROUPS.map((group) => channel.subscribe({ group })));
  const streams: PatternedStream[] = [
    { where: 'the queue', next: (timeoutMs) => channel.receive({ timeoutMs }), last: -1, size: SIZE },
    ...subscriptions.map((s, k) => groupStream(s, GROUPS[k]!)),
  ];
  const sender = startChannelWorker('send-forever', channel.describe(), { size: SIZE });
  await sender.next(`${where}: first send`);
  await sleep(1 + Math.random() * KILL_MS);
  await sender.worker.terminate();
  await Promise.all(streams.map((s) => drainUntilQuiet(s)));

  // Each group is reached again, and each group's ring goes on taking more than a ring-full.
  const perMessage = 8 + SIZE + 64; // ring header, payload, envelope with id (at least)
  const through = Math.ceil((2 * GROUP_RING_BYTES) / perMessage / 64) * 64;
  let next = Math.max(...streams.map((s) => s.last)) + 1;
  for (let round = 0; round < through / 64; round++) {
    for (let k = 0; k < 64; k++) await channel.send(patterned(next + k)); // a send reaches the queue and every group
    for (const s of streams) {
      for (let k = 0; k < 64; k++) {
        const data = await within(5000, `${where}: ${s.where} after the kill`, s.next(3000));
        s.last = checkPatterned(data, s.last, `${where}: ${s.where} after the kill`, SIZE);
        assert.is(s.last, next + k, `${where}: ${s.where} gets every message sent after the kill`);
      }
    }
    next += 64;
  }
  for (const s of subscriptions) await s.unsubscribe();
  await assertCountWhole(channel, capacity, where);
  await channel.close();
}

for (let round = 1; round <= ROUNDS; round++) {
  test(`round ${round}: ${AT_ONCE} senders killed mid-publish (2 groups) stall no group, leak no capacity`, async () => {
    const trials = Array.from({ length: AT_ONCE }, (_, k) => trial((round + k) % 2 === 0 ? CAPACITY : 0, `round ${round}, channel ${k + 1}`));
    // Every trial ends before the round does (no trial still running into the next round).
    const failed = (await Promise.allSettled(trials)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
}

test.after(() => {
  console.log(`  of ${ROUNDS * AT_ONCE} kills, ${stepped.groups} left a claim in a group's ring and ${stepped.queue} in the queue (stepped over)`);
});

test.run();
