// Taking messages out, for every backend: admission (TTL expiry, retries used up after a missed
// ack deadline), hand-out (tracked or not, counted, latency sampled) and the receive loop (poll,
// then wait in slices; Timeout, Aborted, and ChannelClosed once closed and drained).
import type { ReceiveOptions } from '../channel.js';
import { abortedError } from '../deadline.js';
import type { SettlementState } from '../delivery.js';
import { ChannelClosedError, InvalidConfigurationError, TimeoutError } from '../errors.js';
import { nowMs, type ChannelMetrics } from '../metrics/channel-metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { SendTarget } from './backpressure.js';
import type { SettlementPolicy } from './settlement.js';
import type { Transport } from './transport.js';

export class Receiving<R, S, T extends SendTarget, D extends SettlementState> {
  private readonly ttlMs: number;
  /** A message is given up once its next delivery would carry a count above this. */
  private readonly maxDeliveries: number;
  /** Reused by batch takes (one array per channel, not one per batch). */
  private readonly scratch: R[] = [];

  constructor(
    private readonly transport: Transport<R, S, T, D>,
    private readonly options: ResolvedOptions,
    private readonly metrics: ChannelMetrics,
    private readonly policy: SettlementPolicy<R, S, T, D>,
    private readonly reportError: (error: Error) => void,
  ) {
    this.ttlMs = options.messageTtlMs;
    this.maxDeliveries = options.maxRetries + 1;
  }

  /** The next delivery of `source` if one is there now. */
  poll(source: S): D | undefined {
    for (;;) {
      const raw = this.transport.takeNow(source);
      if (raw === undefined) return undefined;
      const delivery = this.admit(raw, source, nowMs());
      if (delivery !== undefined) return delivery;
    }
  }

  /** receive() / tryReceive(): the next payload of `source` if one is there now, settled as acked. */
  payloadNow(source: S): Uint8Array | Promise<Uint8Array> | undefined {
    for (;;) {
      const raw = this.transport.takeNow(source);
      if (raw === undefined) return undefined;
      const now = nowMs();
      if (!this.admissible(raw, source, now)) continue;
      this.metrics.receivedAndAcked(this.transport.timestampOf(raw), now);
      return this.transport.payloadAcked(raw, source);
    }
  }

  /** Adds to `batch`, up to `max`, what `source` holds now (one clock read per take). */
  takeInto(source: S, max: number, batch: D[]): void {
    const raws = this.scratch;
    while (batch.length < max) {
      raws.length = 0;
      this.transport.takeManyNow(source, max - batch.length, raws);
      if (raws.length === 0) return;
      const now = nowMs();
      for (let i = 0; i < raws.length; i++) {
        const delivery = this.admit(raws[i]!, source, now);
        if (delivery !== undefined) batch.push(delivery);
      }
    }
    raws.length = 0;
  }

  /**
   * Waits for the next delivery of `source`: poll, then wait in slices, until one comes or waiting
   * is over. Before a Timeout, a transport with `refresh` looks once more at what its broker holds
   * now (so `timeoutMs: 0` means "what is there now", not "what this handle prefetched").
   */
  async wait(source: S, options: ReceiveOptions): Promise<D> {
    const timeoutMs = options.timeoutMs ?? this.options.receiveTimeoutMs;
    const signal = options.signal;
    const end = performance.now() + timeoutMs;
    let refreshed = this.transport.refresh === undefined;
    for (;;) {
      if (signal?.aborted) throw abortedError(signal, 'waiting for a message', this.options.name);
      const ready = this.poll(source);
      if (ready !== undefined) return ready;
      if (!refreshed && end - performance.now() <= 0 && !this.transport.isDrained(source)) {
        refreshed = true;
        await this.transport.refresh!(source, 1, signal);
        continue;
      }
      const raw = await this.transport.waitAndTake(source, this.nextSlice(source, end, timeoutMs), signal);
      if (raw === undefined) continue;
      const delivery = this.admit(raw, source, nowMs());
      if (delivery !== undefined) return delivery;
    }
  }

  /** The same, blocking the calling worker thread. */
  waitSync(source: S, timeoutMs = this.options.receiveTimeoutMs): D {
    const take = this.transport.waitAndTakeSync;
    if (take === undefined) throw new InvalidConfigurationError('this backend has no blocking receive; use the promise calls', { channel: this.options.name });
    const end = performance.now() + timeoutMs;
    for (;;) {
      const ready = this.poll(source);
      if (ready !== undefined) return ready;
      const raw = take.call(this.transport, source, this.nextSlice(source, end, timeoutMs));
      if (raw === undefined) continue;
      const delivery = this.admit(raw, source, nowMs());
      if (delivery !== undefined) return delivery;
    }
  }

  /** Closed, and nothing more can come. */
  drained(source: S): boolean {
    return this.transport.isDrained(source);
  }

  drainedError(): ChannelClosedError {
    return new ChannelClosedError('the channel is closed and everything sent before has been received; open a new one', { channel: this.options.name });
  }

  /** A message taken: handed out, or dropped (expired, retries used up). */
  private admit(raw: R, source: S, now: number): D | undefined {
    if (!this.admissible(raw, source, now)) return undefined;
    const delivery = this.transport.hold(raw, source, this.policy.tracked, now);
    if (this.policy.tracked) {
      this.policy.track(delivery);
      this.metrics.received(delivery.timestamp, now);
    } else {
      this.metrics.receivedAndAcked(delivery.timestamp, now);
    }
    return delivery;
  }

  /** The one place TTL expiry and the retry limit on redelivery are decided. */
  private admissible(raw: R, source: S, now: number): boolean {
    if (this.ttlMs !== Infinity && now - this.transport.timestampOf(raw) > this.ttlMs) {
      const discarding = this.transport.discard(raw, source);
      if (discarding instanceof Promise) discarding.catch((err: unknown) => this.reportError(asError(err)));
      this.metrics.count('expired');
      return false;
    }
    const count = this.transport.deliveryCountOf(raw);
    if (count > this.maxDeliveries) {
      this.policy.deadLetterOverdue(raw, source, count);
      return false;
    }
    return true;
  }

  /** How long the next wait may last; throws ChannelClosed or Timeout when waiting is over. */
  private nextSlice(source: S, end: number, timeoutMs: number): number {
    if (this.transport.isDrained(source)) throw this.drainedError();
    const left = end - performance.now();
    if (left <= 0) {
      throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for a message; raise timeoutMs or check that a sender is running`, { channel: this.options.name });
    }
    return Math.max(1, Math.min(left, this.transport.waitSliceMs(source)));
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
