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

/**
 * A delivery's settlement state, kept on the delivery object itself. Internal to the library (a
 * user reads `settlement`): SettleableDelivery has it, and so does the memory backend's
 * LocalMessage, a message that is its own delivery (so handing it out allocates nothing).
 */
export interface SettlementState extends Message {
  outcome: Settlement | undefined;
  /** The settlement in progress or done: a repeat waits on the same work instead of redoing it. */
  settling: Promise<void> | undefined;
}

/** ack() of a delivery, under the settle-once rules. */
export function ackDelivery(d: SettlementState, settler: Settler): Promise<void> {
  return settle(d, 'acked', () => settler.ack(d));
}

/** nack() of a delivery: checks the options, then the settle-once rules. */
export function nackDelivery(d: SettlementState, settler: Settler, options: NackOptions = {}): Promise<void> {
  const delayMs = options.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    return Promise.reject(new InvalidConfigurationError(`nack delayMs is ${delayMs}; use a number of milliseconds >= 0`));
  }
  return settle(d, 'nacked', () => settler.nack(d, { requeue: options.requeue ?? true, delayMs }));
}

/** deadLetter() of a delivery: checks the reason, then the settle-once rules. */
export function deadLetterDelivery(d: SettlementState, settler: Settler, reason: string): Promise<void> {
  if (typeof reason !== 'string') {
    return Promise.reject(new InvalidConfigurationError('deadLetter needs a reason string; it is stored in the x-dead-letter-reason header'));
  }
  return settle(d, 'dead-lettered', () => settler.deadLetter(d, reason));
}

function settle(d: SettlementState, outcome: Settlement, work: () => Promise<void>): Promise<void> {
  if (d.outcome === outcome) return d.settling!;
  if (d.outcome !== undefined) {
    return Promise.reject(
      new AlreadySettledError(`message ${d.id} was already ${d.outcome}; a delivery is settled once (ack, nack or deadLetter)`, {
        channel: d.channel,
      }),
    );
  }
  d.outcome = outcome;
  d.settling = work().catch((err: unknown) => {
    // The broker refused: the delivery is unsettled again, so the caller may retry.
    d.outcome = undefined;
    d.settling = undefined;
    throw err;
  });
  return d.settling;
}

export class SettleableDelivery implements Delivery, SettlementState {
  readonly id: string;
  readonly channel: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  readonly timestamp: number;
  readonly deliveryCount: number;

  /** Internal (SettlementState); read `settlement`. */
  outcome: Settlement | undefined;
  /** Internal (SettlementState). */
  settling: Promise<void> | undefined;

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
    return ackDelivery(this, this.settler);
  }

  nack(options?: NackOptions): Promise<void> {
    return nackDelivery(this, this.settler, options);
  }

  deadLetter(reason: string): Promise<void> {
    return deadLetterDelivery(this, this.settler, reason);
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
