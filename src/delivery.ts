// The settlement rules of a Delivery, shared by every backend: settle once; repeating the same
// settlement is a no-op; a different one throws AlreadySettled. A backend supplies only what a
// settlement does on its broker or ring (the Settler).
import type { Delivery, Headers, Message, NackOptions, Settlement } from './channel.js';
import { AlreadySettledError, InvalidConfigurationError } from './errors.js';

export interface Settler {
  ack(message: Message): Promise<void>;
  nack(message: Message, options: Required<NackOptions>): Promise<void>;
  deadLetter(message: Message, reason: string): Promise<void>;
}

export class SettleableDelivery implements Delivery {
  readonly id: string;
  readonly channel: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  readonly timestamp: number;
  readonly deliveryCount: number;

  private outcome: Settlement | undefined;
  /** The settlement in progress or done: a repeat waits on the same work instead of redoing it. */
  private settling: Promise<void> | undefined;

  constructor(message: Message, private readonly settler: Settler) {
    this.id = message.id;
    this.channel = message.channel;
    this.data = message.data;
    this.headers = message.headers;
    this.key = message.key;
    this.correlationId = message.correlationId;
    this.replyTo = message.replyTo;
    this.timestamp = message.timestamp;
    this.deliveryCount = message.deliveryCount;
  }

  get settlement(): Settlement | undefined {
    return this.outcome;
  }

  ack(): Promise<void> {
    return this.settle('acked', () => this.settler.ack(this));
  }

  nack(options: NackOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      return Promise.reject(new InvalidConfigurationError(`nack delayMs is ${delayMs}; use a number of milliseconds >= 0`));
    }
    return this.settle('nacked', () => this.settler.nack(this, { requeue: options.requeue ?? true, delayMs }));
  }

  deadLetter(reason: string): Promise<void> {
    if (typeof reason !== 'string') {
      return Promise.reject(new InvalidConfigurationError('deadLetter needs a reason string; it is stored in the x-dead-letter-reason header'));
    }
    return this.settle('dead-lettered', () => this.settler.deadLetter(this, reason));
  }

  private settle(outcome: Settlement, work: () => Promise<void>): Promise<void> {
    if (this.outcome === outcome) return this.settling!;
    if (this.outcome !== undefined) {
      return Promise.reject(
        new AlreadySettledError(`message ${this.id} was already ${this.outcome}; a delivery is settled once (ack, nack or deadLetter)`, {
          channel: this.channel,
        }),
      );
    }
    this.outcome = outcome;
    this.settling = work().catch((err: unknown) => {
      // The broker refused: the delivery is unsettled again, so the caller may retry.
      this.outcome = undefined;
      this.settling = undefined;
      throw err;
    });
    return this.settling;
  }
}

/** Header names the library itself sets on dead-lettered messages. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  sourceChannel: 'x-dead-letter-channel',
  deliveryCount: 'x-delivery-count',
  originalId: 'x-original-id',
  originalTimestamp: 'x-original-timestamp',
} as const;
