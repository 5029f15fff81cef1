// The producer and consumer loops the ring cases share, so every ring case moves messages the
// same way. "Spinning" loops never block (both threads busy, as ringbuf.js is used); "polite"
// loops fall back to the blocking call (spin briefly, then park) when there is nothing to do —
// the right thing when there are more threads than cores, as in the MPSC/MPMC cases here.
import { StallGuard } from './stall.js';
import type { BenchRing } from './subjects.js';

const BLOCKING_TIMEOUT_MS = 10_000;

/** `size` messages of `bytes` bytes each, distinct contents, for trySendBatch. */
export function makeBatch(size: number, bytes: number): Uint8Array[] {
  const batch: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    const m = new Uint8Array(bytes);
    for (let j = 0; j < bytes; j++) m[j] = (i * 7 + j * 31) & 0xff;
    batch.push(m);
  }
  return batch;
}

/** Sends exactly `count` messages with trySendBatch, spinning while the ring is full. */
export function sendBatchesSpinning(ring: BenchRing, batch: readonly Uint8Array[], count: number): void {
  const guard = new StallGuard('trySendBatch on a full ring');
  let sent = 0;
  while (sent < count) {
    const rest = count - sent;
    const accepted = ring.trySendBatch(rest >= batch.length ? batch : batch.slice(0, rest));
    if (accepted > 0) {
      sent += accepted;
      guard.progress();
    } else guard.idle();
  }
}

/** Sends exactly `count` messages with trySendBatch; when the ring is full, sendSync waits (spin, then park). */
export function sendBatchesPolite(ring: BenchRing, batch: readonly Uint8Array[], count: number): void {
  let sent = 0;
  while (sent < count) {
    const rest = count - sent;
    const accepted = ring.trySendBatch(rest >= batch.length ? batch : batch.slice(0, rest));
    if (accepted > 0) sent += accepted;
    else {
      ring.sendSync(batch[0]!, BLOCKING_TIMEOUT_MS);
      sent++;
    }
  }
}

/** Sends exactly `count` messages one trySend at a time, spinning while the ring is full. */
export function sendOneByOneSpinning(ring: BenchRing, message: Uint8Array, count: number): void {
  const guard = new StallGuard('trySend on a full ring');
  for (let sent = 0; sent < count; ) {
    if (ring.trySend(message)) {
      sent++;
      guard.progress();
    } else guard.idle();
  }
}

/**
 * A consumer that copies every message out into `scratch` (a real consumer reads the bytes; the
 * ringbuf.js and postMessage peers copy too) and keeps a running count and checksum.
 */
export class CopyingConsumer {
  received = 0;
  checksum = 0;
  private readonly scratch: Uint8Array;
  private readonly onView = (view: Uint8Array): void => {
    this.scratch.set(view);
    this.checksum = (this.checksum + view[0]!) | 0;
  };

  constructor(
    private readonly ring: BenchRing,
    maxMessageBytes: number,
  ) {
    this.scratch = new Uint8Array(maxMessageBytes);
  }

  /** One drain() call (batch path, views); returns how many messages it took. */
  drainOnce(max?: number): number {
    const n = this.ring.drain(this.onView, max);
    this.received += n;
    return n;
  }

  /** One tryReceiveView() (per-message path); returns 1 or 0. */
  viewOnce(): number {
    const view = this.ring.tryReceiveView();
    if (view === undefined) return 0;
    this.onView(view);
    this.received++;
    return 1;
  }

  /** One blocking receive (spin, then park); for polite loops when drain found nothing. */
  receiveBlocking(timeoutMs = BLOCKING_TIMEOUT_MS): void {
    this.onView(this.ring.receiveSync(timeoutMs));
    this.received++;
  }

  drainSpinningUntil(until: number): void {
    while (this.received < until) this.drainOnce();
  }

  viewSpinningUntil(until: number): void {
    while (this.received < until) this.viewOnce();
  }

  drainPoliteUntil(until: number): void {
    while (this.received < until) if (this.drainOnce() === 0) this.receiveBlocking();
  }
}
