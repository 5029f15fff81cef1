// What every ring kind shares: the views on its buffer, argument checks, close(), and the
// blocking and promise-based calls, which are built once here on top of each kind's
// non-blocking trySend/tryReceive and its two bells (see waiting.ts).
import { isMainThread } from 'node:worker_threads';
import { abortedError, closedError, RingError, timeoutError } from './errors.js';
import { META_CLOSED } from './layout.js';
import type { Ring, RingDescriptor, RingKind, RingOptions, WaitOptions } from './types.js';
import { armBell, parkAsync, parkSync, wakeAll } from './waiting.js';

const RESOLVED: Promise<void> = Promise.resolve();
const SEND = 0;
const RECEIVE = 1;
type Operation = typeof SEND | typeof RECEIVE;

/** How many spin attempts between two clock reads: reading the clock costs more than an attempt. */
const SPINS_PER_CLOCK_READ = 32;

export abstract class RingBase implements Ring {
  abstract readonly kind: RingKind;
  readonly capacityBytes: number;
  abstract readonly maxMessageBytes: number;
  protected readonly buffer: SharedArrayBuffer;
  protected readonly options: Required<RingOptions>;
  /** The whole buffer as 32-bit words: header fields and record headers. */
  protected readonly words: Int32Array;
  /** The whole buffer as bytes: payloads. */
  protected readonly bytes: Uint8Array;
  /** Set by a successful receive attempt inside the blocking loops. */
  private received: Uint8Array | undefined;

  protected constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    this.buffer = buffer;
    this.options = options;
    this.capacityBytes = options.capacityBytes;
    this.words = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  get closed(): boolean {
    return Atomics.load(this.words, META_CLOSED) !== 0;
  }

  describe(): RingDescriptor {
    return { kind: this.kind, buffer: this.buffer, options: { ...this.options } };
  }

  close(): void {
    Atomics.store(this.words, META_CLOSED, 1);
    for (const bell of this.allBells()) wakeAll(this.words, bell);
  }

  release(): void {}

  // ---- what each kind provides -------------------------------------------------------------
  abstract trySend(message: Uint8Array): boolean;
  abstract trySendBatch(messages: readonly Uint8Array[]): number;
  abstract tryReceive(): Uint8Array | undefined;
  abstract tryReceiveView(): Uint8Array | undefined;
  abstract tryReceiveBatch(max: number, into?: Uint8Array[]): Uint8Array[];
  abstract drain(onMessage: (view: Uint8Array) => void, max?: number): number;
  abstract reserve(length: number): Uint8Array | undefined;
  abstract commit(): void;
  /** The bell a blocked receiver parks on (rung when a message is published). */
  protected abstract consumerBell(): number;
  /** The bell a blocked sender parks on (rung when space is freed). Called after a failed trySend. */
  protected abstract producerBell(): number;
  protected abstract allBells(): number[];
  /** mpmc: space claimed by a sender that has not committed yet (receivers must wait for it). */
  protected hasWritesInFlight(): boolean {
    return false;
  }

  // ---- shared argument checks ----------------------------------------------------------------
  protected checkMessage(message: Uint8Array): void {
    if (!(message instanceof Uint8Array)) {
      throw new RingError('RING_INVALID_ARGUMENT', `a message must be a Uint8Array (or Buffer), got ${describeValue(message)}; encode it first, e.g. new TextEncoder().encode(text)`);
    }
    if (message.length > this.maxMessageBytes) throw this.tooLarge(message.length);
  }

  /** Checks a whole batch before any of it is written, so bad input leaves the ring unchanged. */
  protected checkBatch(messages: readonly Uint8Array[]): void {
    if (!Array.isArray(messages)) {
      throw new RingError('RING_INVALID_ARGUMENT', `trySendBatch needs an array of Uint8Array, got ${describeValue(messages)}`);
    }
    for (let i = 0; i < messages.length; i++) {
      try {
        this.checkMessage(messages[i] as Uint8Array);
      } catch (error) {
        const e = error as RingError;
        throw new RingError(e.code, `message ${i} of the batch: ${e.message} (nothing of the batch was sent)`);
      }
    }
  }

  protected checkMax(max: number): void {
    if (typeof max !== 'number' || Number.isNaN(max) || max < 0) {
      throw new RingError('RING_INVALID_ARGUMENT', `max must be a number >= 0, got ${String(max)}`);
    }
  }

  protected pendingReserveError(): RingError {
    return new RingError('RING_INVALID_ARGUMENT', 'a reserve()d message is not committed yet: call commit() before sending anything else');
  }

  protected commitWithoutReserveError(): RingError {
    return new RingError('RING_INVALID_ARGUMENT', 'commit() without a successful reserve(): nothing to publish');
  }

  protected checkReserveLength(length: number): void {
    if (!Number.isInteger(length) || length < 0) {
      throw new RingError('RING_INVALID_ARGUMENT', `reserve(length) needs a whole number of bytes >= 0, got ${String(length)}`);
    }
    if (length > this.maxMessageBytes) throw this.tooLarge(length);
  }

  protected checkOpen(): void {
    if (Atomics.load(this.words, META_CLOSED) !== 0) throw closedError();
  }

  private tooLarge(length: number): RingError {
    return new RingError(
      'RING_MESSAGE_TOO_LARGE',
      `a message of ${length} bytes can never fit: this ring takes at most ${this.maxMessageBytes} bytes per message; use a ring with a larger capacityBytes or split the message`,
    );
  }

  // ---- blocking calls (worker threads) -------------------------------------------------------
  sendSync(message: Uint8Array, timeoutMs?: number): void {
    this.blockSync(SEND, message, timeoutMs);
  }

  receiveSync(timeoutMs?: number): Uint8Array {
    return this.blockSync(RECEIVE, undefined, timeoutMs) as Uint8Array;
  }

  // ---- promise calls (any thread; never block) ----------------------------------------------
  // Not async functions: when the ring can serve the call at once (the common case in a busy
  // pipeline) they return a settled promise without entering the waiting machinery.
  send(message: Uint8Array, options?: WaitOptions): Promise<void> {
    if (servableAtOnce(options)) {
      try {
        if (this.trySend(message)) return RESOLVED;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.blockAsync(SEND, message, options) as Promise<unknown> as Promise<void>;
  }

  receive(options?: WaitOptions): Promise<Uint8Array> {
    if (servableAtOnce(options)) {
      const message = this.tryReceive();
      if (message !== undefined) return Promise.resolve(message);
    }
    return this.blockAsync(RECEIVE, undefined, options) as Promise<Uint8Array>;
  }

  /** Taken synchronously right after a successful attempt, so concurrent async calls never mix results. */
  private takeReceived(): Uint8Array | undefined {
    const message = this.received;
    this.received = undefined;
    return message;
  }

  /** One try of the operation: true when done; throws RING_CLOSED when it can never succeed. */
  private attempt(op: Operation, message: Uint8Array | undefined): boolean {
    if (op === SEND) return this.trySend(message as Uint8Array);
    let got = this.tryReceive();
    if (got === undefined) {
      if (!this.closed) return false;
      // Closed: what was published before close() is visible now; take it, then report closed.
      got = this.tryReceive();
      if (got === undefined) {
        if (this.hasWritesInFlight()) return false;
        throw closedError();
      }
    }
    this.received = got;
    return true;
  }

  /** Spins for up to spinMicros; true if the operation succeeded meanwhile. */
  private spin(op: Operation, message: Uint8Array | undefined, deadline: number): boolean {
    if (this.options.spinMicros === 0) return false;
    const spinEnd = Math.min(performance.now() + this.options.spinMicros / 1000, deadline);
    for (let i = 1; ; i++) {
      if (this.attempt(op, message)) return true;
      if (i % SPINS_PER_CLOCK_READ === 0 && performance.now() >= spinEnd) return false;
    }
  }

  private blockSync(op: Operation, message: Uint8Array | undefined, timeoutMs: number | undefined): Uint8Array | undefined {
    if (isMainThread) {
      throw new RingError('RING_INVALID_ARGUMENT', `${op === SEND ? 'sendSync' : 'receiveSync'} would block the main thread; use the promise call (${op === SEND ? 'send' : 'receive'}) there`);
    }
    const deadline = deadlineOf(timeoutMs);
    if (op === SEND) this.checkMessage(message as Uint8Array);
    if (this.attempt(op, message) || this.spin(op, message, deadline)) return this.takeReceived();
    const bell = op === SEND ? this.producerBell() : this.consumerBell();
    for (;;) {
      const seen = armBell(this.words, bell); // wakers notify only while the bell is armed
      if (this.attempt(op, message)) return this.takeReceived(); // the re-check after arming
      const left = deadline - performance.now();
      if (left <= 0) throw timeoutError(timeoutMs as number);
      parkSync(this.words, bell, seen, Math.min(this.options.parkSliceMs, left));
      // Woken (or the slice ended): try once before arming again, so a waiter that now succeeds
      // leaves no arm behind for the next publish to spend a notify on.
      if (this.attempt(op, message)) return this.takeReceived();
    }
  }

  private async blockAsync(op: Operation, message: Uint8Array | undefined, options: WaitOptions | undefined): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    const timeoutMs = options?.timeoutMs;
    if (signal?.aborted) throw abortedError();
    const deadline = deadlineOf(timeoutMs);
    if (op === SEND) this.checkMessage(message as Uint8Array);
    if (this.attempt(op, message) || this.spin(op, message, deadline)) return this.takeReceived();
    let onAbort: (() => void) | undefined;
    const aborted = signal === undefined ? undefined : new Promise<void>((resolve) => {
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const bell = op === SEND ? this.producerBell() : this.consumerBell();
    try {
      for (;;) {
        const seen = armBell(this.words, bell);
        if (this.attempt(op, message)) return this.takeReceived();
        if (signal?.aborted) throw abortedError();
        const left = deadline - performance.now();
        if (left <= 0) throw timeoutError(timeoutMs as number);
        await parkAsync(this.words, bell, seen, Math.min(this.options.parkSliceMs, left), aborted);
        if (this.attempt(op, message)) return this.takeReceived(); // before arming again (see blockSync)
      }
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Options that let a call be served at once (no aborted signal, no invalid timeout to report). */
function servableAtOnce(options: WaitOptions | undefined): boolean {
  if (options === undefined) return true;
  const { signal, timeoutMs } = options;
  return signal?.aborted !== true && (timeoutMs === undefined || timeoutMs >= 0);
}

function deadlineOf(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return Infinity;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RingError('RING_INVALID_ARGUMENT', `timeoutMs must be a number >= 0 (or left out to wait without limit), got ${String(timeoutMs)}`);
  }
  return performance.now() + timeoutMs;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}
