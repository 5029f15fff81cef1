// Peer: a raw Atomics.wait / Atomics.notify round trip between two worker threads that both park.
// One shared word: 0 = answered, 1 = ping, -1 = stop. The initiator writes 1, notifies, and waits
// while it is still 1; the echo waits while it is 0, writes 0 and notifies. Both sides notify
// every time (no sleep flags): the plain futex hand-off our parked ring round trip is held to.
import { withThreads } from '../harness/threads.js';
import { PARKING_ROUND_TRIPS, latencyFigures, roundTripPlan, sampleSync, type RoundTripPlan, type RoundTripResult } from '../harness/round-trip.js';
import { reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

const ANSWERED = 0;
const PING = 1;
const STOP = -1;
/** Every wait is bounded, so a lost wake-up shows up as a slow sample instead of a hang. */
const WAIT_SLICE_MS = 1_000;

export function echoRole(args: { sab: SharedArrayBuffer }): void {
  const word = new Int32Array(args.sab);
  reply({ ready: true });
  for (;;) {
    let seen: number;
    while ((seen = Atomics.load(word, 0)) === ANSWERED) Atomics.wait(word, 0, ANSWERED, WAIT_SLICE_MS);
    if (seen === STOP) return;
    Atomics.store(word, 0, ANSWERED);
    Atomics.notify(word, 0);
  }
}

export function initiatorRole(args: { sab: SharedArrayBuffer; plan: RoundTripPlan }): void {
  const word = new Int32Array(args.sab);
  const result = sampleSync(args.plan, () => {
    Atomics.store(word, 0, PING);
    Atomics.notify(word, 0);
    while (Atomics.load(word, 0) === PING) Atomics.wait(word, 0, PING, WAIT_SLICE_MS);
  });
  Atomics.store(word, 0, STOP);
  Atomics.notify(word, 0);
  reply(result);
}

export const waitNotifyRoundTrip: BenchCase = {
  id: 'peer.waitnotify.rtt',
  title: 'raw Atomics.wait/notify round trip (both threads park)',
  async run(ctx) {
    const plan = roundTripPlan(ctx, PARKING_ROUND_TRIPS);
    const sab = new SharedArrayBuffer(4);
    const result = await withThreads(async (threads) => {
      const echo = threads.start('waitnotify-echo', import.meta.url, 'echoRole', { sab });
      await echo.next();
      return threads.start('waitnotify-initiator', import.meta.url, 'initiatorRole', { sab, plan }).next<RoundTripResult>();
    });
    return latencyFigures('peer.waitnotify.rtt', 'wait/notify round trip', result);
  },
};
