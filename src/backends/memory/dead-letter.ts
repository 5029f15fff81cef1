// Sends exhausted or rejected messages to the dead-letter channel: the original payload, key,
// correlation id, reply-to and headers, plus the reason headers of DEAD_LETTER_HEADERS. The
// dead-letter channel is found by name in this thread, or comes with the channel's descriptor
// (so an attached handle in a worker reaches the one its creator named).
import type { Channel, Message } from '../../channel.js';
import { DEAD_LETTER_HEADERS } from '../../delivery.js';
import type { InMemoryChannelDescriptor, SharedChannel } from './shared-channel.js';

export interface DeadLetterOpeners {
  /** The live channel of that name in this thread, made with default options if there is none. */
  named(name: string): SharedChannel;
  /** A handle on a channel. */
  attach(descriptor: InMemoryChannelDescriptor): Channel & { readonly isClosed: boolean };
}

export class DeadLetterSender {
  private handle: (Channel & { readonly isClosed: boolean }) | undefined;

  constructor(
    private readonly sourceChannel: string,
    /** The dead-letter channel's name, or false for none. */
    readonly target: string | false,
    /** The dead-letter channel that came with the descriptor, if any. */
    private readonly known: SharedChannel | undefined,
    private readonly openers: DeadLetterOpeners,
  ) {}

  /** Sends a copy with the reason; false when the channel has no dead-letter channel. */
  async send(message: Message, reason: string): Promise<boolean> {
    if (this.target === false) return false;
    if (!this.handle || this.handle.isClosed) {
      const shared = this.known && this.known.name === this.target && !this.known.closed ? this.known : this.openers.named(this.target);
      this.handle = this.openers.attach(shared.descriptor);
    }
    await this.handle.send(message.data, {
      headers: {
        ...message.headers,
        [DEAD_LETTER_HEADERS.reason]: reason,
        [DEAD_LETTER_HEADERS.sourceChannel]: this.sourceChannel,
        [DEAD_LETTER_HEADERS.deliveryCount]: String(message.deliveryCount),
        [DEAD_LETTER_HEADERS.originalId]: message.id,
        [DEAD_LETTER_HEADERS.originalTimestamp]: String(message.timestamp),
      },
      key: message.key,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
    });
    return true;
  }
}
