// Settling a Kafka delivery underneath: ack marks its offset settled (committed in the
// background, contiguously); nack re-produces the message as a copy — same id and envelope,
// delivery count + 1, to the original's partition of the same topic, addressed to the consumer
// group it came through (`ps-for-group`: the other groups and the receivers pass it over) — after the nack's delay,
// and only then settles the original (so a crash before the copy leaves the original to be
// read again). Under per-key ordering the key stays held until the copy has come back and been
// settled, so the key's later messages wait for it. A delivery whose partition the group took
// away settles locally and commits nothing: the partition's new owner delivers it again.
import type { KafkaDelivery } from './kafka-delivery.js';
import type { BatchingProducer } from './kafka-producer.js';
import { copyRecord } from './kafka-wire.js';

export class KafkaSettling {
  /** Delayed nacks waiting to re-produce their copy: sent at once when the handle closes. */
  private readonly delayed = new Map<KafkaDelivery, { timer: NodeJS.Timeout; count: number }>();

  constructor(
    private readonly producer: BatchingProducer,
    private readonly topic: string,
    private readonly perKey: boolean,
    /** With a capacity, an ack waits for its commit so that the room it makes is seen by senders. */
    private readonly ackWaitsForCommit: boolean,
    private readonly reportError: (error: Error) => void,
  ) {}

  async ack(d: KafkaDelivery): Promise<boolean> {
    if (d.committedInTransaction) return true;
    const { buffer, offset } = d.raw;
    this.release(d, true);
    buffer.owner.settled(buffer, offset);
    if (this.ackWaitsForCommit) await buffer.owner.committed(buffer, offset, 10_000);
    return true;
  }

  /** Settled for good without a copy (dead-lettered, given up, discarded). */
  settle(d: KafkaDelivery): boolean {
    this.release(d, true);
    d.raw.buffer.owner.settled(d.raw.buffer, d.raw.offset);
    return true;
  }

  async requeue(d: KafkaDelivery, deliveryCount: number, delayMs: number): Promise<boolean> {
    const { buffer } = d.raw;
    if (!buffer.owner.holds(buffer)) {
      this.release(d, true); // the new owner of the partition delivers it again
      return true;
    }
    if (delayMs <= 0) {
      await this.sendCopy(d, deliveryCount);
      return true;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(d);
      this.sendCopy(d, deliveryCount).catch((err: unknown) => this.reportError(err as Error));
    }, delayMs);
    this.delayed.set(d, { timer, count: deliveryCount });
    return true;
  }

  /** The handle closes: delayed copies are sent now (their delay cut short) rather than lost. */
  async flushDelayed(): Promise<void> {
    const pending = [...this.delayed];
    this.delayed.clear();
    await Promise.allSettled(
      pending.map(([d, { timer, count }]) => {
        clearTimeout(timer);
        return this.sendCopy(d, count);
      }),
    );
  }

  private async sendCopy(d: KafkaDelivery, deliveryCount: number): Promise<void> {
    const { buffer, offset } = d.raw;
    if (!buffer.owner.holds(buffer)) {
      this.release(d, true);
      return;
    }
    const record = copyRecord(d.raw, deliveryCount, d.source.groupId);
    await this.producer.send(this.topic, record, d.raw.data.length + 256, Infinity, undefined);
    // The key stays held by this id until the copy is handed out and settled.
    this.release(d, false);
    buffer.owner.settled(buffer, offset);
  }

  /** Gives back what the delivery held: its partition slot and (unless its copy is coming) its key. */
  private release(d: KafkaDelivery, key: boolean): void {
    if (!d.holding) return;
    d.holding = false;
    const buffer = d.raw.buffer;
    buffer.outstanding = Math.max(0, buffer.outstanding - 1);
    const k = d.raw.key;
    if (key && this.perKey && k !== undefined && buffer.heldKeys.get(k) === d.id) buffer.heldKeys.delete(k);
  }
}
