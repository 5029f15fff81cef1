// Issue 13: the pool's per-task overhead beside a bare ring round trip. One task at a time:
// `await pool.run(64 B)` (echo) against the bare path underneath it — main thread → worker over
// one SPSC ring, back over another, the main thread awaiting ring.receive(), the worker in
// receiveSync/sendSync — timed the same way (sampleAsync). The difference is what the pool adds
// per task: its frame, its channel envelope both ways, the bookkeeping and the promise.
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { latencyFigures, roundTripPlan, sampleAsync, type RoundTripPlan } from '../harness/round-trip.js';
import { isRingError, loadRings, type RingDescriptor } from '../harness/subjects.js';
import { reply } from '../harness/worker-side.js';
import type { BenchCase, Figure } from '../harness/types.js';
import { Pool } from '../../src/pool/index.js';

const PLAN: RoundTripPlan = { warmupSamples: 500, maxSamples: 10_000, maxMs: 1500 };
const ECHO = new URL('../workers/pool-echo-task.ts', import.meta.url);

export async function ringEchoRole(args: { ping: RingDescriptor; pong: RingDescriptor }): Promise<void> {
  const { attachRing } = await loadRings();
  const ping = attachRing(args.ping);
  const pong = attachRing(args.pong);
  reply({ ready: true });
  for (;;) {
    let message: Uint8Array;
    try {
      message = ping.receiveSync(10_000);
    } catch (error) {
      if (isRingError(error, 'RING_CLOSED')) return;
      if (isRingError(error, 'RING_TIMEOUT')) continue;
      throw error;
    }
    pong.sendSync(message, 10_000);
  }
}

export const poolRoundTrip: BenchCase = {
  id: 'pool.rtt',
  title: 'one task at a time: await pool.run() vs a bare ring round trip',
  async run(ctx) {
    const plan = roundTripPlan(ctx, PLAN);
    const message = makeMessage(MESSAGE_BYTES);
    const figures: Figure[] = [];
    const { createRing } = await loadRings();
    await withThreads(async (threads) => {
      const ping = createRing('spsc', { capacityBytes: 1 << 16 });
      const pong = createRing('spsc', { capacityBytes: 1 << 16 });
      const echo = threads.start('ring-echo', import.meta.url, 'ringEchoRole', { ping: ping.describe(), pong: pong.describe() });
      await echo.next();
      const result = await sampleAsync(plan, async () => {
        await ping.send(message);
        await pong.receive();
      });
      figures.push(...latencyFigures('pool.peer.ringRtt', 'bare SPSC ring round trip main ↔ worker', result));
      ping.close();
    });
    const pool = new Pool<Uint8Array, Uint8Array>({ filename: ECHO, minThreads: 1, maxThreads: 1 });
    try {
      await pool.run(message);
      figures.push(...latencyFigures('pool.rtt', 'await pool.run(64 B), one at a time', await sampleAsync(plan, () => pool.run(message))));
    } finally {
      await pool.destroy();
    }
    return figures;
  },
};
