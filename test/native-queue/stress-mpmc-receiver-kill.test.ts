// MPMC with receivers terminated mid-flight: `worker.terminate()` can stop a receiver between
// claiming a run (readClaim moved past it) and marking its records consumed, or inside the
// release step; either used to hold back the release of all space after it forever (producers
// found the ring full). Survivors must adopt such records, or finish such a release, after
// abandonAfterMs, so every message is delivered at least once, intact; a message the victim
// visited but never marked may be delivered twice (at most one run, 32 messages, per victim). Closing the ring is the marker: survivors end with RING_CLOSED only
// once nothing claimed is left unfinished, so a stall makes them time out instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRing } from '../../native-queue/index.js';
import { STRESS_HEADER_BYTES } from './workers/stress-message.js';
import { makeTallies, startWorker, within, type ConsumerReport, type TestWorker } from './helpers.js';

const VICTIMS = 6;
const RUN_MESSAGES = 32; // most records one receiver claims at once (native-queue/mpmc-records.ts)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(`${VICTIMS} receivers terminated mid-flight stall nobody; every message arrives intact at least once`, async () => {
  const ring = createRing('mpmc', { capacityBytes: 2048, maxProducers: 2, spinMicros: 10, abandonAfterMs: 300 });
  const maxPayload = ring.maxMessageBytes - STRESS_HEADER_BYTES;
  const counts = [1_000_000, 1_000_000]; // enough to outlast the victims' start-ups
  const tallies = makeTallies(counts);
  const progress = new SharedArrayBuffer(4 * counts.length);
  const descriptor = ring.describe();
  const all: TestWorker[] = [];
  const consumer = (mode: 'drain' | 'view' | 'receive', taken?: SharedArrayBuffer) => {
    // Victims (the ones with `taken`) take records by view only: see viewsOnly in stress-consumer.ts.
    const worker = startWorker('stress-consumer', { descriptor, producers: counts.length, maxPayload, tallies, strictOrder: false, anyOrder: true, mode, progress: taken, viewsOnly: taken !== undefined });
    all.push(worker);
    return worker;
  };
  try {
    const survivors = [consumer('receive'), consumer('drain')];
    const producers = counts.map((count, producer) => {
      const worker = startWorker('stress-producer', { descriptor, producer, count, maxPayload, mode: producer === 0 ? 'sync' : 'batch', progress });
      all.push(worker);
      return worker;
    });
    // Victims one after another, each killed wherever it is after 1–15 ms of receiving.
    for (let v = 0; v < VICTIMS; v++) {
      const taken = new SharedArrayBuffer(4);
      const victim = consumer(v % 2 === 0 ? 'view' : 'drain', taken);
      const started = Date.now();
      while (Atomics.load(new Int32Array(taken), 0) === 0 && Date.now() - started < 30_000) await sleep(1);
      assert.ok(Atomics.load(new Int32Array(taken), 0) > 0, `victim ${v} received something before it was killed (a stalled ring gives it nothing)`);
      await sleep(1 + Math.random() * 14);
      await victim.worker.terminate();
    }
    await within(Promise.all(producers.map((p) => p.next())), 60_000, 'producers (a stalled ring keeps them waiting)');
    ring.close();
    const reports = await within(Promise.all(survivors.map((c) => c.next<ConsumerReport>())), 60_000, 'surviving receivers');
    assert.equal(reports.flatMap((r) => r.problems), [], 'every message intact');
    let duplicates = 0;
    for (let p = 0; p < counts.length; p++) {
      const tally = new Uint8Array(tallies[p] as SharedArrayBuffer);
      for (let seq = 0; seq < tally.length; seq++) {
        assert.ok((tally[seq] as number) >= 1, `producer ${p}: message ${seq} never delivered`);
        duplicates += (tally[seq] as number) - 1;
      }
    }
    assert.ok(duplicates <= VICTIMS * RUN_MESSAGES, `${duplicates} duplicates: at most one run per victim`);
  } finally {
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
});

test.run();
