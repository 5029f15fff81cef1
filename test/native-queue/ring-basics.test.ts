// Single-thread behaviour of all three ring kinds: empty, full, wrap-around at every offset,
// zero-length and maximum-size messages, batches, views, reserve/commit, describe/attach.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachRing, createRing, RingError, type Ring, type RingKind } from '../../native-queue/index.js';

const KINDS: RingKind[] = ['spsc', 'mpsc', 'mpmc'];
/** mpmc consumes runs of up to 32 records, so its last run may end past the ring-full budget. */
const RUN_SLACK = 32;
/** Record header and alignment of each kind (from README.md, "Records"). */
const RECORD = { spsc: { header: 4, align: 4 }, mpsc: { header: 4, align: 4 }, mpmc: { header: 8, align: 8 } };

function recordBytes(kind: RingKind, length: number): number {
  const { header, align } = RECORD[kind];
  return header + Math.ceil(length / align) * align;
}

/** A message whose bytes depend on (tag, length), so any mix-up shows. */
function message(tag: number, length: number): Uint8Array {
  const m = new Uint8Array(length);
  for (let i = 0; i < length; i++) m[i] = (tag * 31 + i * 7 + 1) & 255;
  return m;
}

/** A producer handle and a consumer handle on one new ring (attached like other threads do). */
function pair(kind: RingKind, capacityBytes = 256): { tx: Ring; rx: Ring } {
  const tx = createRing(kind, { capacityBytes });
  return { tx, rx: attachRing(tx.describe()) };
}

for (const kind of KINDS) {
  test(`${kind}: an empty ring gives nothing on every receive call`, () => {
    const { rx } = pair(kind);
    assert.is(rx.tryReceive(), undefined);
    assert.is(rx.tryReceiveView(), undefined);
    assert.equal(rx.tryReceiveBatch(10), []);
    assert.is(rx.drain(() => assert.unreachable('no message')), 0);
    assert.is(rx.closed, false);
  });

  test(`${kind}: fills up, refuses more, and accepts again once one message is taken`, () => {
    const { tx, rx } = pair(kind);
    const size = 20;
    let sent = 0;
    while (tx.trySend(message(sent, size))) sent++;
    assert.is(sent, Math.floor(256 / recordBytes(kind, size)), 'exactly as many records as fit');
    assert.is(tx.reserve(size), undefined, 'reserve sees the ring full too');
    assert.equal(rx.tryReceive(), message(0, size));
    assert.ok(tx.trySend(message(sent, size)), 'room again');
    for (let i = 1; i <= sent; i++) assert.equal(rx.tryReceive(), message(i, size));
    assert.is(rx.tryReceive(), undefined);
  });

  test(`${kind}: wrap-around from every start offset, with sizes 0 .. maxMessageBytes`, () => {
    const capacity = 256;
    const { align, header } = RECORD[kind];
    for (let offset = 0; offset < capacity; offset += align) {
      const { tx, rx } = pair(kind, capacity);
      if (offset > 0) {
        // One record of exactly `offset` bytes moves both indices to `offset` (or a zero-length
        // record repeated when a single one cannot be that small/large).
        if (offset >= header && offset - header <= tx.maxMessageBytes) {
          assert.ok(tx.trySend(message(999, offset - header)));
          assert.ok(rx.tryReceive() !== undefined);
        } else {
          for (let moved = 0; moved < offset; moved += header) {
            assert.ok(tx.trySend(new Uint8Array(0)));
            assert.equal(rx.tryReceive(), new Uint8Array(0));
          }
        }
      }
      const sizes = [tx.maxMessageBytes, 0, 1, align - 1, align, align + 1, tx.maxMessageBytes - 1, 37, tx.maxMessageBytes, 3];
      let nextToSend = 0;
      let nextToReceive = 0;
      const total = sizes.length * 4;
      while (nextToReceive < total) {
        // Send as much as fits, then take everything back: each lap crosses the end differently.
        while (nextToSend < total && tx.trySend(message(nextToSend, sizes[nextToSend % sizes.length] as number))) nextToSend++;
        let got: Uint8Array | undefined;
        let taken = 0;
        while ((got = rx.tryReceive()) !== undefined) {
          assert.equal(got, message(nextToReceive, sizes[nextToReceive % sizes.length] as number), `offset ${offset}, message ${nextToReceive}`);
          nextToReceive++;
          taken++;
        }
        assert.ok(taken > 0, `offset ${offset}: progress`);
      }
    }
  });

  test(`${kind}: zero-length messages are messages`, () => {
    const { tx, rx } = pair(kind);
    let sent = 0;
    while (tx.trySend(new Uint8Array(0))) sent++;
    assert.is(sent, 256 / RECORD[kind].header);
    let got = 0;
    for (let m = rx.tryReceive(); m !== undefined; m = rx.tryReceive()) {
      assert.is(m.length, 0);
      got++;
    }
    assert.is(got, sent);
  });

  test(`${kind}: a maximum-size message always fits in an empty ring, one byte more never`, () => {
    const { tx, rx } = pair(kind);
    assert.is(tx.maxMessageBytes, 256 / 2 - RECORD[kind].header);
    for (let i = 0; i < 10; i++) {
      assert.ok(tx.trySend(message(i, tx.maxMessageBytes)), `lap ${i}`);
      assert.equal(rx.tryReceive(), message(i, tx.maxMessageBytes));
      // shift the position so the next max-size message meets the end elsewhere
      assert.ok(tx.trySend(message(i, i * 3)));
      assert.equal(rx.tryReceive(), message(i, i * 3));
    }
    try {
      tx.trySend(new Uint8Array(tx.maxMessageBytes + 1));
      assert.unreachable('too large');
    } catch (error) {
      assert.instance(error, RingError);
      assert.is((error as RingError).code, 'RING_MESSAGE_TOO_LARGE');
    }
  });

  test(`${kind}: batches send a prefix and receive in order (into an existing array, up to max)`, () => {
    const { tx, rx } = pair(kind, 1024);
    const batch = Array.from({ length: 100 }, (_, i) => message(i, 16));
    const accepted = tx.trySendBatch(batch);
    assert.is(accepted, Math.floor(1024 / recordBytes(kind, 16)));
    const into: Uint8Array[] = [message(-1, 1)];
    rx.tryReceiveBatch(5, into);
    assert.is(into.length, 6);
    assert.equal(into.slice(1), batch.slice(0, 5));
    const seen: number[] = [];
    const drained = rx.drain((view) => seen.push(view[0] as number), 10);
    assert.is(drained, 10);
    assert.equal(seen, batch.slice(5, 15).map((m) => m[0]));
    assert.equal(rx.tryReceiveBatch(1000), batch.slice(15, accepted));
    assert.is(tx.trySendBatch([]), 0);
  });

  test(`${kind}: a view stays valid (and its space taken) until the next read call`, () => {
    const { tx, rx } = pair(kind);
    const size = 40;
    let sent = 0;
    while (tx.trySend(message(sent, size))) sent++;
    const view = rx.tryReceiveView();
    assert.equal(view, message(0, size));
    if (kind !== 'mpmc') assert.is(tx.trySend(message(sent, size)), false, 'its record is not free yet');
    assert.equal(view, message(0, size), 'unchanged while held');
    assert.equal(rx.tryReceive(), message(1, size));
    assert.ok(tx.trySend(message(sent, size)), 'both records free now');
  });

  test(`${kind}: drain hands out the same view objects lap after lap for same-size messages`, () => {
    const { tx, rx } = pair(kind, 4096);
    const batch = Array.from({ length: 16 }, (_, i) => message(i, 60));
    const views = new Set<Uint8Array>();
    let delivered = 0;
    for (let lap = 0; lap < 200; lap++) {
      assert.is(tx.trySendBatch(batch), 16);
      delivered += rx.drain((view) => views.add(view));
    }
    assert.is(delivered, 3200);
    assert.ok(views.size <= Math.ceil(4096 / recordBytes(kind, 60)), `${views.size} distinct views for 3200 messages`);
  });

  test(`${kind}: one drain call ends after about one ring-full even if the producer keeps up`, () => {
    const { tx, rx } = pair(kind, 1024);
    for (let i = 0; i < 10; i++) assert.ok(tx.trySend(message(i, 20)));
    let calls = 0;
    const drained = rx.drain(() => {
      // every message taken is replaced at once, as by a producer on another core
      if (++calls > 100_000) throw new Error('drain does not stop');
      assert.ok(tx.trySend(message(calls, 20)), 'the consumer gives space back during a long drain');
    });
    assert.is(drained, calls);
    // one ring-full: the data region, all 4 lanes of it for mpsc
    const ringFull = Math.ceil((kind === 'mpsc' ? 4 : 1) * 1024 / recordBytes(kind, 20)) + RUN_SLACK;
    assert.ok(drained <= ringFull, `${drained} messages in one call`);
    const got = rx.tryReceiveBatch(Infinity);
    assert.ok(got.length > 0 && got.length <= ringFull, `${got.length} messages in one batch`);
  });

  test(`${kind}: reserve, fill, commit`, () => {
    const { tx, rx } = pair(kind);
    const view = tx.reserve(5) as Uint8Array;
    assert.is(view.length, 5);
    view.set([1, 2, 3, 4, 5]);
    assert.is(rx.tryReceive(), undefined, 'not visible before commit');
    try {
      tx.trySend(message(0, 1));
      assert.unreachable('send while a reserve is pending');
    } catch (error) {
      assert.is((error as RingError).code, 'RING_INVALID_ARGUMENT');
    }
    tx.commit();
    assert.equal(rx.tryReceive(), new Uint8Array([1, 2, 3, 4, 5]));
    assert.throws(() => tx.commit(), (e: RingError) => e.code === 'RING_INVALID_ARGUMENT');
    const empty = tx.reserve(0) as Uint8Array;
    assert.is(empty.length, 0);
    tx.commit();
    assert.equal(rx.tryReceive(), new Uint8Array(0));
  });

  test(`${kind}: the descriptor is plain data that survives structured cloning`, () => {
    const tx = createRing(kind, { capacityBytes: 512, spinMicros: 3, parkSliceMs: 7 });
    const clone = structuredClone(tx.describe());
    assert.equal(clone.options, { capacityBytes: 512, maxProducers: 4, spinMicros: 3, parkSliceMs: 7, abandonAfterMs: 1000 });
    const rx = attachRing(clone);
    assert.is(rx.kind, kind);
    assert.ok(tx.trySend(message(1, 9)));
    assert.equal(rx.tryReceive(), message(1, 9));
  });

  test(`${kind}: after close, senders fail at once and receivers drain what is left`, async () => {
    const { tx, rx } = pair(kind);
    assert.ok(tx.trySend(message(1, 3)));
    assert.ok(tx.trySend(message(2, 3)));
    rx.close();
    assert.ok(tx.closed && rx.closed);
    assert.throws(() => tx.trySend(message(3, 3)), (e: RingError) => e.code === 'RING_CLOSED');
    assert.throws(() => tx.trySendBatch([message(3, 3)]), (e: RingError) => e.code === 'RING_CLOSED');
    assert.throws(() => tx.reserve(1), (e: RingError) => e.code === 'RING_CLOSED');
    await tx.send(message(3, 3)).then(
      () => assert.unreachable('send after close'),
      (e: RingError) => assert.is(e.code, 'RING_CLOSED'),
    );
    assert.equal(await rx.receive(), message(1, 3));
    assert.equal(rx.tryReceive(), message(2, 3));
    await rx.receive().then(
      () => assert.unreachable('nothing left'),
      (e: RingError) => assert.is(e.code, 'RING_CLOSED'),
    );
  });
}

test('mpsc: each producer handle claims its own lane; too many get RING_NO_LANE until one is released', () => {
  const consumer = createRing('mpsc', { capacityBytes: 256, maxProducers: 2 });
  const a = attachRing(consumer.describe());
  const b = attachRing(consumer.describe());
  const c = attachRing(consumer.describe());
  assert.ok(a.trySend(message(1, 4)));
  assert.ok(b.trySend(message(2, 4)));
  assert.throws(() => c.trySend(message(3, 4)), (e: RingError) => e.code === 'RING_NO_LANE');
  a.release();
  assert.ok(c.trySend(message(3, 4)), 'the released lane is reused');
  // a's message is still delivered: releasing a lane loses nothing
  const got = consumer.tryReceiveBatch(10).map((m) => m[0]);
  assert.equal(got.sort(), [message(1, 4)[0], message(2, 4)[0], message(3, 4)[0]].sort());
});

test('mpsc: the consumer takes turns between lanes', () => {
  const consumer = createRing('mpsc', { capacityBytes: 1024, maxProducers: 3 });
  const producers = [0, 1, 2].map(() => attachRing(consumer.describe()));
  producers.forEach((p, i) => {
    for (let k = 0; k < 10; k++) assert.ok(p.trySend(new Uint8Array([i, k])));
  });
  const firstSix = Array.from({ length: 6 }, () => (consumer.tryReceive() as Uint8Array)[0]);
  assert.equal([...firstSix].sort(), [0, 0, 1, 1, 2, 2], 'single receives rotate over the lanes');
  const counts = [0, 0, 0];
  consumer.drain((view) => {
    const lane = view[0] as number;
    counts[lane] = (counts[lane] as number) + 1;
  });
  assert.equal(counts, [8, 8, 8]);
});

test.run();
