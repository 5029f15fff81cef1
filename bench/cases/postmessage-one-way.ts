// Peer: postMessage one way, 64-byte Uint8Array per message (structured clone, one message per
// call: what "send each message with postMessage" costs). Two directions, because our cases have
// both shapes: main → worker (the producer-on-main SPSC cases) and worker → main (the case where
// the main thread consumes with `await receive()`).
import { MessageChannel, parentPort, type MessagePort } from 'node:worker_threads';
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { oneWayPlan, rateFigure, timeRounds } from '../harness/throughput.js';
import { nextFromMain, reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

/** Worker: counts data messages arriving on parentPort; says "done" when the announced total is reached. */
export function sinkRole(): void {
  const port = parentPort!;
  let received = 0;
  let until = Number.POSITIVE_INFINITY;
  let checksum = 0;
  port.on('message', (m: unknown) => {
    if (m instanceof Uint8Array) {
      checksum = (checksum + m[0]!) | 0; // touch the payload, as a real consumer would
      if (++received === until) port.postMessage({ done: received, checksum });
      return;
    }
    until = (m as { until: number }).until;
    if (received >= until) port.postMessage({ done: received, checksum });
  });
  port.postMessage({ ready: true });
}

/** Worker: on each request, posts `count` messages to the main thread through its port. */
export async function sourceRole(args: { port: MessagePort }): Promise<void> {
  const message = makeMessage(MESSAGE_BYTES);
  reply({ ready: true });
  for (;;) {
    const { count } = await nextFromMain<{ count: number }>();
    for (let i = 0; i < count; i++) args.port.postMessage(message);
  }
}

export const postMessageOneWay: BenchCase = {
  id: 'peer.postmessage.oneway',
  title: 'postMessage one way, 64 B',
  async run(ctx) {
    const plan = oneWayPlan(ctx);
    const message = makeMessage(MESSAGE_BYTES);

    const toWorker = await withThreads(async (threads) => {
      const sink = threads.start('postmessage-sink', import.meta.url, 'sinkRole', {});
      await sink.next();
      let total = 0;
      return timeRounds(plan, async (count) => {
        total += count;
        sink.post({ until: total });
        for (let i = 0; i < count; i++) sink.post(message);
        await sink.next();
      });
    });

    const toMain = await withThreads(async (threads) => {
      const { port1, port2 } = new MessageChannel();
      const source = threads.start('postmessage-source', import.meta.url, 'sourceRole', { port: port2 }, [port2]);
      await source.next();
      let received = 0;
      let until = 0;
      let onAll: (() => void) | undefined;
      let checksum = 0;
      port1.on('message', (m: Uint8Array) => {
        checksum = (checksum + m[0]!) | 0; // touch the payload, as a real consumer would
        if (++received === until) onAll?.();
      });
      try {
        return await timeRounds(plan, (count) => {
          until = received + count;
          const all = new Promise<void>((resolve) => (onAll = resolve));
          source.post({ count });
          return all;
        });
      } finally {
        port1.close();
      }
    });

    return [
      rateFigure('peer.postmessage.oneway.mainToWorker', 'postMessage main → worker', plan.count, toWorker),
      rateFigure('peer.postmessage.oneway.workerToMain', 'postMessage worker → main', plan.count, toMain),
    ];
  },
};
