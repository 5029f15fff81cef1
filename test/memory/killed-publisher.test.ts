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
import { ENVELOPE_TAG } from '../../src/backends/memory/envelope.js';
import { recoveryOf, requireHits } from '../support/kill-hits.js';

const test = suite('InMemoryChannel with a sender terminated mid-publish');
test.after.each(terminateChannelWorkers);

const ROUNDS = 4;
const AT_ONCE = 3;
/**
 * Four groups, not two: more of each send's time is spent in the groups' claims. Kills that left
 * a claim in a group's ring, measured in one sitting on this 2-core machine (busy with other
 * work): with two groups 12 in 36, with four 18 in 36.
 */
const GROUPS = ['a', 'b', 'c', 'd'];
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
/**
 * The window these trials are about: a kill inside a claim of a group's ring (the fan-out path),
 * and inside any claim. Measured with four groups: of 36 kills, 18 left a claim in a group's ring
 * (in each of the four), 5 in the queue's. (With two groups the group rate went from 9 in 24 down
 * to 2 in 21 as the machine got busier, most of them in the last group's ring: where V8's stop
 * points fall is its own business.) At p = 0.3 per kill, fewer than 2 group claims in 12 + 18
 * kills happens 1 run in 3 000 (p = 0.5: never in practice); the extra rounds (3 kills, about
 * 5 s each) are needed in 1 run in 100 at p = 0.44.
 */
const HIT_MIN_GROUPS = 2;
const HIT_MIN_ABANDONED = 3;
/** Extra rounds at most (AT_ONCE kills each). */
const MAX_EXTRA = 6;

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

/**
 * The kills' hits, over every trial: dead claims this thread's handles abandoned (the only
 * receivers of each channel's queue and groups, so they skip whatever claim the dead sender
 * left), in the groups' rings (the fan-out path this file is about) and in the queue, and how many
 * of the queue's the sender had already counted against `capacity` (tagged).
 */
const hits = { groups: 0, queue: 0, tagged: 0 };

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
  const queueRing = recoveryOf(sharedChannelOf(channel).queue.ring);
  const groupRings = sharedChannelOf(channel).subscriberRings.map(recoveryOf);
  let tagged = 0;
  watchAbandoned(queueRing, (payload) => payload[0] === ENVELOPE_TAG && tagged++);
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
  // The dead sender had one message in flight: one claim per ring at most, and in one ring only
  // (it writes the rings one after another).
  const abandoned = [queueRing, ...groupRings].map((r) => r.claimsAbandoned);
  assert.ok(abandoned.reduce((a, b) => a + b, 0) <= 1, `${where}: claims abandoned per ring ${abandoned.join(', ')}: only one sender died`);
  hits.queue += queueRing.claimsAbandoned;
  hits.groups += groupRings.reduce((sum, r) => sum + r.claimsAbandoned, 0);
  hits.tagged += tagged;

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

/** AT_ONCE trials at once, each on its own channel with its own killed worker. */
async function round(n: number, where: string): Promise<void> {
  const trials = Array.from({ length: AT_ONCE }, (_, k) => trial((n + k) % 2 === 0 ? CAPACITY : 0, `${where}, channel ${k + 1}`));
  // Every trial ends before the round does (no trial still running into the next round).
  const failed = (await Promise.allSettled(trials)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

for (let n = 1; n <= ROUNDS; n++) {
  test(`round ${n}: ${AT_ONCE} senders killed mid-publish (${GROUPS.length} groups) stall no group, leak no capacity`, () => round(n, `round ${n}`));
}

test(`the kills hit the window: at least ${HIT_MIN_GROUPS} dead claims skipped in a group's ring, ${HIT_MIN_ABANDONED} in all (extra rounds while fewer, at most ${MAX_EXTRA})`, () =>
  requireHits(
    'killed-publisher',
    `${ROUNDS * AT_ONCE} kills in ${ROUNDS} rounds`,
    [
      { what: "claims abandoned in a group's ring", minimum: HIT_MIN_GROUPS, count: () => hits.groups },
      { what: 'claims abandoned in all (queue and groups)', minimum: HIT_MIN_ABANDONED, count: () => hits.groups + hits.queue },
      { what: 'counted claims abandoned in the queue (tagged; reported, no minimum)', minimum: 0, count: () => hits.tagged },
    ],
    MAX_EXTRA,
    (extra) => round(ROUNDS + extra, `extra round ${extra}`),
  ));

test.run();
