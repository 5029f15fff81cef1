// Small helpers every case file uses: text <-> bytes, unique names, hang guards, typed-error checks
// and watched promises. Nothing here knows about a backend.
import * as assert from 'uvu/assert';
import type { Channel, ConnectionState, Delivery } from '../../src/channel.js';
import { isChannelError, type ChannelError, type ChannelErrorCode } from '../../src/errors.js';
import { within } from '../support/services.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Uint8Array => encoder.encode(text);
export const text = (data: Uint8Array): string => decoder.decode(data);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let nameCounter = 0;
/** A channel / group name no other case or run uses (portable alphabet: letters, digits, '-'). */
export function uniqueName(prefix = 'conf'): string {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${nameCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Resolves or rejects as `work` does, or rejects after `ms` naming `what`. uvu has no per-test
 * timeout, so anything that can hang goes through this: a bug fails its case instead of wedging
 * the file. The timer is cleared either way so it never keeps the process alive. `what` may be a
 * function, read only when the time is up — to say how far the work got (e.g. "stalled at 8 700").
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  if (typeof what === 'string') return within(ms, `${what} (a hang, or a lost message)`, work);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asserts that `work` fails with a ChannelError of `code` whose message says something, and
 * returns it. `work` may throw synchronously or reject. `guardMs` only stops a hang (the case's
 * own guard is the real limit); callers on slow paths pass a scaled one (`h.ms(...)`).
 */
export function expectCode(work: () => unknown, code: ChannelErrorCode, what: string, guardMs = 10_000): Promise<ChannelError> {
  return expectChannelError(work, [code], what, guardMs);
}

/** As expectCode, for a call that may fail with any one of `codes` (e.g. BackendError or Timeout). */
export async function expectChannelError(work: () => unknown, codes: readonly ChannelErrorCode[], what: string, guardMs = 10_000): Promise<ChannelError> {
  let outcome: unknown;
  const want = codes.join(' or ');
  try {
    outcome = await withTimeout(Promise.resolve().then(work), guardMs, what);
  } catch (err) {
    if (!isChannelError(err)) {
      assert.unreachable(`${what}: expected a ChannelError with code ${want}, got ${String(err)}`);
      throw err; // unreachable() has thrown already; this tells the compiler
    }
    assert.ok(codes.includes(err.code), `${what}: expected code ${want}, got ${err.code} (${err.message})`);
    assert.ok(err.message.length > 20, `${what}: the error message should say what was wrong and what to do, got "${err.message}"`);
    return err;
  }
  assert.unreachable(`${what}: expected ${want}, but it succeeded with ${describeValue(outcome)}`);
  throw new Error('unreachable');
}

export function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes "${text(value).slice(0, 60)}"`;
  if (value && typeof value === 'object' && 'data' in value && (value as Delivery).data instanceof Uint8Array) {
    return `a delivery of "${text((value as Delivery).data).slice(0, 60)}"`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** A promise watched without being awaited: its outcome can be read later, and it never goes unhandled. */
export interface Watched<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
  /** Resolves (never rejects) once the watched promise has settled. */
  readonly done: Promise<void>;
}

export function watch<T>(work: Promise<T>): Watched<T> {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown, done: Promise.resolve() };
  state.done = work.then(
    (value) => {
      state.value = value;
      state.settled = true;
    },
    (error: unknown) => {
      state.error = error;
      state.settled = true;
    },
  );
  return state;
}

/** Resolves once `channel` reports `state` (at once if it already does); rejects after `ms`. */
export function reachesStatus(channel: Channel, state: ConnectionState, ms: number): Promise<void> {
  let off: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => {
    if (channel.status === state) return resolve();
    off = channel.on('status', (s) => {
      if (s === state) resolve();
    });
  });
  return withTimeout(reached, ms, `channel ${channel.name} reaching status '${state}' (it is '${channel.status}')`).finally(() => off?.());
}
