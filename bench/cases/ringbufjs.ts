// Peer: ringbuf.js (npm), its wait-free SPSC RingBuffer of bytes over a SharedArrayBuffer, used as
// its README intends for messages: fixed 64-byte records pushed and popped one at a time, both
// sides busy-polling. It has no framing, so the producer only pushes when a whole record fits
// (otherwise push() would write part of one). Same shape as our SPSC one-way cases: main thread
// produces, a worker consumes and copies each record out; same data region size (64 KiB), same
// counts and warm-up (oneWayPlan).
import { RingBuffer } from 'ringbuf.js';
import { StallGuard } from '../harness/stall.js';
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import { nextFromMain, reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

export const DATA_REGION_BYTES = 64 * 1024;

export async function consumerRole(args: { sab: SharedArrayBuffer }): Promise<void> {
  const ring = new RingBuffer(args.sab, Uint8Array);
  const record = new Uint8Array(MESSAGE_BYTES);
  let received = 0;
  let checksum = 0;
  reply({ ready: true });
  for (;;) {
    const { until } = await nextFromMain<{ until: number }>();
    while (received < until) {
      if (ring.pop(record, MESSAGE_BYTES) === MESSAGE_BYTES) {
        checksum = (checksum + record[0]!) | 0;
        received++;
      }
    }
    reply({ done: received, checksum });
  }
}

export const ringbufJs: BenchCase = {
  id: 'peer.ringbufjs',
  title: 'ringbuf.js SPSC one way, 64 B, busy polling',
  async run(ctx) {
    const plan = oneWayPlan(ctx);
    const message = makeMessage(MESSAGE_BYTES);
    const sab = RingBuffer.getStorageForCapacity(DATA_REGION_BYTES, Uint8Array);
    const ring = new RingBuffer(sab, Uint8Array);
    const seconds = await withThreads(async (threads) => {
      const consumer = threads.start('ringbufjs-consumer', import.meta.url, 'consumerRole', { sab });
      await consumer.next();
      let total = 0;
      const guard = new StallGuard('ringbuf.js push on a full ring');
      return timeRounds(plan, async (count) => {
        total += count;
        consumer.post({ until: total });
        for (let sent = 0; sent < count; ) {
          if (ring.availableWrite() >= MESSAGE_BYTES) {
            ring.push(message, MESSAGE_BYTES);
            sent++;
            guard.progress();
          } else guard.idle();
        }
        await consumer.next();
      });
    });
    return [rateFigure('peer.ringbufjs.64b', 'ringbuf.js SPSC main → worker', plan.count, seconds)];
  },
};
