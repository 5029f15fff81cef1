// MPMC: a claim whose producer never finishes it (a thread terminated between claiming space and
// committing it) must not stall the ring. A reserve() without commit() from another handle is
// exactly such a claim, so these tests drive the abandon path deterministically: receivers skip
// the claim once it has stayed unfinished for abandonAfterMs, and the late commit() is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MpmcRing, RingError, attachRing, createRing, type Ring } from '../../native-queue/index.js';

const DATA_START = 6 * 128; // mpmc: the data region follows six header lines (README, "Memory layout")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return bytes;
}

function isCode(code: RingError['code']) {
  return (e: unknown) => e instanceof RingError && e.code === code;
}

/**
 * The ring's "free space is zero" invariant, when empty: every word of the data region is zero,
 * except that a record's length word keeps the code its release left, -(bytes freed + 2)
 * (mpmc-records.ts). Length words sit at offsets 4 mod 8; a code frees a multiple of 8 bytes.
 */
function dataRegionIsZero(ring: Ring): boolean {
  const words = new Int32Array(ring.describe().buffer, DATA_START);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as number;
    if (word === 0) continue;
    const freed = -word - 2;
    if (i % 2 === 0 || freed < 8 || freed % 8 !== 0) return false;
  }
  return true;
}

/** Sends and receives messages of many sizes through `tx` → `rx`, checking each. */
function roundTrips(tx: Ring, rx: Ring, rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    const sent = message(i, (i * 37) % (tx.maxMessageBytes + 1));
    assert.ok(tx.trySend(sent), `round ${i}: room in an empty ring`);
    assert.equal(rx.tryReceive(), sent, `round ${i}: intact`);
  }
}

test('receivers skip a claim left unfinished for abandonAfterMs; the late commit() throws RING_ABANDONED and publishes nothing', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 30 });
  const dead = attachRing(ring.describe()); // plays the producer that died mid-send
  const live = attachRing(ring.describe());
  const view = dead.reserve(40) as Uint8Array;
  view.set(message(1, 40));
  assert.ok(live.trySend(message(2, 20)));
  assert.is(ring.tryReceive(), undefined, 'the unfinished claim holds the front for now');
  await sleep(45);
  assert.equal(ring.tryReceive(), message(2, 20), 'past the bound: the claim is skipped, the next message delivered');
  assert.throws(() => dead.commit(), isCode('RING_ABANDONED'));
  assert.is(ring.tryReceive(), undefined, 'the abandoned message was not published');
  assert.ok(dataRegionIsZero(ring), 'the skipped claim was wiped and released like consumed space');
  // The recovery counters (what the kill tests count their hits with): the skipping handle's only.
  const counts = (r: Ring) => [(r as MpmcRing).claimsAbandoned, (r as MpmcRing).recordsAdopted, (r as MpmcRing).releasesTakenOver];
  assert.equal(counts(ring), [1, 0, 0], 'the receiving handle counted the one claim it abandoned');
  assert.equal(counts(dead), [0, 0, 0]);
  assert.equal(counts(live), [0, 0, 0]);
  // The late producer's handle and the ring go on working, lap after lap.
  roundTrips(dead, ring, 300);
  assert.ok(dataRegionIsZero(ring));
});

test('an abandoned claim that wraps past the end of the region (a wrap marker first) is skipped whole', async () => {
  const ring = createRing('mpmc', { capacityBytes: 256, abandonAfterMs: 20 });
  const dead = attachRing(ring.describe());
  // Move the write position to 200: the next 100-byte record cannot fit before the end.
  assert.ok(ring.trySend(message(0, 96))); // a 104-byte record
  assert.ok(ring.trySend(message(1, 88))); // and a 96-byte one
  assert.equal(ring.tryReceive(), message(0, 96));
  assert.equal(ring.tryReceive(), message(1, 88));
  const view = dead.reserve(100) as Uint8Array;
  view.fill(0xee);
  assert.ok(ring.trySend(message(3, 8)), 'room after the claim');
  assert.is(ring.tryReceive(), undefined);
  await sleep(35);
  assert.equal(ring.tryReceive(), message(3, 8));
  assert.throws(() => dead.commit(), isCode('RING_ABANDONED'));
  assert.ok(dataRegionIsZero(ring), 'both parts of the wrapped claim were wiped');
  roundTrips(ring, ring, 200);
  assert.ok(dataRegionIsZero(ring));
});

test('a blocked receive() moves past an abandoned claim by itself', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 40, parkSliceMs: 10 });
  const dead = attachRing(ring.describe());
  dead.reserve(16);
  const waiting = ring.receive({ timeoutMs: 3000 });
  await sleep(5);
  assert.ok(attachRing(ring.describe()).trySend(message(4, 12)));
  assert.equal(await waiting, message(4, 12));
});

test('a closed ring whose only claim is unfinished reports RING_CLOSED after the bound (not a timeout)', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 40, parkSliceMs: 10 });
  attachRing(ring.describe()).reserve(16);
  ring.close();
  await ring.receive({ timeoutMs: 3000 }).then(
    () => assert.unreachable('nothing was committed'),
    (e: unknown) => assert.ok(isCode('RING_CLOSED')(e), `got ${String(e)}`),
  );
});

test('drain and tryReceiveBatch also step over an abandoned claim', async () => {
  for (const take of ['drain', 'batch'] as const) {
    const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 20 });
    attachRing(ring.describe()).reserve(24);
    for (let i = 0; i < 3; i++) assert.ok(ring.trySend(message(10 + i, 30)));
    const got: Uint8Array[] = [];
    const takeAll = () => (take === 'drain' ? ring.drain((v) => got.push(Uint8Array.from(v))) : ring.tryReceiveBatch(10, got).length);
    takeAll();
    assert.is(got.length, 0, `${take}: held by the unfinished claim`);
    await sleep(35);
    takeAll();
    assert.equal(got, [message(10, 30), message(11, 30), message(12, 30)], take);
  }
});

test('abandonAfterMs 0 or Infinity: an unfinished claim is waited for, never skipped', async () => {
  for (const abandonAfterMs of [0, Infinity]) {
    const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs });
    const slow = attachRing(ring.describe());
    (slow.reserve(4) as Uint8Array).set([1, 2, 3, 4]);
    assert.ok(ring.trySend(message(5, 9)));
    assert.is(ring.tryReceive(), undefined);
    await sleep(30);
    assert.is(ring.tryReceive(), undefined, `${abandonAfterMs}: still waiting for the producer`);
    slow.commit();
    assert.equal(ring.tryReceive(), new Uint8Array([1, 2, 3, 4]));
    assert.equal(ring.tryReceive(), message(5, 9));
  }
});

test('a producer that commits in time is never affected, however long receivers have watched', async () => {
  const ring = createRing('mpmc', { capacityBytes: 1024, abandonAfterMs: 60 });
  const slow = attachRing(ring.describe());
  (slow.reserve(3) as Uint8Array).set([7, 8, 9]);
  assert.is(ring.tryReceive(), undefined);
  await sleep(20);
  assert.is(ring.tryReceive(), undefined);
  slow.commit();
  assert.equal(ring.tryReceive(), new Uint8Array([7, 8, 9]));
});

test('bad abandonAfterMs values are refused with RING_INVALID_ARGUMENT', () => {
  for (const abandonAfterMs of [-1, Number.NaN, '5', 3_600_001, -Infinity]) {
    assert.throws(
      () => MpmcRing.create({ capacityBytes: 1024, abandonAfterMs: abandonAfterMs as number }),
      (e: unknown) => isCode('RING_INVALID_ARGUMENT')(e) && /abandonAfterMs/.test((e as Error).message),
      String(abandonAfterMs),
    );
  }
  assert.is(MpmcRing.create({ capacityBytes: 1024 }).describe().options.abandonAfterMs, 1000, 'the default');
});

test.run();
