// Peer (the floor): a round trip on one shared Int32 between two busy-spinning worker threads.
// The initiator writes an odd "ping" number and spins until the echo writes ping+1. Nothing can
// hand a message back and forth faster between two JS threads; it also shows the clock's cost,
// since each sample includes two performance.now() calls (~60 ns here).
import { withThreads } from '../harness/threads.js';
import { SPINNING_ROUND_TRIPS, latencyFigures, roundTripPlan, sampleSync, type RoundTripPlan, type RoundTripResult } from '../harness/round-trip.js';
import { reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

const STOP = -1;

export function echoRole(args: { sab: SharedArrayBuffer }): void {
  const word = new Int32Array(args.sab);
  reply({ ready: true });
  for (let expected = 1; ; expected += 2) {
    for (;;) {
      const seen = Atomics.load(word, 0);
      if (seen === expected) break;
      if (seen === STOP) return;
    }
    Atomics.store(word, 0, expected + 1);
  }
}

export function initiatorRole(args: { sab: SharedArrayBuffer; plan: RoundTripPlan }): void {
  const word = new Int32Array(args.sab);
  let ping = 1;
  const result = sampleSync(args.plan, () => {
    Atomics.store(word, 0, ping);
    const pong = ping + 1;
    while (Atomics.load(word, 0) !== pong);
    ping += 2;
  });
  Atomics.store(word, 0, STOP);
  reply(result);
}

export const spinRoundTrip: BenchCase = {
  id: 'peer.spin.rtt',
  title: 'raw spin round trip on one shared Int32 (the floor)',
  async run(ctx) {
    const plan = roundTripPlan(ctx, SPINNING_ROUND_TRIPS);
    const sab = new SharedArrayBuffer(4);
    const result = await withThreads(async (threads) => {
      const echo = threads.start('spin-echo', import.meta.url, 'echoRole', { sab });
      await echo.next();
      return threads.start('spin-initiator', import.meta.url, 'initiatorRole', { sab, plan }).next<RoundTripResult>();
    });
    return latencyFigures('peer.spin.rtt', 'spin round trip (floor)', result);
  },
};
