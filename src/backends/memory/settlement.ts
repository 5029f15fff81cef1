// What ack, nack and deadLetter do on the in-memory backend. Each delivery carries its own copy
// of the envelope and, when deliveries are leased, the lease that keeps a shared copy safe until
// it is settled. Settling is a compareExchange on the lease's stamp: if the ack deadline passed
// and another receiver took the message meanwhile, the late settlement says so instead of
// pretending.
import type { Message, NackOptions } from '../../channel.js';
import type { Settler } from '../../delivery.js';
import { MessageNotFoundError } from '../../errors.js';
import { ENVELOPE_TAG, writeDeliveryCount } from './envelope.js';
import { LocalMessage, recordOf } from './local-message.js';
import { LEASE_WAITING, type LeaseRef } from './lease-log.js';
import type { SharedChannel } from './shared-channel.js';
import type { ResolvedOptions } from '../../options.js';

/** The parts of InMemoryChannel a settlement uses. */
export interface SettlementHost {
  readonly name: string;
  readonly options: ResolvedOptions;
  readonly shared: SharedChannel;
  deadLetterOrFail(message: Message, reason: string): Promise<void>;
  forgetDelivery(id: string): void;
  countMetric(counter: 'deadLettered' | 'failed'): void;
}

/** How often a nacked message that found neither ring room nor lease room tries again (ms). */
const REQUEUE_RETRY_MS = 20;

export class LeaseSettler implements Settler {
  constructor(
    private readonly host: SettlementHost,
    /**
     * This delivery's own copy of the envelope (never a view into a ring), or the message still
     * in object form (a thread-local queue's): encoded only if a nack needs the record.
     */
    private readonly envelope: Uint8Array | LocalMessage,
    /** 0 = the queue, 1 + slot = a subscriber ring. */
    private readonly target: number,
    private readonly lease: LeaseRef | undefined,
  ) {}

  /** The envelope as a record (a LocalMessage is encoded once, on first need). */
  private get record(): Uint8Array {
    return recordOf(this.envelope);
  }

  async ack(message: Message): Promise<void> {
    this.releaseOrFail(message, 'ack');
  }

  async nack(message: Message, options: Required<NackOptions>): Promise<void> {
    const { maxRetries } = this.host.options;
    if (!options.requeue) {
      await this.toDeadLetter(message, 'rejected: nack without requeue');
      return;
    }
    if (message.deliveryCount > maxRetries) {
      await this.toDeadLetter(message, `failed ${message.deliveryCount} deliveries (maxRetries ${maxRetries})`);
      return;
    }
    this.checkStillHeld(message, 'nack');
    writeDeliveryCount(this.record, message.deliveryCount + 1);
    if (options.delayMs === 0 && this.tryPutBack()) {
      this.release();
      return;
    }
    // Delayed (or no room in the ring): park it in the lease log, due after the delay. A new
    // lease first, then the old one freed, so there is never a moment without a shared copy.
    const waiting = this.host.shared.leases.add(this.record, LEASE_WAITING, this.target, Date.now() + options.delayMs);
    if (waiting) {
      this.release();
      return;
    }
    // The lease log is full: this handle keeps it and retries until the ring or the log has room.
    this.release();
    this.retryLater(options.delayMs);
  }

  async deadLetter(message: Message, reason: string): Promise<void> {
    this.checkStillHeld(message, 'dead-letter');
    await this.host.deadLetterOrFail(message, reason);
    this.release();
  }

  private async toDeadLetter(message: Message, reason: string): Promise<void> {
    this.checkStillHeld(message, 'nack');
    await this.host.deadLetterOrFail(message, reason);
    if (this.host.options.deadLetter !== false) this.host.countMetric('deadLettered');
    this.release();
  }

  /** Straight back into its ring (not counted against capacity: it was accepted once already). */
  private tryPutBack(): boolean {
    const { control, queue, subscriberRings } = this.host.shared;
    const ring = this.target === 0 ? queue : subscriberRings[this.target - 1]!;
    if (ring.closed) return false;
    if (this.target === 0) control.tryReserve(0);
    let sent = false;
    // A copy taken after a receiver counted the message out carries ENVELOPE_TAKEN; back in the
    // queue it is counted again (above), so it must read as not counted out yet.
    if (this.target === 0) this.record[0] = ENVELOPE_TAG;
    try {
      sent = ring.trySend(this.record);
    } catch {
      sent = false; // closed meanwhile: the lease log takes it instead
    }
    if (!sent && this.target === 0) control.unreserve();
    return sent;
  }

  private retryLater(delayMs: number): void {
    const timer = setTimeout(() => {
      if (this.tryPutBack()) return;
      if (this.host.shared.leases.add(this.record, LEASE_WAITING, this.target, Date.now())) return;
      this.retryLater(REQUEUE_RETRY_MS);
    }, Math.max(delayMs, 1));
    timer.unref?.();
  }

  private checkStillHeld(message: Message, action: string): void {
    if (!this.lease) return;
    const leases = this.host.shared.leases;
    // Still ours unless the deadline passed and another receiver took it.
    if (!leases.isHeld(this.lease)) throw this.lateError(message, action);
  }

  private releaseOrFail(message: Message, action: string): void {
    if (this.lease && !this.host.shared.leases.release(this.lease)) throw this.lateError(message, action);
    this.host.forgetDelivery(message.id);
  }

  private release(): void {
    if (this.lease) this.host.shared.leases.release(this.lease);
  }

  private lateError(message: Message, action: string): MessageNotFoundError {
    this.host.forgetDelivery(message.id);
    return new MessageNotFoundError(
      `cannot ${action} message ${message.id}: its ack deadline (ackTimeoutMs ${this.host.options.ackTimeoutMs} ms) passed and it was handed to another receiver; settle sooner or raise ackTimeoutMs`,
      { channel: this.host.name },
    );
  }
}

/**
 * One per channel: settles the deliveries that are their own message (a thread-local queue's
 * LocalMessage handed out unleased, always from the queue). Nothing is allocated when one is
 * handed out; a settlement makes the LeaseSettler it needs then, so the rules are the same.
 */
export class LocalMessageSettler implements Settler {
  constructor(private readonly host: SettlementHost) {}

  ack(message: Message): Promise<void> {
    return this.settlerOf(message).ack(message);
  }

  nack(message: Message, options: Required<NackOptions>): Promise<void> {
    return this.settlerOf(message).nack(message, options);
  }

  deadLetter(message: Message, reason: string): Promise<void> {
    return this.settlerOf(message).deadLetter(message, reason);
  }

  private settlerOf(message: Message): LeaseSettler {
    if (!(message instanceof LocalMessage)) throw new TypeError('internal: LocalMessageSettler settles only LocalMessage deliveries');
    return new LeaseSettler(this.host, message, 0, undefined);
  }
}
