// Sends guarded by resilience policies, over the Channel contract only: a circuit breaker
// (closed → open after consecutive failures → half-open after a pause → closed on a success),
// retry with exponential backoff and decorrelated jitter, a per-attempt timeout and an optional
// bulkhead (a cap on sends at once). The policies are cockatiel's — a well-kept TypeScript
// library with no dependencies of its own — composed as bulkhead → retry → breaker → timeout,
// so a retry is itself refused while the circuit is open, and every attempt has its own time.
//
// Only failures that may pass are retried and counted by the breaker: BackendError (a broker
// away), Timeout, ChannelFull (back-pressure). Bad input (SerializationError,
// InvalidConfiguration), a closed channel and an abort fail at once and leave the breaker alone.
//
// Note: a send that timed out may still have reached the broker; retrying it can send it twice
// (at-least-once), as with any client-side retry.
import {
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead as makeBulkhead,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  noop,
  retry as makeRetry,
  timeout as makeTimeout,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import type { Channel, Message, OutgoingMessage, SendOptions } from '../channel.js';
import { BackendError, ChannelError, ChannelFullError, InvalidConfigurationError, TimeoutError, isChannelError } from '../errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** First pause before a retry (ms); later ones grow exponentially, with jitter. Default 100. */
  initialDelayMs?: number;
  /** Longest pause (ms). Default 5000. */
  maxDelayMs?: number;
}

export interface BreakerOptions {
  /** Consecutive failed sends that open the circuit. Default 5. */
  consecutiveFailures?: number;
  /** How long it stays open before one trial send (half-open), in ms. Default 5000. */
  halfOpenAfterMs?: number;
}

export interface GuardOptions {
  /** `false` for no retries. */
  retry?: RetryOptions | false;
  /** `false` for no breaker. */
  breaker?: BreakerOptions | false;
  /** Longest one attempt may take (ms); it is aborted through its signal after that. Default: none. */
  timeoutMs?: number;
  /** At most `limit` sends at once, `queue` more waiting; beyond that ChannelFull at once. Default: none. */
  bulkhead?: { limit: number; queue?: number };
  /** Which failures are retried and counted by the breaker. Default: BackendError, Timeout, ChannelFull. */
  isTransient?: (error: unknown) => boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface GuardEvents {
  /** The circuit changed state. */
  state: (state: BreakerState) => void;
  /** A failed attempt will be tried again after `delayMs`. */
  retry: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The circuit is open: sends fail at once (code BackendError) until it half-opens. */
export class CircuitOpenError extends BackendError {
  constructor(channel: string, cause: unknown) {
    super(`sends to this channel are failing fast: the circuit breaker opened after repeated failures; it lets one send through to try again after halfOpenAfterMs — check the broker, or wait and retry`, { channel, cause });
  }
}

export function isTransientSendError(error: unknown): boolean {
  return isChannelError(error, 'BackendError') || isChannelError(error, 'Timeout') || isChannelError(error, 'ChannelFull');
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export class GuardedSender {
  private readonly policy: IPolicy;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly timeoutMs: number | undefined;
  private readonly listeners = { state: new Set<GuardEvents['state']>(), retry: new Set<GuardEvents['retry']>() };

  constructor(
    readonly channel: Channel,
    options: GuardOptions = {},
  ) {
    const transient = options.isTransient ?? isTransientSendError;
    const handled = handleWhen((err) => transient(err));
    const parts: IPolicy[] = [];
    if (options.bulkhead !== undefined) {
      const { limit, queue = 0 } = options.bulkhead;
      if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(queue) || queue < 0) {
        throw new InvalidConfigurationError(`guard option bulkhead is ${JSON.stringify(options.bulkhead)}; use { limit: whole number >= 1, queue?: whole number >= 0 }`);
      }
      parts.push(makeBulkhead(limit, queue));
    }
    if (options.retry !== false) {
      const r = options.retry ?? {};
      const maxAttempts = r.maxAttempts ?? 3;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new InvalidConfigurationError(`guard option retry.maxAttempts is ${String(maxAttempts)}; use a whole number >= 1`);
      const retry = makeRetry(handled, {
        maxAttempts: maxAttempts - 1, // cockatiel counts the retries, not the attempts
        backoff: new ExponentialBackoff({ initialDelay: r.initialDelayMs ?? 100, maxDelay: r.maxDelayMs ?? 5000 }),
      });
      retry.onRetry((event) => {
        for (const l of this.listeners.retry) l('error' in event ? event.error : event.value, event.attempt, event.delay);
      });
      parts.push(retry);
    }
    if (options.breaker !== false) {
      const b = options.breaker ?? {};
      this.breaker = circuitBreaker(handled, { halfOpenAfter: b.halfOpenAfterMs ?? 5000, breaker: new ConsecutiveBreaker(b.consecutiveFailures ?? 5) });
      this.breaker.onStateChange((state) => {
        for (const l of this.listeners.state) l(STATES[state]);
      });
      parts.push(this.breaker);
    }
    this.timeoutMs = options.timeoutMs;
    if (options.timeoutMs !== undefined) {
      if (!(options.timeoutMs > 0)) throw new InvalidConfigurationError(`guard option timeoutMs is ${String(options.timeoutMs)}; use a number of ms > 0`);
      parts.push(makeTimeout(options.timeoutMs, TimeoutStrategy.Cooperative));
    }
    this.policy = parts.length === 0 ? noop : parts.length === 1 ? parts[0]! : wrap(...parts);
  }

  /** 'closed' without a breaker. */
  get breakerState(): BreakerState {
    return this.breaker === undefined ? 'closed' : STATES[this.breaker.state];
  }

  on<E extends keyof GuardEvents>(event: E, listener: GuardEvents[E]): () => void {
    const set = this.listeners[event] as Set<GuardEvents[E]>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  send(data: Uint8Array, options: SendOptions = {}): Promise<string> {
    return this.execute((signal) => this.channel.send(data, { ...options, signal }), options.signal);
  }

  sendBatch(messages: readonly (Uint8Array | OutgoingMessage)[], options: Pick<SendOptions, 'timeoutMs' | 'signal'> = {}): Promise<string[]> {
    return this.execute((signal) => this.channel.sendBatch(messages, { ...options, signal }), options.signal);
  }

  publish(data: Uint8Array, options: SendOptions = {}): Promise<number> {
    return this.execute((signal) => this.channel.publish(data, { ...options, signal }), options.signal);
  }

  request(data: Uint8Array, options: SendOptions = {}): Promise<Message> {
    return this.execute((signal) => this.channel.request(data, { ...options, signal }), options.signal);
  }

  /** Runs any operation through the same policies (its signal combines yours and the timeout's). */
  async execute<T>(operation: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const timedOut = (inner: AbortSignal) => inner.aborted && !signal?.aborted;
    try {
      return await this.policy.execute(
        ({ signal: inner }) =>
          operation(inner).catch((err: unknown) => {
            // The timeout aborted this attempt through its signal: a Timeout (retried), not the caller's abort.
            if (isChannelError(err, 'Aborted') && timedOut(inner)) {
              throw new TimeoutError(`the send took longer than the guard's timeoutMs (${this.timeoutMs} ms) and was aborted; it may still have reached the broker`, { channel: this.channel.name, cause: err });
            }
            throw err;
          }),
        signal,
      );
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** cockatiel's own errors become the library's typed ChannelErrors; the channel's pass through. */
  private translate(err: unknown): unknown {
    if (err instanceof ChannelError) return err;
    if (isBrokenCircuitError(err)) return new CircuitOpenError(this.channel.name, err);
    if (err instanceof BulkheadRejectedError) {
      return new ChannelFullError('too many sends at once: the bulkhead limit and its queue are full; wait for some to finish, or raise bulkhead.limit/queue', { channel: this.channel.name, cause: err });
    }
    if (err instanceof TaskCancelledError) {
      return new TimeoutError('the send took longer than the guard\'s timeoutMs and was aborted; it may still have reached the broker', { channel: this.channel.name, cause: err });
    }
    return err;
  }
}

/** Guards a channel's sends (see GuardedSender). */
export function guardSends(channel: Channel, options?: GuardOptions): GuardedSender {
  return new GuardedSender(channel, options);
}
