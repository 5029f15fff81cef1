// Node stream adapters whose backpressure is the channel's own:
//  - channelReadable(source): a Readable that receives only when its buffer is below its
//    highWaterMark (Node asks with _read). A stalled consumer leaves the buffer full, so it stops
//    receiving, the channel fills, and the channel's backpressure stops the producer.
//  - channelWritable(channel): a Writable whose write() completes when the channel accepted the
//    chunk. On a full channel (`block` mode) send waits, the Writable's buffer fills to its
//    highWaterMark, and write() returns false: the producer waits for 'drain'.
// Buffered memory is bounded at every stage: the Readable's highWaterMark, the channel's
// capacity, the Writable's highWaterMark (plus the one chunk each stage is handing on).
//
// A delivery is acked once it is in the Readable's buffer (the stream owns it from there): if
// the process dies, what sat in the buffer is gone — at most a highWaterMark's worth.
import { Readable, Writable } from 'node:stream';
import type { Channel, Delivery, SendOptions } from '../channel.js';
import { isChannelError } from '../errors.js';
import { nextDeliveryOf, type DeliverySource } from './delivery-source.js';

export interface ChannelReadableOptions {
  /** Bytes buffered before it stops receiving (objectMode: messages). Default 16 KiB (16 messages). */
  highWaterMark?: number;
  /** One chunk per message (Uint8Array) instead of a byte stream. Default false. */
  objectMode?: boolean;
  /** Aborting ends the stream (the pending receive is abandoned; nothing is lost: it was not taken). */
  signal?: AbortSignal;
}

export function channelReadable(source: DeliverySource, options: ChannelReadableOptions = {}): Readable {
  const next = nextDeliveryOf(source, 'channelReadable()');
  const stopper = new AbortController();
  if (options.signal) {
    if (options.signal.aborted) stopper.abort();
    else options.signal.addEventListener('abort', () => stopper.abort(), { once: true });
  }
  let reading = false;
  const stream: Readable = new Readable({
    highWaterMark: options.highWaterMark,
    objectMode: options.objectMode ?? false,
    read() {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          for (;;) {
            let delivery: Delivery;
            try {
              delivery = await next({ signal: stopper.signal });
            } catch (err) {
              if (isChannelError(err, 'ChannelClosed') || isChannelError(err, 'Aborted')) {
                stream.push(null);
                return;
              }
              throw err;
            }
            const more = stream.push(delivery.data);
            if (delivery.settlement === undefined) await delivery.ack();
            if (!more) return; // Node calls read() again once the consumer has made room
          }
        } catch (err) {
          stream.destroy(err as Error);
        } finally {
          reading = false;
        }
      })();
    },
    destroy(error, callback) {
      stopper.abort();
      callback(error);
    },
  });
  return stream;
}

export interface ChannelWritableOptions {
  /** Bytes (objectMode: chunks) buffered before write() returns false. Default 16 KiB (16). */
  highWaterMark?: number;
  objectMode?: boolean;
  /** Options of every send (headers, key, timeoutMs…). */
  send?: Omit<SendOptions, 'signal'>;
  /** Close the channel when the stream finishes. Default false. */
  closeOnFinish?: boolean;
}

export function channelWritable(channel: Channel, options: ChannelWritableOptions = {}): Writable {
  const sendOptions = options.send ?? {};
  return new Writable({
    highWaterMark: options.highWaterMark,
    objectMode: options.objectMode ?? false,
    write(chunk: Uint8Array, _encoding, callback) {
      channel.send(chunk, sendOptions).then(() => callback(), callback);
    },
    writev(chunks, callback) {
      channel.sendBatch(chunks.map((c) => c.chunk as Uint8Array), { timeoutMs: sendOptions.timeoutMs }).then(() => callback(), callback);
    },
    final(callback) {
      if (options.closeOnFinish) channel.close().then(() => callback(), callback);
      else callback();
    },
  });
}
