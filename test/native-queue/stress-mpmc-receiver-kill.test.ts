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
import { requireHits } from '../support/kill-hits.js';
import { STRESS_HEADER_BYTES } from './workers/stress-message.js';
import { makeTallies, startWorker, totalRecovery, within, type ConsumerReport, type TestWorker } from './helpers.js';

const VICTIMS = 6;
const RUN_MESSAGES = 32; // most records one receiver claims at once (native-queue/mpmc-records.ts)
/**
 * The window: a victim killed holding records (adopted by a survivor) or inside a release step
 * (taken over by one), as the survivors' handles count it (recordsAdopted, releasesTakenOver;
 * they keep them in shared memory as they go, so each victim's hit is seen). Measured on this
 * 2-core machine (busy with other work), victims whose kill left something to recover: 0 in 12
 * when a victim only checked each view (it held one for a microsecond, and napped 1 ms whenever
 * the others had taken everything first); 2 in 6 holding each view 1 ms; 8 in 12 at 5 ms; 12 in
 * 12 at 10 ms (all adoptions: a release step is over in a few stores). 10 ms is far below
 * abandonAfterMs (300), so no survivor adopts from a live victim. At p = 0.8 per victim, fewer
 * than 4 in 6 + 6 victims happens 1 run in 15 000, and the extra runs (about 10 s each) are
 * needed in 1 run in 10.
 */
const HOLD_MICROS = 10_000;
const HIT_MIN = 4;
/** Extra runs at most (EXTRA_VICTIMS victims each, on shorter producers). */
const MAX_EXTRA = 2;
const EXTRA_VICTIMS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Victims whose kill the survivors recovered from (records adopted or a release taken over), and the totals. */
const hits = { victims: 0, adopted: 0, takenOver: 0 };

/** `victims` receivers killed one after another while two producers send `perProducer` messages each. */
async function run(victims: number, perProducer: number, where: string): Promise<void> {
  const ring = createRing('mpmc', { capacityBytes: 2048, maxProducers: 2, spinMicros: 10, abandonAfterMs: 300 });
  const maxPayload = ring.maxMessageBytes - STRESS_HEADER_BYTES;
  const counts = [perProducer, perProducer]; // enough to outlast the victims' start-ups
  const tallies = makeTallies(counts);
  const progress = new SharedArrayBuffer(4 * counts.length);
  const descriptor = ring.describe();
  const all: TestWorker[] = [];
  const consumer = (mode: 'drain' | 'view' | 'receive', taken?: SharedArrayBuffer, recoveryOut?: SharedArrayBuffer) => {
    // Victims (the ones with `taken`) take records by view only: see viewsOnly in stress-consumer.ts.
    const worker = startWorker('stress-consumer', { descriptor, producers: counts.length, maxPayload, tallies, strictOrder: false, anyOrder: true, mode, progress: taken, viewsOnly: taken !== undefined, holdMicros: HOLD_MICROS, recoveryOut });
    all.push(worker);
    return worker;
  };
  try {
    // The survivors keep their recovery counters in `live` as they go, so each victim's hit is seen.
    const live = [new SharedArrayBuffer(12), new SharedArrayBuffer(12)];
    const survivors = [consumer('receive', undefined, live[0]), consumer('drain', undefined, live[1])];
    const recovered = () => live.reduce((sum, b) => sum + Atomics.load(new Int32Array(b), 1) + Atomics.load(new Int32Array(b), 2), 0);
    const producers = counts.map((count, producer) => {
      const worker = startWorker('stress-producer', { descriptor, producer, count, maxPayload, mode: producer === 0 ? 'sync' : 'batch', progress });
      all.push(worker);
      return worker;
    });
    // Victims one after another, each killed wherever it is after 1–15 ms of receiving (holding
    // each view HOLD_MICROS, as a consumer at work on it). What the
    // survivors recovered between two kills is the earlier victim's doing (the next victim takes
    // far longer than abandonAfterMs to start); the last one's is read from the final reports.
    let seen = 0;
    for (let v = 0; v < victims; v++) {
      const taken = new SharedArrayBuffer(4);
      const victim = consumer(v % 2 === 0 ? 'view' : 'drain', taken);
      const started = Date.now();
      while (Atomics.load(new Int32Array(taken), 0) === 0 && Date.now() - started < 30_000) await sleep(1);
      assert.ok(Atomics.load(new Int32Array(taken), 0) > 0, `${where}: victim ${v} received something before it was killed (a stalled ring gives it nothing)`);
      if (v > 0 && recovered() > seen) hits.victims++;
      seen = recovered();
      await sleep(1 + Math.random() * 14);
      await victim.worker.terminate();
    }
    await within(Promise.all(producers.map((p) => p.next())), 60_000, `${where}: producers (a stalled ring keeps them waiting)`);
    ring.close();
    const reports = await within(Promise.all(survivors.map((c) => c.next<ConsumerReport>())), 60_000, `${where}: surviving receivers`);
    const recovery = totalRecovery(reports);
    if (recovery.recordsAdopted + recovery.releasesTakenOver > seen) hits.victims++;
    hits.adopted += recovery.recordsAdopted;
    hits.takenOver += recovery.releasesTakenOver;
    assert.equal(reports.flatMap((r) => r.problems), [], `${where}: every message intact`);
    let duplicates = 0;
    for (let p = 0; p < counts.length; p++) {
      const tally = new Uint8Array(tallies[p] as SharedArrayBuffer);
      for (let seq = 0; seq < tally.length; seq++) {
        assert.ok((tally[seq] as number) >= 1, `${where}: producer ${p}: message ${seq} never delivered`);
        duplicates += (tally[seq] as number) - 1;
      }
    }
    assert.ok(duplicates <= victims * RUN_MESSAGES, `${where}: ${duplicates} duplicates: at most one run per victim`);
    // Each victim held one run at most (a wrap marker may end it) and was in one release step at most.
    assert.ok(recovery.recordsAdopted <= victims * RUN_MESSAGES, `${where}: ${recovery.recordsAdopted} records adopted: more than one run per victim`);
    assert.ok(recovery.releasesTakenOver <= victims, `${where}: ${recovery.releasesTakenOver} release steps taken over: more than one per victim`);
    assert.is(recovery.claimsAbandoned, 0, `${where}: no producer died, no claim abandoned`);
  } finally {
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

test(`${VICTIMS} receivers terminated mid-flight stall nobody; every message arrives intact at least once`, () =>
  run(VICTIMS, 1_000_000, 'the run'));

test(`the kills hit the window: at least ${HIT_MIN} victims left records to adopt or a release to take over (extra runs of ${EXTRA_VICTIMS} victims while fewer, at most ${MAX_EXTRA})`, () =>
  requireHits(
    'stress-mpmc-receiver-kill',
    `${VICTIMS} victims in one run`,
    [
      { what: 'victims recovered from (records adopted or a release taken over)', minimum: HIT_MIN, count: () => hits.victims },
      { what: 'records adopted (reported)', minimum: 0, count: () => hits.adopted },
      { what: 'release steps taken over (reported)', minimum: 0, count: () => hits.takenOver },
    ],
    MAX_EXTRA,
    (extra) => run(EXTRA_VICTIMS, 400_000, `extra run ${extra}`),
  ));

test.run();
