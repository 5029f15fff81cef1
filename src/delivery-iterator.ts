// `for await (const delivery of channel)` — and of a Subscription — share these rules:
// - the loop ends quietly when the channel or subscription closes (after draining);
// - a delivery the loop body left unsettled is acked when the loop asks for the next one
//   (the body finished without throwing, so the message was handled);
// - leaving the loop early (break, return or a throw) nacks an unsettled delivery with requeue,
//   so a message is never lost because its consumer stopped. If that nack fails for any reason
//   but the channel having closed (close gives unsettled deliveries back by itself), the failure
//   reaches the code that left the loop: for-await awaits return().
import type { Delivery } from './channel.js';
import { isChannelError } from './errors.js';

export function deliveryIterator(
  next: () => Promise<Delivery>,
  onStop: () => Promise<void> = async () => {},
): AsyncIterableIterator<Delivery> {
  let current: Delivery | undefined;
  let done = false;

  const settleCurrent = async (how: 'ack' | 'requeue') => {
    const d = current;
    current = undefined;
    if (!d || d.settlement !== undefined) return;
    if (how === 'ack') {
      await d.ack();
      return;
    }
    try {
      await d.nack({ requeue: true });
    } catch (err) {
      if (!isChannelError(err, 'ChannelClosed')) throw err;
    }
  };

  const finish = async (): Promise<IteratorResult<Delivery>> => {
    if (!done) {
      done = true;
      try {
        await settleCurrent('requeue');
      } finally {
        await onStop();
      }
    }
    return { done: true, value: undefined };
  };

  return {
    async next() {
      if (done) return { done: true, value: undefined };
      await settleCurrent('ack');
      try {
        current = await next();
        return { done: false, value: current };
      } catch (err) {
        if (isChannelError(err, 'ChannelClosed')) return finish();
        throw err;
      }
    },
    return: finish,
    async throw(err?: unknown) {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
