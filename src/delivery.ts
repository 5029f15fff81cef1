// The settlement rules of a Delivery, shared by every backend: settle once; repeating the same
// settlement is a no-op; a different one throws AlreadySettled; a settlement that failed
// underneath leaves the delivery unsettled. What a settlement then DOES (retries, dead letters,
// the backend's ack) is the channel's settle port (src/base/settlement.ts): one object per
// channel, so a delivery carries no settler of its own.
import type { Delivery, Headers, Message, NackOptions, Settlement } from './channel.js';
import { AlreadySettledError, InvalidConfigurationError } from './errors.js';

/** nack options after their checks. */
export interface ResolvedNack {
  requeue: boolean;
  delayMs: number;
  error: unknown;
}

/** What a delivery's ack / nack / deadLetter call: the channel's settlement policy. */
export interface SettlePort<D> {
  ack(delivery: D): Promise<void>;
  nack(delivery: D, options: ResolvedNack): Promise<void>;
  deadLetter(delivery: D, reason: string, error: unknown): Promise<void>;
}

/**
 * A delivery's settlement state, kept on the delivery object itself. Internal to the library (a
 * user reads `settlement`): SettleableDelivery has it, and so does any backend object that is
 * its own delivery (the memory backend's LocalMessage, so handing it out allocates nothing).
 */
export interface SettlementState extends Message {
  outcome: Settlement | undefined;
  /** The settlement in progress or done: a repeat waits on the same work instead of redoing it. */
  settling: Promise<void> | undefined;
}

/** ack() of a delivery, under the settle-once rules. */
export function ackDelivery<D extends SettlementState>(d: D, port: SettlePort<D>): Promise<void> {
  return settle(d, 'acked', () => port.ack(d));
}

/** nack() of a delivery: checks the options, then the settle-once rules. */
export function nackDelivery<D extends SettlementState>(d: D, port: SettlePort<D>, options: NackOptions = {}): Promise<void> {
  const delayMs = options?.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    return Promise.reject(new InvalidConfigurationError(`nack delayMs is ${delayMs}; use a number of milliseconds >= 0`, { channel: d.channel }));
  }
  return settle(d, 'nacked', () => port.nack(d, { requeue: options?.requeue ?? true, delayMs, error: options?.error }));
}

/** deadLetter() of a delivery: checks the reason, then the settle-once rules. */
export function deadLetterDelivery<D extends SettlementState>(d: D, port: SettlePort<D>, reason: string, error: unknown): Promise<void> {
  if (typeof reason !== 'string') {
    return Promise.reject(new InvalidConfigurationError('deadLetter needs a reason string; it is stored in the x-dead-letter-reason header', { channel: d.channel }));
  }
  return settle(d, 'dead-lettered', () => port.deadLetter(d, reason, error));
}

/** The settle-once rules for an outcome known by id only (the channel keeps outcomes, not deliveries). */
export function repeatOfSettled(id: string, channel: string, was: Settlement, now: Settlement): Promise<void> {
  if (was === now) return Promise.resolve();
  return Promise.reject(alreadySettled(id, channel, was));
}

function settle(d: SettlementState, outcome: Settlement, work: () => Promise<void>): Promise<void> {
  if (d.outcome === outcome) return d.settling!;
  if (d.outcome !== undefined) return Promise.reject(alreadySettled(d.id, d.channel, d.outcome));
  d.outcome = outcome;
  d.settling = work().catch((err: unknown) => {
    // Refused underneath: the delivery is unsettled again, so the caller may retry.
    d.outcome = undefined;
    d.settling = undefined;
    throw err;
  });
  return d.settling;
}

function alreadySettled(id: string, channel: string, was: Settlement): AlreadySettledError {
  return new AlreadySettledError(`message ${id} was already ${was}; a delivery is settled once (ack, nack or deadLetter)`, { channel });
}

/** A delivery as most backends make it: the message's fields, its settlement state, the channel's port. */
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
  outcome: Settlement | undefined = undefined;
  /** Internal (SettlementState). */
  settling: Promise<void> | undefined = undefined;

  constructor(message: Message, private readonly port: SettlePort<SettleableDelivery>) {
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
    return ackDelivery<SettleableDelivery>(this, this.port);
  }

  nack(options?: NackOptions): Promise<void> {
    return nackDelivery<SettleableDelivery>(this, this.port, options);
  }

  deadLetter(reason: string, options?: { error?: unknown }): Promise<void> {
    return deadLetterDelivery<SettleableDelivery>(this, this.port, reason, options?.error);
  }
}
