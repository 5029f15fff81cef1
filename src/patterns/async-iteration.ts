// Payloads as an async iterator: `for await (const bytes of payloads(channel))`. A delivery is
// acked when the loop asks for the next one (its body ran without throwing); leaving the loop
// early (break, return, throw) nacks the one in hand, so it is redelivered. The loop ends when
// the channel is closed and drained, or when `signal` aborts.
import type { Delivery } from '../channel.js';
import { isChannelError } from '../errors.js';
import { nextDeliveryOf, type DeliverySource } from './delivery-source.js';

export async function* payloads(source: DeliverySource, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const next = nextDeliveryOf(source, 'payloads()');
  let inHand: Delivery | undefined;
  try {
    for (;;) {
      let delivery: Delivery;
      try {
        delivery = await next({ signal: options.signal });
      } catch (err) {
        if (isChannelError(err, 'ChannelClosed') || isChannelError(err, 'Aborted')) return;
        throw err;
      }
      inHand = delivery;
      yield delivery.data;
      inHand = undefined;
      if (delivery.settlement === undefined) await delivery.ack();
    }
  } finally {
    if (inHand !== undefined && inHand.settlement === undefined) await inHand.nack().catch(() => undefined);
  }
}
