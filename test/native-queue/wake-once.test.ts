// A parked thread is notified once, not once per message published while it is waking up
// (native-queue/waiting.ts: the waker that wakes a sleeper takes its arm). Atomics.notify takes a
// process-wide lock and, on a busy VM, often hands the CPU to the woken thread, so a consumer
// that paid one per message while the producer's wake-up was in flight ran several times slower.
// The real Atomics.notify is called throughout; the test only counts the calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRing, type RingKind } from '../../native-queue/index.js';
import { BELL_ARMED, LINE_WORDS } from '../../native-queue/layout.js';
import { startWorker, within } from './helpers.js';

/**
 * Header line of the bell a blocked sender parks on (README.md, "Memory layout"): spsc line 4;
 * mpmc line 5; mpsc with the default 4 lanes: meta, consumer bell, one owner-table line, then
 * lane 0's write index, read index and producer bell, so line 5 (the worker takes lane 0).
 */
const SENDER_BELL_LINE: Record<RingKind, number> = { spsc: 4, mpsc: 5, mpmc: 5 };

/** Resolves once the sender has armed its bell, i.e. it is parked or about to park. */
async function senderArmed(buffer: SharedArrayBuffer, kind: RingKind): Promise<void> {
  const words = new Int32Array(buffer);
  const armed = SENDER_BELL_LINE[kind] * LINE_WORDS + BELL_ARMED;
  const deadline = Date.now() + 5_000;
  while (Atomics.load(words, armed) === 0) {
    if (Date.now() > deadline) throw new Error(`${kind}: the sender never armed its bell`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Park at once (no spin), and for long slices: the sender only moves when it is notified. */
const PARK_AT_ONCE = { capacityBytes: 256, spinMicros: 0, parkSliceMs: 10_000 };
const RECEIVES = 10;

function countingNotifies<T>(body: () => T): { result: T; notifies: number } {
  const original = Atomics.notify;
  let notifies = 0;
  Atomics.notify = ((typedArray: Int32Array, index: number, count?: number) => {
    notifies++;
    return original(typedArray, index, count);
  }) as typeof Atomics.notify;
  try {
    return { result: body(), notifies };
  } finally {
    Atomics.notify = original;
  }
}

for (const kind of ['spsc', 'mpsc', 'mpmc'] as RingKind[]) {
  test(`${kind}: a sender parked on a full ring is notified once while the receiver frees ${RECEIVES} messages`, async () => {
    const ring = createRing(kind, PARK_AT_ONCE);
    const sender = startWorker('waiter', { descriptor: ring.describe(), role: 'send' });
    try {
      assert.is(await within(sender.next(), 5_000, 'sender filling the ring'), 'waiting');
      await senderArmed(ring.describe().buffer, kind); // it arms at once (spinMicros 0), then parks
      const { result: received, notifies } = countingNotifies(() => {
        let n = 0;
        for (let i = 0; i < RECEIVES; i++) if (ring.tryReceive() !== undefined) n++;
        return n;
      });
      assert.is(received, RECEIVES, 'the ring was full, every receive finds a message');
      assert.is(notifies, 1, 'one notify wakes the parked sender; the receives after it find no raised arm');
      assert.equal(await within(sender.next(), 5_000, 'woken sender'), { sent: true });
    } finally {
      await sender.worker.terminate();
    }
  });

  test(`${kind}: receives with nobody parked notify nobody`, () => {
    const ring = createRing(kind, PARK_AT_ONCE);
    while (ring.trySend(new Uint8Array(8)));
    const { notifies } = countingNotifies(() => {
      while (ring.tryReceive() !== undefined);
    });
    assert.is(notifies, 0);
  });
}

test.run();
