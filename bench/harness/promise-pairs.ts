// "send + receive through promises on one thread", the same loop for every queue measured:
// `await send(m)` then `await receive()`, `count` times per round; pairs/s is the figure.
import { MESSAGE_BYTES, makeMessage } from './measure.js';
import { rateFigure, timeRounds } from './throughput.js';
import type { Figure, RunContext } from './types.js';

export interface PromiseQueue {
  send(message: Uint8Array): Promise<unknown>;
  receive(): Promise<Uint8Array>;
}

export async function measurePromisePairs(ctx: RunContext, id: string, label: string, queue: PromiseQueue): Promise<Figure> {
  const plan = { warmupCount: ctx.size(10_000, 500), count: ctx.size(100_000, 2_000), rounds: ctx.size(2, 1) };
  const message = makeMessage(MESSAGE_BYTES);
  let checksum = 0;
  const seconds = await timeRounds(plan, async (count) => {
    for (let i = 0; i < count; i++) {
      await queue.send(message);
      const got = await queue.receive();
      checksum = (checksum + got[0]!) | 0;
    }
  });
  return rateFigure(id, label, plan.count, seconds, 'pair/s');
}
