// Runs one stress scenario with real worker threads: producers send checksummed messages of
// random sizes, consumers check each one, and the main thread closes the ring once every
// producer is done, then checks the tallies: every message delivered exactly once, in order.
import * as assert from 'uvu/assert';
import { createRing, type Ring, type RingKind } from '../../native-queue/index.js';
import { STRESS_HEADER_BYTES } from './workers/stress-message.js';
import { checkTally, makeTallies, startWorker, totalRecovery, within, type ConsumerReport, type Recovery, type TestWorker } from './helpers.js';

export interface StressPlan {
  kind: RingKind;
  capacityBytes: number;
  maxProducers?: number;
  producers: { count: number; mode: 'sync' | 'batch' | 'reserve' | 'reserve-in-place' }[];
  consumers: ('drain' | 'view' | 'receive')[];
  /** Terminate this producer once it has sent `afterMessages` (hangInClaim: once it is stuck in the claim of message `afterMessages`), then check the survivors. */
  victim?: { producer: number; afterMessages: number; hangInClaim?: boolean };
  /** mpsc + victim: reclaim the victim's lane and start one more producer with this many messages. */
  replacementCount?: number;
  /** mpmc: the ring's abandonAfterMs (how soon a dead producer's unfinished claim is skipped). */
  abandonAfterMs?: number;
  timeoutMs: number;
}

/** `delivered`: messages the consumers got; `recovery`: what their handles recovered (mpmc), added up. */
export async function runStress(plan: StressPlan): Promise<{ delivered: number; recovery: Recovery }> {
  const ring: Ring = createRing(plan.kind, {
    capacityBytes: plan.capacityBytes,
    maxProducers: plan.maxProducers ?? plan.producers.length,
    spinMicros: 10,
    ...(plan.abandonAfterMs === undefined ? {} : { abandonAfterMs: plan.abandonAfterMs }),
  });
  const maxPayload = ring.maxMessageBytes - STRESS_HEADER_BYTES;
  const counts = plan.producers.map((p) => p.count);
  if (plan.replacementCount !== undefined) counts.push(plan.replacementCount);
  const tallies = makeTallies(counts);
  const progressBuffer = new SharedArrayBuffer(4 * counts.length);
  const progress = new Int32Array(progressBuffer);
  const lanesBuffer = new SharedArrayBuffer(4 * counts.length);
  /** Set by a hangInClaim victim once it is stuck inside its claim. */
  const inClaim = new SharedArrayBuffer(4);
  const descriptor = ring.describe();
  const all: TestWorker[] = [];
  const startProducer = (producer: number, count: number, mode: string) => {
    const hangAt = plan.victim?.producer === producer && plan.victim.hangInClaim ? plan.victim.afterMessages : undefined;
    const worker = startWorker('stress-producer', { descriptor, producer, count, maxPayload, mode, hangAt, inClaim: hangAt === undefined ? undefined : inClaim, progress: progressBuffer, lanes: lanesBuffer });
    all.push(worker);
    return worker;
  };
  try {
    const consumers = plan.consumers.map((mode) => {
      const worker = startWorker('stress-consumer', {
        descriptor,
        producers: counts.length,
        maxPayload,
        tallies,
        strictOrder: plan.kind !== 'mpmc',
        mode,
      });
      all.push(worker);
      return worker;
    });
    const producers = plan.producers.map((p, i) => startProducer(i, p.count, p.mode));
    const finished: Promise<unknown>[] = [];
    let victimSent = -1;
    for (let i = 0; i < producers.length; i++) {
      const producer = producers[i] as TestWorker;
      if (plan.victim?.producer !== i) {
        finished.push(producer.next());
        continue;
      }
      const { afterMessages } = plan.victim;
      // A victim that fails (or exits) before it gets there must end this wait, not leave it
      // polling for ever: that kept the process alive after the failure was reported.
      let gone: unknown;
      producer.exited.then((code) => (gone ??= new Error(`the victim exited (code ${code}) after ${Atomics.load(progress, i)} of ${afterMessages} messages`)));
      producer.next().then(
        () => (gone ??= new Error('the victim finished before it was killed')),
        (err: unknown) => (gone ??= err),
      );
      finished.push(
        (async () => {
          // A hangInClaim victim is killed once it is stuck in its claim, not while it still
          // waits for room to reserve it (which left no claim behind, 1 trial in 22).
          const there = () => (plan.victim?.hangInClaim ? Atomics.load(new Int32Array(inClaim), 0) === 1 : Atomics.load(progress, i) >= afterMessages);
          const until = Date.now() + plan.timeoutMs;
          while (!there()) {
            if (gone !== undefined) throw gone;
            if (Date.now() > until) throw new Error(`the victim never got to message ${afterMessages}${plan.victim?.hangInClaim ? "'s claim" : ''}`);
            await new Promise((r) => setTimeout(r, 2));
          }
          // Terminated in the middle of its send loop: possibly half-way through a record.
          await producer.worker.terminate();
          victimSent = Atomics.load(progress, i);
          if (plan.replacementCount !== undefined) {
            const lane = Atomics.load(new Int32Array(lanesBuffer), i);
            (ring as unknown as { reclaimLane(lane: number): void }).reclaimLane(lane);
            await startProducer(counts.length - 1, plan.replacementCount, 'sync').next();
          }
        })(),
      );
    }
    await within(Promise.all(finished), plan.timeoutMs, `${plan.kind} producers`);
    ring.close();
    const reports = await within(Promise.all(consumers.map((c) => c.next<ConsumerReport>())), plan.timeoutMs, `${plan.kind} consumers`);
    const problems = reports.flatMap((r) => r.problems);
    // With what the consumers recovered: a corrupt message after an abandoned claim of a thread
    // that was only slow (descheduled past abandonAfterMs) is the ring's documented residual risk.
    assert.equal(problems, [], `every message intact and in order (the consumers' recovery: ${JSON.stringify(totalRecovery(reports))})`);
    let delivered = 0;
    for (let p = 0; p < counts.length; p++) {
      const got = reports.reduce((sum, r) => sum + (r.received[p] as number), 0);
      delivered += got;
      if (p === plan.victim?.producer) {
        // The message in flight when it died may or may not have been published.
        assert.ok(got === victimSent || got === victimSent + 1, `victim: ${got} delivered, ${victimSent} counted as sent`);
        assert.ok(got < (counts[p] as number), 'the victim was stopped mid-flight');
      } else {
        assert.is(got, counts[p], `producer ${p}: all of its messages`);
      }
      assert.is(checkTally(tallies[p] as SharedArrayBuffer, got, p), undefined);
    }
    return { delivered, recovery: totalRecovery(reports) };
  } finally {
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}
