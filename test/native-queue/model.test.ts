// Property-based model tests: random sequences of every send and receive call, checked against a
// plain array (one array per producer for mpsc). The ring must deliver exactly what the model
// says, in order; it may refuse a message only when it is not empty, and must refuse one that
// cannot physically fit next to what it holds.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachRing, createRing, type Ring, type RingKind } from '../../native-queue/index.js';

type Op =
  | { op: 'send'; h: number; size: number }
  | { op: 'batch'; h: number; sizes: number[] }
  | { op: 'reserve'; h: number; size: number }
  | { op: 'receive'; h: number }
  | { op: 'view'; h: number }
  | { op: 'receiveBatch'; h: number; max: number }
  | { op: 'drain'; h: number; max: number };

const CAPACITY = 256;
const HEADER = { spsc: 4, mpsc: 4, mpmc: 8 };

function recordBytes(kind: RingKind, size: number): number {
  const h = HEADER[kind];
  return h + Math.ceil(size / h) * h;
}

/** Message number `tag`: its first two bytes carry the tag when there is room. */
function message(tag: number, size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = (tag * 13 + i * 101) & 255;
  if (size >= 2) {
    m[0] = tag & 255;
    m[1] = tag >>> 8;
  }
  return m;
}

function opArbitrary(handles: number, minSize: number, maxSize: number): fc.Arbitrary<Op> {
  const h = fc.integer({ min: 0, max: handles - 1 });
  const size = fc.oneof(fc.integer({ min: minSize, max: 12 }), fc.integer({ min: minSize, max: maxSize }), fc.constant(maxSize));
  return fc.oneof(
    fc.record({ op: fc.constant('send' as const), h, size }),
    fc.record({ op: fc.constant('batch' as const), h, sizes: fc.array(size, { maxLength: 12 }) }),
    fc.record({ op: fc.constant('reserve' as const), h, size }),
    fc.record({ op: fc.constant('receive' as const), h }),
    fc.record({ op: fc.constant('view' as const), h }),
    fc.record({ op: fc.constant('receiveBatch' as const), h, max: fc.integer({ min: 0, max: 8 }) }),
    fc.record({ op: fc.constant('drain' as const), h, max: fc.integer({ min: 0, max: 8 }) }),
  );
}

/**
 * Runs `ops` on a ring of `kind`. Senders are `producers` handles (mpsc: one lane each), the
 * receiver is one more handle (mpmc: every handle also receives). The model is one FIFO per lane
 * (mpsc) or one FIFO for the whole ring.
 */
function runModel(kind: RingKind, producers: number, ops: Op[]): void {
  const first = createRing(kind, { capacityBytes: CAPACITY, maxProducers: producers });
  const handles: Ring[] = [first, ...Array.from({ length: producers }, () => attachRing(first.describe()))];
  const consumer = kind === 'mpmc' ? undefined : first;
  const senderOf = (h: number) => handles[1 + (h % producers)] as Ring;
  const receiverOf = (h: number) => consumer ?? (handles[h % handles.length] as Ring);
  const queues: Uint8Array[][] = Array.from({ length: kind === 'mpsc' ? producers : 1 }, () => []);
  const queueOf = (h: number) => queues[kind === 'mpsc' ? h % producers : 0] as Uint8Array[];
  const used = (queue: Uint8Array[]) => queue.reduce((sum, m) => sum + recordBytes(kind, m.length), 0);
  // Views handed out and not yet released still occupy space the model no longer counts.
  const holding = new Set<Ring>();
  let tag = 0;

  const accepted = (h: number, size: number, ok: boolean) => {
    const queue = queueOf(h);
    if (!ok) {
      assert.ok(queue.length > 0 || holding.size > 0 || kind === 'mpmc' && queues[0]!.length > 0, `${kind}: refused a ${size}-byte message into an empty ring`);
    } else {
      assert.ok(used(queue) + recordBytes(kind, size) <= CAPACITY, `${kind}: accepted more than fits`);
    }
  };
  const expectNext = (got: Uint8Array | undefined, who: Ring) => {
    holding.delete(who);
    if (got === undefined) {
      for (const q of queues) assert.is(q.length, 0, `${kind}: nothing received although the model holds messages`);
      return;
    }
    const copy = Uint8Array.from(got);
    const queue = queues.find((q) => q.length > 0 && equal(q[0] as Uint8Array, copy));
    assert.ok(queue !== undefined, `${kind}: received ${Array.from(copy.subarray(0, 4))}… which is not next in any FIFO`);
    queue.shift();
  };

  for (const step of ops) {
    switch (step.op) {
      case 'send': {
        const m = message(tag++, step.size);
        const ok = senderOf(step.h).trySend(m);
        accepted(step.h, step.size, ok);
        if (ok) queueOf(step.h).push(m);
        break;
      }
      case 'batch': {
        const batch = step.sizes.map((size) => message(tag++, size));
        const n = senderOf(step.h).trySendBatch(batch);
        assert.ok(n >= 0 && n <= batch.length);
        for (let i = 0; i < n; i++) {
          accepted(step.h, (batch[i] as Uint8Array).length, true);
          queueOf(step.h).push(batch[i] as Uint8Array);
        }
        if (n < batch.length) accepted(step.h, (batch[n] as Uint8Array).length, false);
        break;
      }
      case 'reserve': {
        const m = message(tag++, step.size);
        const view = senderOf(step.h).reserve(step.size);
        accepted(step.h, step.size, view !== undefined);
        if (view !== undefined) {
          view.set(m);
          senderOf(step.h).commit();
          queueOf(step.h).push(m);
        }
        break;
      }
      case 'receive': {
        const rx = receiverOf(step.h);
        expectNext(rx.tryReceive(), rx);
        break;
      }
      case 'view': {
        const rx = receiverOf(step.h);
        const view = rx.tryReceiveView();
        expectNext(view, rx);
        if (view !== undefined) holding.add(rx);
        break;
      }
      case 'receiveBatch': {
        const rx = receiverOf(step.h);
        holding.delete(rx);
        const got = rx.tryReceiveBatch(step.max);
        assert.ok(got.length <= step.max);
        for (const m of got) expectNext(m, rx);
        if (got.length < step.max) expectNext(rx.tryReceive(), rx);
        break;
      }
      case 'drain': {
        const rx = receiverOf(step.h);
        holding.delete(rx);
        const got: Uint8Array[] = [];
        const n = rx.drain((view) => got.push(Uint8Array.from(view)), step.max);
        assert.is(n, got.length);
        assert.ok(n <= step.max);
        for (const m of got) expectNext(m, rx);
        break;
      }
    }
  }
  // Whatever is left comes out, in order, and then nothing.
  const rx = receiverOf(0);
  for (let m = rx.tryReceive(); m !== undefined; m = rx.tryReceive()) expectNext(m, rx);
  for (const q of queues) assert.is(q.length, 0, `${kind}: messages lost`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

for (const [kind, producers, minSize] of [
  ['spsc', 1, 0],
  ['mpsc', 3, 2],
  ['mpmc', 3, 0],
] as const) {
  test(`${kind}: random call sequences behave like ${kind === 'mpsc' ? 'one array per producer' : 'a plain array'}`, () => {
    const max = createRing(kind, { capacityBytes: CAPACITY }).maxMessageBytes;
    fc.assert(
      fc.property(fc.array(opArbitrary(producers + 1, minSize, max), { minLength: 1, maxLength: 150 }), (ops) => runModel(kind, producers, ops)),
      { numRuns: 1000 },
    );
  });
}

test.run();
