// Web stream adapters (ReadableStream / WritableStream, as in fetch and Deno) with the channel's
// backpressure: the ReadableStream pulls a message only when its queue is below its
// highWaterMark; the WritableStream's write() resolves when the channel accepted the chunk, so
// `writer.ready` waits while the channel is full. Same bounds and ack rule as node-streams.ts.
import type { Channel, Delivery, SendOptions } from '../channel.js';
import { isChannelError } from '../errors.js';
import { nextDeliveryOf, type DeliverySource } from './delivery-source.js';

export interface ChannelStreamOptions {
  /** Bytes queued before it stops pulling (with `countMessages`, messages). Default 16 KiB. */
  highWaterMark?: number;
  /** Count the highWaterMark in messages instead of bytes. */
  countMessages?: boolean;
}

export function channelReadableStream(source: DeliverySource, options: ChannelStreamOptions = {}): ReadableStream<Uint8Array> {
  const next = nextDeliveryOf(source, 'channelReadableStream()');
  const stopper = new AbortController();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let delivery: Delivery;
        try {
          delivery = await next({ signal: stopper.signal });
        } catch (err) {
          if (isChannelError(err, 'ChannelClosed') || isChannelError(err, 'Aborted')) {
            controller.close();
            return;
          }
          throw err;
        }
        controller.enqueue(delivery.data);
        if (delivery.settlement === undefined) await delivery.ack();
      },
      cancel() {
        stopper.abort();
      },
    },
    strategy(options, 16 * 1024),
  );
}

export function channelWritableStream(channel: Channel, options: ChannelStreamOptions & { send?: Omit<SendOptions, 'signal'>; closeOnFinish?: boolean } = {}): WritableStream<Uint8Array> {
  const sendOptions = options.send ?? {};
  return new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        await channel.send(chunk, sendOptions);
      },
      async close() {
        if (options.closeOnFinish) await channel.close();
      },
    },
    strategy(options, 16 * 1024),
  );
}

function strategy(options: ChannelStreamOptions, defaultBytes: number): QueuingStrategy<Uint8Array> {
  if (options.countMessages) return new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? 16 });
  return new ByteLengthQueuingStrategy({ highWaterMark: options.highWaterMark ?? defaultBytes });
}
