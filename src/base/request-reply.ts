// request(): the request/reply pattern over a backend's inbox primitive, for every backend. A
// request opens a private inbox, sends with a fresh correlation id and the inbox's address as
// `replyTo`, and waits for the reply that carries its correlation id — a stray reply (a previous
// request's, arriving late) is settled and passed over. The inbox is closed whatever happens.
import type { Delivery, Message, ReceiveOptions, SendOptions } from '../channel.js';
import { isChannelError, TimeoutError } from '../errors.js';
import { randomToken } from '../ids.js';
import type { Inbox } from './transport.js';

/** What a request needs from its channel. */
export interface RequestPort<S> {
  readonly channel: string;
  readonly receiveTimeoutMs: number;
  openInbox(): Inbox<S> | Promise<Inbox<S>>;
  send(data: Uint8Array, options: SendOptions): Promise<string>;
  next(source: S, options: ReceiveOptions): Promise<Delivery>;
}

export async function requestReply<S>(port: RequestPort<S>, data: Uint8Array, options: SendOptions): Promise<Message> {
  const inbox = await port.openInbox();
  try {
    const correlationId = options.correlationId ?? randomToken(20);
    await port.send(data, { ...options, correlationId, replyTo: inbox.address });
    const timeoutMs = options.timeoutMs ?? port.receiveTimeoutMs;
    const end = performance.now() + timeoutMs;
    for (;;) {
      let reply: Delivery;
      try {
        reply = await port.next(inbox.source, { timeoutMs: Math.max(0, end - performance.now()), signal: options.signal });
      } catch (err) {
        if (isChannelError(err, 'Timeout')) {
          throw new TimeoutError(`no reply within ${timeoutMs} ms to request ${correlationId}; check that a responder is running, or raise timeoutMs`, { channel: port.channel });
        }
        throw err;
      }
      await reply.ack();
      if (reply.correlationId === correlationId) return reply;
    }
  } finally {
    await inbox.close();
  }
}
