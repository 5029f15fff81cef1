// MPMC: a receiver terminated in the middle of receiving must not stall the ring. Two places a
// thread can stop (V8 stops a terminated thread at any function entry or loop back-edge):
// - between claiming a record (readClaim moved past it) and marking it consumed. A handle that
//   took a view with tryReceiveView() and never reads again is exactly that state;
// - inside the release step, after the record was stamped "releasing" and before `released`
//   moved past it. That state is written here by hand, as the dying releaser leaves it (the
//   layout is mpmc-records.ts): no API call stops half-way through a release on its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MpmcRing, attachRing, createRing, type Ring } from '../../native-queue/index.js';
import { startWorker, within } from './helpers.js';

const DATA_WORD = (6 * 128) / 4; // the data region follows six header lines
const RELEASED_WORD = 3 * 32;
const RELEASING = 6; // stamp = record index + 6, behind readClaim (mpmc-records.ts)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7 + 1) & 0xff;
  return bytes;
}

/** Fills the ring behind whatever holds its front; returns how many 40-byte messages fit. */
function fill(ring: Ring, seedFrom: number): number {
  let sent = 0;
  while (ring.trySend(message(seedFrom + sent, 40))) sent++;
  return sent;
}

/** Receives until `count` messages arrived or `ms` passed, polling like a patient consumer. */
async function receiveAll(ring: Ring, count: number, ms: number): Promise<Uint8Array[]> {
  const received: Uint8Array[] = [];
  const deadline = Date.now() + ms;
  while (received.length < count && Date.now() < deadline) {
    const got = ring.tryReceive();
    if (got === undefined) await sleep(2);
    else received.push(got);
  }
  return received;
}

/** The handle's recovery counters: [claimsAbandoned, recordsAdopted, releasesTakenOver]. */
function counts(ring: Ring): number[] {
  assert.ok(ring instanceof MpmcRing);
  return [ring.claimsAbandoned, ring.recordsAdopted, ring.releasesTakenOver];
}

function roundTrips(ring: Ring, rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    assert.ok(ring.trySend(message(i, 60)), `round ${i}: room`);
    assert.equal(ring.tryReceive(), message(i, 60), `round ${i}: intact`);
  }
}

test('a record claimed by a receiver that never marks it is adopted after abandonAfterMs and delivered once', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 30 });
  const dead = attachRing(ring.describe());
  assert.ok(ring.trySend(message(1, 40)));
  assert.equal(dead.tryReceiveView(), message(1, 40), 'the receiver that will "die" holds its view');
  const queued = fill(ring, 100);
  assert.ok(queued > 5, 'the ring filled behind the held record');
  const received = await receiveAll(ring, queued + 1, 3000);
  assert.is(received.length, queued + 1, `received ${received.length} of the ${queued} queued behind the held record, plus the held one`);
  for (let i = 0; i < queued; i++) assert.equal(received[i], message(100 + i, 40), `queued message ${i} intact`);
  assert.equal(received[queued], message(1, 40), 'the held record, adopted');
  assert.is(ring.tryReceive(), undefined, 'delivered once by the adopter');
  assert.equal(counts(ring), [0, 1, 0], 'the adopter counted the one record it adopted');
  assert.equal(counts(dead), [0, 0, 0]);
  roundTrips(ring, 200);
});

test('with abandonAfterMs Infinity a held record is waited for, never adopted (the view stays valid)', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: Infinity });
  const holder = attachRing(ring.describe());
  assert.ok(ring.trySend(message(1, 40)));
  const view = holder.tryReceiveView() as Uint8Array;
  const queued = fill(ring, 100);
  const received = await receiveAll(ring, queued + 1, 150);
  assert.is(received.length, queued, 'everything queued, but not the held record');
  assert.not.ok(ring.trySend(message(9, 40)), 'its space stays held');
  assert.equal(view, message(1, 40), 'the view was not reused');
  assert.is(holder.tryReceive(), undefined, 'the next read call finishes the held record');
  assert.equal(counts(ring), [0, 0, 0], 'nothing adopted, nothing counted');
  roundTrips(ring, 200);
});

test('a receiver terminated inside drain() holding a run: the whole run is adopted after one bound, in order, once', async () => {
  const abandonAfterMs = 150;
  const ring = createRing('mpmc', { capacityBytes: 4096, abandonAfterMs });
  for (let i = 0; i < 20; i++) assert.ok(ring.trySend(message(i, 40)));
  const flag = new SharedArrayBuffer(4);
  const stuck = startWorker('stuck-receiver', { descriptor: ring.describe(), flag });
  await within(
    (async () => {
      while (Atomics.load(new Int32Array(flag), 0) === 0) await sleep(2);
    })(),
    30_000,
    'the receiver entering its visit',
  );
  await stuck.worker.terminate();
  const started = performance.now();
  const received = await receiveAll(ring, 20, 10_000);
  const took = performance.now() - started;
  assert.equal(received, Array.from({ length: 20 }, (_, i) => message(i, 40)), 'all twenty, in order, the first one included');
  assert.is(ring.tryReceive(), undefined, 'each once');
  // Adopting record by record would take twenty bounds; the rest of the run follows the first.
  assert.ok(took < 8 * abandonAfterMs, `the run came back after ${took.toFixed(0)} ms, not one bound per record`);
  assert.equal(counts(ring), [0, 20, 0], 'all twenty counted as adopted');
  roundTrips(ring, 200);
});

test('a receiver that died inside the release step ("releasing", `released` not moved) is finished by another after abandonAfterMs', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 30 });
  const dying = attachRing(ring.describe());
  const words = new Int32Array(ring.describe().buffer);
  assert.ok(ring.trySend(message(1, 40)));
  assert.equal(dying.tryReceiveView(), message(1, 40));
  // What the dying thread had done: marked the record (it stays claimed: readClaim is past it),
  // stamped it "releasing" with its size in the length word, wiped part of the payload, died.
  const index = words[RELEASED_WORD] as number;
  const word = DATA_WORD + ((index & 1023) >>> 2);
  const size = 8 + 40;
  words[word] = index + RELEASING;
  words[word + 1] = -(size + 2);
  words.fill(0, word + 2, word + 6);
  const queued = fill(ring, 100);
  const received = await receiveAll(ring, queued, 3000);
  assert.is(received.length, queued, 'everything queued behind it arrived');
  // Receivers that find the front empty watch the stuck release; past the bound one finishes it.
  assert.equal(await receiveAll(ring, 1, 200), [], 'the record being released is not delivered again');
  assert.is(words[RELEASED_WORD], words[2 * 32], 'released caught up with readClaim');
  assert.ok(ring.trySend(message(7, 40)), 'its space is free again');
  assert.equal(ring.tryReceive(), message(7, 40));
  assert.equal(counts(ring), [0, 0, 1], 'one release step taken over, nothing adopted');
  roundTrips(ring, 200);
});

test.run();
