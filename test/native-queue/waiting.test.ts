// Blocking and promise calls: waking, parking, close while waiting (a sync waiter in a worker and
// an async waiter on the main thread), timeouts, abort signals, and keeping the event loop alive.
// Rings here park for 10 s slices: a waiter that ends sooner was woken, not timed out by a slice.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRing, RingError, type Ring, type RingKind } from '../../native-queue/index.js';
import { startWorker, within } from './helpers.js';

const LONG_SLICE = { parkSliceMs: 10_000 };

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await promise.then(
    () => assert.unreachable(`expected ${code}`),
    (error: unknown) => {
      assert.instance(error, RingError);
      assert.is((error as RingError).code, code);
    },
  );
}

function fill(ring: Ring): void {
  while (ring.trySend(new Uint8Array(8)));
}

for (const kind of ['spsc', 'mpsc', 'mpmc'] as RingKind[]) {
  test(`${kind}: await receive() on the main thread wakes when a worker sends`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    const sender = startWorker('waiter', { descriptor: ring.describe(), role: 'send-later', delayMs: 100 });
    try {
      const message = await within(ring.receive(), 5_000, 'receive');
      assert.equal(message, new Uint8Array([1, 2, 3]));
    } finally {
      await sender.worker.terminate();
    }
  });

  test(`${kind}: close() wakes a receiveSync blocked in a worker`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    const waiter = startWorker('waiter', { descriptor: ring.describe(), role: 'receive' });
    try {
      assert.is(await waiter.next(), 'waiting');
      await new Promise((r) => setTimeout(r, 100)); // let it park
      ring.close();
      assert.equal(await within(waiter.next(), 5_000, 'woken waiter'), { error: 'RING_CLOSED' });
    } finally {
      await waiter.worker.terminate();
    }
  });

  test(`${kind}: close() wakes a sendSync blocked on a full ring in a worker`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    const waiter = startWorker('waiter', { descriptor: ring.describe(), role: 'send' });
    try {
      assert.is(await waiter.next(), 'waiting');
      await new Promise((r) => setTimeout(r, 100));
      ring.close();
      assert.equal(await within(waiter.next(), 5_000, 'woken sender'), { error: 'RING_CLOSED' });
    } finally {
      await waiter.worker.terminate();
    }
  });

  test(`${kind}: a blocked sendSync in a worker proceeds when the main thread makes room`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    const waiter = startWorker('waiter', { descriptor: ring.describe(), role: 'send' });
    try {
      assert.is(await waiter.next(), 'waiting');
      await new Promise((r) => setTimeout(r, 100));
      const first = ring.tryReceive();
      assert.is(first?.length, 8);
      assert.equal(await within(waiter.next(), 5_000, 'unblocked sender'), { sent: true });
    } finally {
      await waiter.worker.terminate();
    }
  });

  test(`${kind}: close() wakes async waiters on the main thread, receivers and senders`, async () => {
    const rx = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    const receiving = rx.receive();
    const full = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    fill(full);
    const sending = full.send(new Uint8Array(1));
    await new Promise((r) => setTimeout(r, 50));
    rx.close();
    full.close();
    await within(rejectsWith(receiving, 'RING_CLOSED'), 5_000, 'receiver');
    await within(rejectsWith(sending, 'RING_CLOSED'), 5_000, 'sender');
  });

  test(`${kind}: timeouts on promise calls and on blocking calls in a worker`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, parkSliceMs: 20 });
    await within(rejectsWith(ring.receive({ timeoutMs: 60 }), 'RING_TIMEOUT'), 5_000, 'receive timeout');
    await within(rejectsWith(ring.receive({ timeoutMs: 0 }), 'RING_TIMEOUT'), 5_000, 'zero timeout');
    const full = createRing(kind, { capacityBytes: 256, parkSliceMs: 20 });
    fill(full);
    await within(rejectsWith(full.send(new Uint8Array(1), { timeoutMs: 60 }), 'RING_TIMEOUT'), 5_000, 'send timeout');
    const waiter = startWorker('waiter', { descriptor: ring.describe(), role: 'receive', timeoutMs: 60 });
    try {
      assert.is(await waiter.next(), 'waiting');
      assert.equal(await within(waiter.next(), 5_000, 'sync timeout'), { error: 'RING_TIMEOUT' });
    } finally {
      await waiter.worker.terminate();
    }
    // A timed-out receive took nothing: the next message is still there for the next call.
    assert.ok(ring.trySend(new Uint8Array([5])));
    assert.equal(await ring.receive({ timeoutMs: 1_000 }), new Uint8Array([5]));
  });

  test(`${kind}: an AbortSignal ends a pending wait, before or during it`, async () => {
    const ring = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    await rejectsWith(ring.receive({ signal: AbortSignal.abort() }), 'RING_ABORTED');
    const controller = new AbortController();
    const pending = ring.receive({ signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await within(rejectsWith(pending, 'RING_ABORTED'), 5_000, 'aborted receive');
    const full = createRing(kind, { capacityBytes: 256, ...LONG_SLICE });
    fill(full);
    const sendAbort = new AbortController();
    const sending = full.send(new Uint8Array([9]), { signal: sendAbort.signal });
    setTimeout(() => sendAbort.abort(), 30);
    await within(rejectsWith(sending, 'RING_ABORTED'), 5_000, 'aborted send');
    // Nothing was lost or half-done by the aborted calls.
    assert.ok(ring.trySend(new Uint8Array([4])));
    assert.equal(await ring.receive(), new Uint8Array([4]));
  });
}

test('two concurrent receive() calls on one handle each get their own message', async () => {
  const ring = createRing('spsc', { capacityBytes: 256, ...LONG_SLICE });
  const a = ring.receive();
  const b = ring.receive();
  await new Promise((r) => setTimeout(r, 20));
  ring.trySend(new Uint8Array([1]));
  ring.trySend(new Uint8Array([2]));
  const got = (await within(Promise.all([a, b]), 5_000, 'both receives')).map((m) => m[0]).sort();
  assert.equal(got, [1, 2]);
});

test('a pending await receive() keeps the process alive until it ends (timeout or close)', () => {
  const script = new URL('./workers/lonely-receiver.ts', import.meta.url).pathname;
  for (const [kind, how, expected] of [
    ['spsc', 'timeout', 'RING_TIMEOUT'],
    ['mpmc', 'close', 'RING_CLOSED'],
  ] as const) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, kind, how], { encoding: 'utf8', timeout: 30_000 });
    assert.match(run.stdout, `RESULT ${expected}`, `${kind}/${how}: stdout ${JSON.stringify(run.stdout)} stderr ${run.stderr.slice(0, 300)}`);
  }
});

test.run();
