// Worker queue: competing consumers of one channel's receivers' queue. Each message goes to one
// consumer; a consumer handles up to `concurrency` at once; a handler that resolves acks its
// delivery, one that throws nacks it (the channel's maxRetries and dead-letter channel apply);
// stop() finishes what is in hand before it resolves. Run several (in this thread, in workers,
// in other processes on a broker) on the same channel to share the work.
import type { Delivery } from '../channel.js';
import { ConsumerLoop, type ConsumerOptions, type ConsumerStats } from './consumer-loop.js';
import { checkConcurrency, nextDeliveryOf, type DeliverySource } from './delivery-source.js';

export type WorkHandler = (delivery: Delivery) => unknown;

export class WorkerQueue {
  private readonly loop: ConsumerLoop;

  /** Starts consuming at once. `source`: a channel (its receivers' queue) or a subscription. */
  constructor(source: DeliverySource, handler: WorkHandler, options: ConsumerOptions = {}) {
    const next = nextDeliveryOf(source, 'WorkerQueue');
    const concurrency = checkConcurrency(options.concurrency ?? 1, 'WorkerQueue');
    this.loop = new ConsumerLoop(next, handler, concurrency, options);
  }

  /** Settles when the queue stops: stop(), or the channel closed and drained. Rejects on a failure that stopped it. */
  get done(): Promise<void> {
    return this.loop.done;
  }

  stats(): ConsumerStats {
    return this.loop.stats();
  }

  /** No more receiving; resolves once every delivery in hand is handled and settled. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
