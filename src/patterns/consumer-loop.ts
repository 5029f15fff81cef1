// The loop under the worker queue and each event-bus handler: take a delivery when fewer than
// `concurrency` are being handled, run the handler, ack when it resolves (unless it settled the
// delivery itself), nack with the error when it throws — the channel's own retries and dead
// letters decide what follows. stop() is graceful: no more receiving (the waiting receive is
// aborted), the deliveries in hand are finished and settled, then it resolves.
import type { Delivery, ReceiveOptions } from '../channel.js';
import { isChannelError } from '../errors.js';

export interface ConsumerOptions {
  /** Deliveries handled at once (max in flight). Default 1. */
  concurrency?: number;
  /** A failed delivery is redelivered after this long (nack delayMs). Default 0. */
  retryDelayMs?: number;
  /** Failures that are not a handler's (a receive that failed); default: ignored after a pause. */
  onError?: (error: Error) => void;
}

export interface ConsumerStats {
  /** Deliveries whose handler resolved. */
  handled: number;
  /** Deliveries whose handler threw (each nacked). */
  failed: number;
  inFlight: number;
}

/** Pause after a receive failed for a reason that may pass (a broker away, a timeout). */
const RECEIVE_RETRY_MS = 200;

export class ConsumerLoop {
  readonly done: Promise<void>;
  private readonly stopper = new AbortController();
  private readonly counts: ConsumerStats = { handled: 0, failed: 0, inFlight: 0 };
  private readonly handling = new Set<Promise<void>>();
  private roomFreed: (() => void) | undefined;

  constructor(
    private readonly next: (options: ReceiveOptions) => Promise<Delivery>,
    private readonly handler: (delivery: Delivery) => unknown,
    private readonly concurrency: number,
    private readonly options: ConsumerOptions,
  ) {
    this.done = this.loop().finally(() => Promise.all([...this.handling]));
    this.done.catch(() => undefined);
  }

  stats(): ConsumerStats {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    this.roomFreed?.();
    await this.done.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      if (this.counts.inFlight >= this.concurrency) {
        await new Promise<void>((resolve) => (this.roomFreed = resolve));
        continue;
      }
      let delivery: Delivery;
      try {
        delivery = await this.next({ signal });
      } catch (err) {
        if (isChannelError(err, 'Aborted') || isChannelError(err, 'ChannelClosed')) return;
        this.options.onError?.(err as Error);
        if (isChannelError(err, 'BackendError') || isChannelError(err, 'Timeout')) {
          await new Promise((r) => setTimeout(r, RECEIVE_RETRY_MS));
          continue;
        }
        throw err;
      }
      this.counts.inFlight++;
      const work = this.handle(delivery);
      this.handling.add(work);
      void work.finally(() => this.handling.delete(work));
    }
  }

  private async handle(delivery: Delivery): Promise<void> {
    try {
      await this.handler(delivery);
      this.counts.handled++;
      if (delivery.settlement === undefined) await delivery.ack();
    } catch (err) {
      this.counts.failed++;
      if (delivery.settlement === undefined) {
        await delivery.nack({ error: err, delayMs: this.options.retryDelayMs ?? 0 }).catch((e: unknown) => this.options.onError?.(e as Error));
      }
    } finally {
      this.counts.inFlight--;
      const wake = this.roomFreed;
      this.roomFreed = undefined;
      wake?.();
    }
  }
}
