// Peer: postMessage round trip between two worker threads over a MessageChannel, 64 B each way.
// The initiator awaits the echo (the natural request/response shape) and times each round trip.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { withThreads } from '../harness/threads.js';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { latencyFigures, roundTripPlan, sampleAsync, type RoundTripPlan, type RoundTripResult } from '../harness/round-trip.js';
import { reply } from '../harness/worker-side.js';
import type { BenchCase } from '../harness/types.js';

export function echoRole(args: { port: MessagePort }): void {
  args.port.on('message', (m: Uint8Array) => args.port.postMessage(m));
  reply({ ready: true });
}

export async function initiatorRole(args: { port: MessagePort; plan: RoundTripPlan }): Promise<void> {
  const message = makeMessage(MESSAGE_BYTES);
  let answered: (() => void) | undefined;
  args.port.on('message', () => answered?.());
  const result = await sampleAsync(args.plan, () => {
    const back = new Promise<void>((resolve) => (answered = resolve));
    args.port.postMessage(message);
    return back;
  });
  args.port.close();
  reply(result);
}

export const postMessageRoundTrip: BenchCase = {
  id: 'peer.postmessage.rtt',
  title: 'postMessage round trip, 64 B',
  async run(ctx) {
    const plan = roundTripPlan(ctx, { warmupSamples: 1_000, maxSamples: 10_000, maxMs: 700 });
    const result = await withThreads(async (threads) => {
      const { port1, port2 } = new MessageChannel();
      const echo = threads.start('postmessage-echo', import.meta.url, 'echoRole', { port: port2 }, [port2]);
      await echo.next();
      const initiator = threads.start('postmessage-initiator', import.meta.url, 'initiatorRole', { port: port1, plan }, [port1]);
      return initiator.next<RoundTripResult>();
    });
    return latencyFigures('peer.postmessage.rtt', 'postMessage round trip', result);
  },
};
