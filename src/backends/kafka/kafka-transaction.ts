// One exactly-once transaction on Kafka: the sends are kept until commit, then produced with the
// acked deliveries' offsets (sendOffsets) in one Kafka transaction, so readers opened
// read-committed see the output exactly when the input's offsets move.
//
// kafkajs's sendOffsets carries no consumer-group generation (no fencing by group metadata), so a
// zombie is fenced by its transactional id: one id per input partition
// (`<group>.<topic>.<partition>`), so the next owner of that partition fences the last one (its
// open transaction is aborted when the new owner's producer starts). A transaction acks
// deliveries of one partition of one source only; one with no ack uses the handle's own id.
// An aborted transaction gives its acked inputs back (nack: they come again, counted).
import type { Channel } from '../../channel.js';
import type { OutgoingEnvelope } from '../../base/outgoing.js';
import type { BackendTransaction } from '../../base/transport.js';
import { InvalidConfigurationError } from '../../errors.js';
import type { OutgoingRecord, TransactionalProducer } from './client-seam.js';
import type { KafkaDelivery } from './kafka-delivery.js';
import { toRecord } from './kafka-wire.js';

export interface TransactionPort {
  readonly channel: string;
  /** The topic of a channel of this backend (on the same brokers); throws for any other channel. */
  topicOf(channel: Channel): string;
  /** This handle's delivery, unsettled. */
  checkOwn(delivery: KafkaDelivery): void;
  producer(transactionalId: string): TransactionalProducer;
  /** The transactional id of a transaction that acks nothing. */
  readonly ownTransactionalId: string;
  /** Marks the inputs settled once their offsets were committed with the transaction. */
  committed(deliveries: readonly KafkaDelivery[]): Promise<void>;
  wrapError(what: string, err: unknown): Error;
}

export class KafkaTransaction implements BackendTransaction<KafkaDelivery> {
  private readonly records: { topic: string; record: OutgoingRecord }[] = [];
  private readonly acks: KafkaDelivery[] = [];
  private done = false;

  constructor(private readonly port: TransactionPort) {}

  async send(channel: Channel, message: OutgoingEnvelope): Promise<void> {
    this.checkOpen();
    this.records.push({ topic: this.port.topicOf(channel), record: toRecord(message, 'send') });
  }

  async ack(delivery: KafkaDelivery): Promise<void> {
    this.checkOpen();
    this.port.checkOwn(delivery);
    const first = this.acks[0];
    if (first && (first.source !== delivery.source || first.raw.buffer !== delivery.raw.buffer)) {
      throw new InvalidConfigurationError(
        'a Kafka transaction acks deliveries of one partition of one source (its transactional id fences that partition); commit this transaction and ack the other delivery in a transaction of its own',
        { channel: this.port.channel },
      );
    }
    if (!this.acks.includes(delivery)) this.acks.push(delivery);
  }

  async commit(): Promise<void> {
    this.checkOpen();
    this.done = true;
    const first = this.acks[0];
    const offsets = first && {
      groupId: first.source.groupId,
      topic: first.channel,
      partitions: [{ partition: first.raw.buffer.partition, offset: String(Math.max(...this.acks.map((d) => d.raw.offset)) + 1) }],
    };
    const id = first ? `${first.source.groupId}.${first.channel}.${first.raw.buffer.partition}` : this.port.ownTransactionalId;
    try {
      await this.port.producer(id).commit(this.records, offsets);
    } catch (err) {
      await this.giveBack();
      throw this.port.wrapError('committing the Kafka transaction', err);
    }
    await this.port.committed(this.acks);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.giveBack();
  }

  /** The inputs of a transaction that did not commit come back for another delivery. */
  private async giveBack(): Promise<void> {
    for (const d of this.acks) if (d.settlement === undefined) await d.nack();
  }

  private checkOpen(): void {
    if (this.done) throw new InvalidConfigurationError('this transaction has ended; use the Transaction only inside its transaction() call', { channel: this.port.channel });
  }
}
