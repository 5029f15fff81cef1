// A Kafka delivery: the message, its settlement state, and the record it came from.
import type { Message } from '../../channel.js';
import { SettleableDelivery, type SettlePort } from '../../delivery.js';
import type { TakeSource } from './consumer-feed.js';
import type { KafkaRaw } from './kafka-wire.js';

export class KafkaDelivery extends SettleableDelivery {
  /** Settled underneath by a committed transaction (its offset went in with the transaction). */
  committedInTransaction = false;
  /** Held by this delivery: its partition's one-at-a-time slot and its key (released once). */
  holding = true;

  constructor(
    message: Message,
    port: SettlePort<SettleableDelivery>,
    readonly raw: KafkaRaw,
    readonly source: TakeSource,
  ) {
    super(message, port);
  }
}
