// The pool fed by a channel: deliveries from `input` (any backend, through the Channel contract
// only) run as tasks, and each result goes to `output` with the input's correlation id (or its
// message id) and key. A delivery is acked only after its result was accepted by `output`, and
// nacked with the error when the task failed or the result could not be sent — so the input's
// own retry and dead-letter policy decides what happens next, and nothing taken is lost: a
// crash of this process leaves the unacked deliveries to the input's redelivery (at-least-once).
//
// At most `maxInFlightPerWorker` × (the pool's live threads, at least 1) deliveries are out at
// once; as the pool grows under the backlog, the feed takes more.
import type { Channel, Delivery } from '../channel.js';
import { InvalidConfigurationError, isChannelError } from '../errors.js';
import type { Pool } from './pool.js';

export interface FeedOptions {
  /** Deliveries out at once per pool thread. Default 4. */
  maxInFlightPerWorker?: number;
  /** Aborting it stops the feed, as stop() does. */
  signal?: AbortSignal;
}

export interface FeedStats {
  received: number;
  /** Results accepted by the output channel (their inputs acked). */
  sent: number;
  /** Inputs nacked: the task failed, or its result could not be sent. */
  nacked: number;
  inFlight: number;
}

export interface PoolFeed {
  /** Stops taking deliveries and resolves once every delivery taken is settled. */
  stop(): Promise<void>;
  /** Settles when the feed ends: stopped, or the input closed and drained (resolves), or a failure that ended it (rejects). */
  readonly done: Promise<void>;
  stats(): FeedStats;
}

/** Pause after a transient failure to receive (a broker away) before trying again. */
const RETRY_RECEIVE_MS = 200;

export function feedPool(pool: Pool<Uint8Array, Uint8Array>, input: Channel, output: Channel, options: FeedOptions = {}): PoolFeed {
  const perWorker = options.maxInFlightPerWorker ?? 4;
  if (!Number.isInteger(perWorker) || perWorker < 1) {
    throw new InvalidConfigurationError(`consume() maxInFlightPerWorker is ${String(perWorker)}; use a whole number >= 1`);
  }
  if (pool.options.codec !== 'bytes') {
    throw new InvalidConfigurationError(`consume() feeds channel payloads (bytes) to the pool, whose codec is '${pool.options.codec}'; use a pool with codec 'bytes'`);
  }
  const stopper = new AbortController();
  const counts: FeedStats = { received: 0, sent: 0, nacked: 0, inFlight: 0 };
  let wake: (() => void) | undefined;
  const roomFreed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stopped = new Promise<void>((resolve) => stopper.signal.addEventListener('abort', () => resolve(), { once: true }));
  options.signal?.addEventListener('abort', () => stopper.abort(), { once: true });
  if (options.signal?.aborted) stopper.abort();

  // The thread count, not stats(): stats() builds latency percentiles, and this runs per delivery.
  const limit = () => perWorker * Math.max(1, pool.liveThreads);

  const handle = async (delivery: Delivery): Promise<void> => {
    try {
      const result = await pool.run(delivery.data);
      await output.send(result, { correlationId: delivery.correlationId ?? delivery.id, key: delivery.key });
      await delivery.ack();
      counts.sent++;
    } catch (err) {
      counts.nacked++;
      await delivery.nack({ error: err }).catch(() => undefined); // already redelivered elsewhere, or the input closed: it is the input's now
    } finally {
      counts.inFlight--;
      roomFreed();
    }
  };

  const running = new Set<Promise<void>>();
  const loop = async (): Promise<void> => {
    while (!stopper.signal.aborted) {
      if (counts.inFlight >= limit()) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
        continue;
      }
      let deliveries: Delivery[];
      try {
        // As many as there is room for, in one call: waits for the first, takes what else is there.
        deliveries = await input.receiveBatch(limit() - counts.inFlight, { signal: stopper.signal });
      } catch (err) {
        if (isChannelError(err, 'Aborted') || isChannelError(err, 'ChannelClosed')) break;
        if (isChannelError(err, 'BackendError') || isChannelError(err, 'Timeout')) {
          await Promise.race([new Promise((r) => setTimeout(r, RETRY_RECEIVE_MS)), stopped]);
          continue;
        }
        throw err;
      }
      for (const delivery of deliveries) {
        counts.received++;
        counts.inFlight++;
        const work = handle(delivery);
        running.add(work);
        void work.finally(() => running.delete(work));
      }
    }
  };

  const done = loop().finally(async () => {
    stopper.abort();
    await Promise.all([...running]);
  });
  done.catch(() => undefined); // a caller that never looks at `done` must not see an unhandled rejection
  return {
    stop: async () => {
      stopper.abort();
      await done.catch(() => undefined);
    },
    done,
    stats: () => ({ ...counts }),
  };
}
