// The backpressure modes, written once: what a send does when a place it must reach is full.
// A backend supplies only the primitives — offer once (never waits), evict the oldest, wait until
// a take may have made room — and this loop decides by the channel's mode:
//   block        wait for room, up to the send's timeout (then ChannelFull), or its signal (Aborted)
//   drop-newest  give this message up for that place (counted in `dropped`); the send resolves
//   drop-oldest  evict the oldest waiting message (counted in `dropped`) and try again
//   error        ChannelFull at once
import type { BackpressureMode } from '../channel.js';
import { abortedError } from '../deadline.js';
import { ChannelFullError } from '../errors.js';
import type { ChannelMetrics } from '../metrics/channel-metrics.js';

/** offer(): it went in. */
export const SENT = 0;
/** offer(): the place holds `capacity` messages already. */
export const FULL_COUNT = 1;
/** offer(): the place has no room for this message's bytes now. */
export const FULL_BYTES = 2;
export type OfferOutcome = typeof SENT | typeof FULL_COUNT | typeof FULL_BYTES;

/** A place a message must reach (the receivers' queue, a subscription group, an inbox). */
export interface SendTarget {
  /** Names it in error messages: "the receivers' queue", "subscription group 'audit'". */
  readonly label: string;
  /**
   * Subscription groups a message put here reaches: 0 for the receivers' queue, -1 when unknown.
   * Read after a successful offer, so a transport that learns the number from the broker (a
   * script that counts the groups) may set it on a target object of its own during offer().
   */
  readonly groups: number;
}

/** What a backend supplies for the loop. */
export interface OfferPort<T extends SendTarget, M> {
  /**
   * One attempt at the place's capacity: never waits for room. Throws the typed error when the
   * place is closed or broken. A broker that cannot reach its server may retry the attempt until
   * `untilMs` (performance.now(), the send's timeout) or the signal, and then throws.
   */
  offer(message: M, target: T, untilMs: number, signal: AbortSignal | undefined): OfferOutcome | Promise<OfferOutcome>;
  /** Removes the oldest message waiting at `target`; false when nothing could be evicted now. */
  evictOldest(target: T): boolean | Promise<boolean>;
  /** Resolves when a take may have made room at `target`, or at `untilMs` (performance.now()), whichever is first. */
  waitForRoom(target: T, untilMs: number, signal: AbortSignal | undefined): Promise<void>;
  /** The same, blocking the calling worker thread (backends with blocking calls only). */
  waitForRoomSync?(target: T, untilMs: number): void;
}

export interface BackpressurePolicy {
  readonly mode: BackpressureMode;
  readonly capacity: number;
  readonly channel: string;
  readonly metrics: ChannelMetrics;
}

/** Full, yet nothing to evict this many times in a row: other receivers hold the space mid-read; wait a moment. */
const EVICTIONS_BEFORE_WAITING = 1000;

/** A step of the loop that asks its driver to wait for room at `target` (async: a promise; sync: a park). */
interface WaitStep<T> {
  readonly waitFor: T;
}

/**
 * The loop itself, once, as a generator: it yields what the port returned (a value, or a promise
 * the async driver awaits) and the waits, and gets back what they came to. The two drivers below
 * differ only in how they await.
 */
function* offerSteps<T extends SendTarget, M>(
  port: OfferPort<T, M>,
  message: M,
  targets: readonly T[],
  policy: BackpressurePolicy,
  untilMs: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Generator<unknown, number, unknown> {
  let groups = 0;
  for (const target of targets) {
    for (let fruitless = 0; ; ) {
      const outcome = (yield port.offer(message, target, untilMs, signal)) as OfferOutcome;
      const next = decide(outcome, target, policy, fruitless);
      if (next === REACHED) {
        groups = addGroups(groups, target);
        break;
      }
      if (next === GIVEN_UP) break;
      if (next === EVICT) {
        if ((yield port.evictOldest(target)) === true) {
          policy.metrics.count('dropped');
          fruitless = 0;
        } else fruitless++;
        continue;
      }
      checkWaitAllowed(target, policy, untilMs, timeoutMs, signal);
      yield { waitFor: target } satisfies WaitStep<T>;
    }
  }
  return groups;
}

function isWait<T>(step: unknown): step is WaitStep<T> {
  return typeof step === 'object' && step !== null && 'waitFor' in step;
}

/**
 * Puts `message` into every target in order, each under the mode; resolves to the subscription
 * groups reached (-1 when a target cannot know). `untilMs` bounds every wait (performance.now()).
 */
export async function offerToAll<T extends SendTarget, M>(
  port: OfferPort<T, M>,
  message: M,
  targets: readonly T[],
  policy: BackpressurePolicy,
  untilMs: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const steps = offerSteps(port, message, targets, policy, untilMs, timeoutMs, signal);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    const value = step.value;
    step = steps.next(isWait<T>(value) ? await port.waitForRoom(value.waitFor, untilMs, signal) : await value);
  }
}

/** offerToAll, parking the calling worker thread instead of awaiting (sendSync). */
export function offerToAllSync<T extends SendTarget, M>(
  port: OfferPort<T, M>,
  message: M,
  targets: readonly T[],
  policy: BackpressurePolicy,
  untilMs: number,
  timeoutMs: number,
): number {
  const steps = offerSteps(port, message, targets, policy, untilMs, timeoutMs, undefined);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    const value = step.value;
    if (value instanceof Promise) throw new TypeError('internal: a synchronous send reached a backend whose offer is asynchronous');
    step = steps.next(isWait<T>(value) ? port.waitForRoomSync!(value.waitFor, untilMs) : value);
  }
}

const REACHED = 0;
const GIVEN_UP = 1;
const EVICT = 2;
const WAIT = 3;

/** The mode switch: what to do after one offer. Throws ChannelFull in `error` mode. */
function decide(outcome: OfferOutcome, target: SendTarget, policy: BackpressurePolicy, fruitlessEvictions: number): number {
  if (outcome === SENT) return REACHED;
  switch (policy.mode) {
    case 'drop-newest':
      policy.metrics.count('dropped');
      return GIVEN_UP;
    case 'error':
      throw fullError(target, outcome, policy);
    case 'drop-oldest':
      return fruitlessEvictions < EVICTIONS_BEFORE_WAITING ? EVICT : WAIT;
    default:
      return WAIT;
  }
}

function addGroups(sum: number, target: SendTarget): number {
  return sum < 0 || target.groups < 0 ? -1 : sum + target.groups;
}

function checkWaitAllowed(target: SendTarget, policy: BackpressurePolicy, untilMs: number, timeoutMs: number, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal, `waiting for room in ${target.label}`, policy.channel);
  if (performance.now() >= untilMs) {
    throw new ChannelFullError(`${target.label} stayed full for ${timeoutMs} ms (sendTimeoutMs); receive faster, raise capacity, or raise the timeout`, {
      channel: policy.channel,
    });
  }
}

function fullError(target: SendTarget, outcome: OfferOutcome, policy: BackpressurePolicy): ChannelFullError {
  const why = outcome === FULL_COUNT ? `capacity ${policy.capacity} messages` : 'no room for this message in its buffer';
  return new ChannelFullError(`${target.label} is full (${why}); receive faster, raise capacity, or choose another backpressure mode`, {
    channel: policy.channel,
  });
}
