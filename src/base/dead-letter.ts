// The dead-letter policy, written once for every backend: when a message has used up its retries
// (or is rejected), a copy goes to the dead-letter channel — payload, key, correlation id,
// reply-to and headers, plus the headers below — and only once that copy is accepted is the
// original settled. Without a dead-letter channel the message is dropped and counted as failed.
import type { Channel, Headers, Message } from '../channel.js';

/**
 * The headers every backend writes on a dead-lettered copy. Documented in the README; the
 * conformance suite checks each one.
 */
export const DEAD_LETTER_HEADERS = {
  /** Why: the reason given to deadLetter(), or what the library decided (retries used up, …). */
  reason: 'x-dead-letter-reason',
  /** The id of the original message (the copy has an id of its own). */
  originalId: 'x-dead-letter-original-id',
  /** The channel it was consumed from. */
  originalChannel: 'x-dead-letter-original-channel',
  /** The subscription group it was consumed in; absent for the receivers' queue. */
  group: 'x-dead-letter-group',
  /** Deliveries made before it was given up. */
  deliveryCount: 'x-dead-letter-delivery-count',
  /** When it was dead-lettered, epoch ms. */
  time: 'x-dead-letter-time',
  /** When the original was first sent, epoch ms. */
  originalTimestamp: 'x-dead-letter-original-timestamp',
  /** The error's name and message, when a handler passed one (nack/deadLetter `{ error }`). */
  errorName: 'x-dead-letter-error-name',
  errorMessage: 'x-dead-letter-error-message',
} as const;

/** What a dead-letter copy says about why and where. */
export interface DeadLetterCause {
  reason: string;
  group: string | undefined;
  error: unknown;
}

/** Retries used up: `deliveriesMade` deliveries happened, and maxRetries allows that many more? */
export function mayRedeliver(deliveriesMade: number, maxRetries: number): boolean {
  return deliveriesMade <= maxRetries;
}

export function deadLetterHeaders(message: Message, sourceChannel: string, cause: DeadLetterCause): Headers {
  const headers: Headers = {
    ...message.headers,
    [DEAD_LETTER_HEADERS.reason]: cause.reason,
    [DEAD_LETTER_HEADERS.originalId]: message.id,
    [DEAD_LETTER_HEADERS.originalChannel]: sourceChannel,
    [DEAD_LETTER_HEADERS.deliveryCount]: String(message.deliveryCount),
    [DEAD_LETTER_HEADERS.time]: String(Date.now()),
    [DEAD_LETTER_HEADERS.originalTimestamp]: String(message.timestamp),
  };
  if (cause.group !== undefined) headers[DEAD_LETTER_HEADERS.group] = cause.group;
  if (cause.error !== undefined) {
    const err = cause.error instanceof Error ? cause.error : new Error(String(cause.error));
    headers[DEAD_LETTER_HEADERS.errorName] = err.name;
    headers[DEAD_LETTER_HEADERS.errorMessage] = err.message;
  }
  return headers;
}

/** Opens a handle on a channel of the same backend by name (the dead-letter channel). */
export type SiblingOpener = (name: string) => Channel | Promise<Channel>;

/** Writes dead-letter copies into the channel's dead-letter channel, opening it on first use. */
export class DeadLetterSender {
  private handle: Channel | undefined;

  constructor(
    private readonly sourceChannel: string,
    /** The dead-letter channel's name, or false for none. */
    readonly target: string | false,
    private readonly open: SiblingOpener,
    /**
     * Whether close() closes the handle it opened: yes on brokers (it holds connections); no where
     * closing any handle ends the channel itself for everyone (in-memory).
     */
    private readonly closeHandleOnClose: boolean,
  ) {}

  /** Sends the copy; false when the channel has no dead-letter channel. Throws when the copy is refused. */
  async send(message: Message, cause: DeadLetterCause): Promise<boolean> {
    if (this.target === false) return false;
    if (this.handle === undefined || this.handle.isClosed) this.handle = await this.open(this.target);
    await this.handle.send(message.data, {
      headers: deadLetterHeaders(message, this.sourceChannel, cause),
      key: message.key,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
    });
    return true;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined && this.closeHandleOnClose) await handle.close();
  }
}
