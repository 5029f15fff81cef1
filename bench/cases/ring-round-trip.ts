// Ours: round trips over two SPSC rings (ping A→B, pong B→A) between two worker threads, 64 B,
// timed per sample by the initiator exactly like the spin and wait/notify peers (sampleSync).
//  - hot: both threads spin on trySend / tryReceiveView — compare with the spin floor;
//  - parked: both use sendSync / receiveSync on rings made with spinMicros = 0, so each side
//    parks (Atomics.wait) at once and is woken by the other's notify — compare with the raw
//    wait/notify round trip, where both threads park too.
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { PARKING_ROUND_TRIPS, SPINNING_ROUND_TRIPS, latencyFigures, roundTripPlan, sampleSync, type RoundTripPlan, type RoundTripResult } from '../harness/round-trip.js';
import { isRingError, loadRings, type RingDescriptor } from '../harness/subjects.js';
import { reply } from '../harness/worker-side.js';
import type { BenchCase, Figure } from '../harness/types.js';

type Mode = 'hot' | 'parked';
const BLOCKING_TIMEOUT_MS = 10_000;

interface Pair {
  ping: RingDescriptor;
  pong: RingDescriptor;
}

export async function echoRole(args: Pair & { mode: Mode }): Promise<void> {
  const { attachRing } = await loadRings();
  const ping = attachRing(args.ping);
  const pong = attachRing(args.pong);
  reply({ ready: true });
  if (args.mode === 'hot') {
    for (;;) {
      const view = ping.tryReceiveView();
      if (view === undefined) {
        if (ping.closed) return;
        continue;
      }
      while (!pong.trySend(view));
    }
  }
  for (;;) {
    let message: Uint8Array;
    try {
      message = ping.receiveSync(BLOCKING_TIMEOUT_MS);
    } catch (error) {
      if (isRingError(error, 'RING_CLOSED')) return;
      throw error;
    }
    pong.sendSync(message, BLOCKING_TIMEOUT_MS);
  }
}

export async function initiatorRole(args: Pair & { mode: Mode; plan: RoundTripPlan }): Promise<void> {
  const { attachRing } = await loadRings();
  const ping = attachRing(args.ping);
  const pong = attachRing(args.pong);
  const message = makeMessage(MESSAGE_BYTES);
  const result =
    args.mode === 'hot'
      ? sampleSync(args.plan, () => {
          while (!ping.trySend(message));
          while (pong.tryReceiveView() === undefined);
        })
      : sampleSync(args.plan, () => {
          ping.sendSync(message, BLOCKING_TIMEOUT_MS);
          pong.receiveSync(BLOCKING_TIMEOUT_MS);
        });
  ping.close();
  reply(result);
}

async function measure(mode: Mode, plan: RoundTripPlan): Promise<Figure[]> {
  const { createRing } = await loadRings();
  const spinMicros = mode === 'parked' ? 0 : undefined;
  const ping = createRing('spsc', { capacityBytes: 64 * 1024, ...(spinMicros === undefined ? {} : { spinMicros }) });
  const pong = createRing('spsc', { capacityBytes: 64 * 1024, ...(spinMicros === undefined ? {} : { spinMicros }) });
  const pair: Pair = { ping: ping.describe(), pong: pong.describe() };
  const result = await withThreads(async (threads) => {
    const echo = threads.start(`ring-echo-${mode}`, import.meta.url, 'echoRole', { ...pair, mode });
    await echo.next();
    return threads.start(`ring-initiator-${mode}`, import.meta.url, 'initiatorRole', { ...pair, mode, plan }).next<RoundTripResult>();
  });
  pong.close();
  const label = mode === 'hot' ? 'ring round trip, both spinning' : 'ring round trip, both parked';
  return latencyFigures(`ring.rtt.${mode}`, label, result);
}

export const ringRoundTrip: BenchCase = {
  id: 'ring.rtt',
  title: 'our SPSC rings, round trip hot and parked, 64 B',
  async run(ctx) {
    // The same plans as the peers they are compared with (spin floor, raw wait/notify).
    const hot = await measure('hot', roundTripPlan(ctx, SPINNING_ROUND_TRIPS));
    const parked = await measure('parked', roundTripPlan(ctx, PARKING_ROUND_TRIPS));
    return [...hot, ...parked];
  },
};
