// Where a pattern takes deliveries from: a channel's receivers' queue (competing consumers) or a
// subscription (a group's share, or every message for a group of one). Both are read through
// the contract only, so every pattern works on every backend.
import type { Channel, Delivery, ReceiveOptions, Subscription } from '../channel.js';
import { InvalidConfigurationError } from '../errors.js';

export type DeliverySource = Pick<Channel, 'receiveDelivery'> | Pick<Subscription, 'next'>;

/** The source's "next delivery" call. */
export function nextDeliveryOf(source: DeliverySource, who: string): (options: ReceiveOptions) => Promise<Delivery> {
  if (source !== null && typeof source === 'object') {
    if (typeof (source as Channel).receiveDelivery === 'function') return (o) => (source as Channel).receiveDelivery(o);
    if (typeof (source as Subscription).next === 'function') return (o) => (source as Subscription).next(o);
  }
  throw new InvalidConfigurationError(`${who} takes a Channel or a Subscription to read from; got ${source === null ? 'null' : typeof source}`);
}

/** A count option: a whole number >= 1. */
export function checkConcurrency(value: unknown, who: string, option = 'concurrency'): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidConfigurationError(`${who} option ${option} is ${String(value)}; use a whole number >= 1`);
  }
  return value as number;
}
