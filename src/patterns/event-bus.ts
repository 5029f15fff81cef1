// Event bus in the style of an event manager: `on(type, handler)` adds a handler at run time and
// returns the function that removes it; `emit(type, data)` publishes. Each handler reads through
// a subscription of its own (a group of its own, or a named group shared by its instances in
// other threads or processes), so a slow handler only lets its own backlog grow — the others go
// on — and a handler that throws gets that event again (nack), without the others seeing it twice.
//
// The backlog of a slow handler is held by the channel (a broker's stream, or the in-memory
// subscriber ring); when it reaches the channel's bound, the channel's backpressure mode decides
// (`block` makes emit() wait, `drop-oldest` drops that handler's oldest). The in-memory backend
// has `maxSubscribers` slots (16 by default): one per handler.
import type { Channel, Delivery, Headers } from '../channel.js';
import { InvalidConfigurationError } from '../errors.js';
import { ConsumerLoop } from './consumer-loop.js';
import { checkConcurrency } from './delivery-source.js';

/** The header carrying an event's type. */
export const EVENT_TYPE_HEADER = 'event-type';

export interface BusEvent {
  readonly type: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly id: string;
  readonly timestamp: number;
  /** The delivery underneath (settled by the bus after the handler). */
  readonly delivery: Delivery;
}

export type EventHandler = (event: BusEvent) => unknown;

export interface HandlerOptions {
  /** Share this handler's events with its other instances (same group name): each event reaches one of them. */
  group?: string;
  /** Events this handler works on at once. Default 1 (in order). */
  concurrency?: number;
  /** A failed event is handed to this handler again after this long. Default 0. */
  retryDelayMs?: number;
}

export interface EmitOptions {
  headers?: Headers;
  key?: string;
}

/** `on()` gives one: removes the handler, resolving once its events in hand are finished. */
export type RemoveHandler = () => Promise<void>;

export class EventBus {
  private readonly handlers = new Set<{ loop: ConsumerLoop; unsubscribe: () => Promise<void> }>();

  constructor(readonly channel: Channel) {}

  /** Adds a handler for events of `type` ('*' for every type). Events emitted from now on reach it. */
  async on(type: string, handler: EventHandler, options: HandlerOptions = {}): Promise<RemoveHandler> {
    if (typeof type !== 'string' || type === '') throw new InvalidConfigurationError("EventBus.on takes an event type (a non-empty string, or '*' for all)");
    if (typeof handler !== 'function') throw new InvalidConfigurationError('EventBus.on takes a handler function');
    const concurrency = checkConcurrency(options.concurrency ?? 1, 'EventBus.on');
    const subscription = await this.channel.subscribe(options.group === undefined ? {} : { group: options.group });
    const loop = new ConsumerLoop(
      (o) => subscription.next(o),
      (delivery) => {
        const eventType = delivery.headers[EVENT_TYPE_HEADER] ?? '';
        if (type !== '*' && eventType !== type) return; // not this handler's: acked and passed over
        return handler({ type: eventType, data: delivery.data, headers: delivery.headers, id: delivery.id, timestamp: delivery.timestamp, delivery });
      },
      concurrency,
      { retryDelayMs: options.retryDelayMs },
    );
    const entry = {
      loop,
      unsubscribe: async () => {
        if (!this.handlers.delete(entry)) return;
        await loop.stop();
        await subscription.unsubscribe();
      },
    };
    this.handlers.add(entry);
    return entry.unsubscribe;
  }

  /** Publishes an event to every handler (every group); resolves to how many groups it reached. */
  emit(type: string, data: Uint8Array, options: EmitOptions = {}): Promise<number> {
    if (typeof type !== 'string' || type === '' || type === '*') {
      return Promise.reject(new InvalidConfigurationError(`EventBus.emit takes an event type (a non-empty string other than '*'); got ${JSON.stringify(type)}`));
    }
    return this.channel.publish(data, { headers: { ...options.headers, [EVENT_TYPE_HEADER]: type }, key: options.key });
  }

  /** Removes every handler (each finishes its events in hand). The channel stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.handlers].map((h) => h.unsubscribe()));
  }
}
