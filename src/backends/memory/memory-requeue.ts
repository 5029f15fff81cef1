// A nacked delivery going back for another delivery on the in-memory backend: straight into its
// ring when it may go now and there is room, else parked in the lease log until it is due (a
// nack with a delay, or no room). A new lease is written before the old one is freed, so there is
// never a moment without a shared copy.
import { ENVELOPE_TAG, writeDeliveryCount } from './envelope.js';
import { LEASE_WAITING, type LeaseRef } from './lease-log.js';
import { recordOf, type LocalMessage } from './local-message.js';
import { MemoryDelivery } from './memory-delivery.js';
import type { MemorySource } from './memory-places.js';
import type { SharedChannel } from './shared-channel.js';

/** How often a nacked message that found neither ring room nor lease room tries again (ms). */
const REQUEUE_RETRY_MS = 20;

export class MemoryRequeue {
  constructor(
    private readonly shared: SharedChannel,
    private readonly receivers: MemorySource,
  ) {}

  /** false: the delivery is no longer this handle's (its deadline passed and another receiver took it). */
  requeue(delivery: MemoryDelivery | LocalMessage, deliveryCount: number, delayMs: number): boolean {
    const leases = this.shared.leases;
    const lease: LeaseRef | undefined = delivery instanceof MemoryDelivery ? delivery.lease : undefined;
    if (lease !== undefined && !leases.isHeld(lease)) return false;
    const record = recordOf(delivery instanceof MemoryDelivery ? delivery.envelope : delivery);
    const source = delivery instanceof MemoryDelivery ? delivery.source : this.receivers;
    writeDeliveryCount(record, deliveryCount);
    if (delayMs === 0 && this.tryPutBack(record, source)) {
      if (lease !== undefined) leases.release(lease);
      return true;
    }
    const waiting = leases.add(record, LEASE_WAITING, source.leaseCode, Date.now() + delayMs);
    if (lease !== undefined) leases.release(lease);
    // The lease log is full: this handle keeps it and retries until the ring or the log has room.
    if (!waiting) this.retryLater(record, source, delayMs);
    return true;
  }

  /** Straight back into its ring (not counted against capacity: it was accepted once already). */
  private tryPutBack(record: Uint8Array, source: MemorySource): boolean {
    const { control } = this.shared;
    const ring = source.ring;
    if (ring.closed) return false;
    if (source.isQueue) {
      control.tryReserve(0);
      // A copy taken after a receiver counted the message out carries ENVELOPE_TAKEN; back in the
      // queue it is counted again (above), so it must read as not counted out yet.
      record[0] = ENVELOPE_TAG;
    }
    let sent = false;
    try {
      sent = ring.trySend(record);
    } catch {
      sent = false; // closed meanwhile: the lease log takes it instead
    }
    if (!sent && source.isQueue) control.unreserve();
    return sent;
  }

  private retryLater(record: Uint8Array, source: MemorySource, delayMs: number): void {
    const timer = setTimeout(() => {
      if (this.tryPutBack(record, source)) return;
      if (this.shared.leases.add(record, LEASE_WAITING, source.leaseCode, Date.now())) return;
      this.retryLater(record, source, REQUEUE_RETRY_MS);
    }, Math.max(delayMs, 1));
    timer.unref?.();
  }
}
