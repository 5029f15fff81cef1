// What the conformance suite needs from a backend, and the helpers every case file shares.
//
// A backend joins the suite by writing one small factory file (see memory.test.ts) that fills in
// BackendUnderTest. Cases read `capabilities` (never the backend's name) to decide what applies;
// a case that does not apply is registered as a counted skip with its reason, never left out.
import { setMaxListeners } from 'node:events';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Capabilities, Channel, ChannelOptions, Delivery } from '../../src/channel.js';
import { isChannelError, type ChannelError, type ChannelErrorCode } from '../../src/errors.js';
import { within } from '../support/services.js';

export interface BackendUnderTest {
  /** 'memory', later 'redis', 'kafka', 'nats', 'nats-jetstream'. */
  name: string;
  /** What the backend declares, read from a channel opened with default options. */
  capabilities: Capabilities;
  /** A NEW channel with a unique name on every call. */
  open(options?: Partial<ChannelOptions>): Promise<Channel>;
  /** Another handle (another consumer or producer) on the same channel. */
  openAnother(channel: Channel): Promise<Channel>;
  /** A handle on the channel with this name (e.g. a dead-letter channel). */
  openNamed(name: string, options?: Partial<ChannelOptions>): Promise<Channel>;
  /** Persistent backends: restart the broker (later issues). */
  restartBroker?(): Promise<void>;
  /**
   * What `close()` ends, as the contract's doc comment on close says: 'channel' — the channel
   * itself, for every handle (in-process backends: the shared ring closes); 'handle' — only this
   * handle's connections, the broker keeps what it accepted. Default: 'handle' when the backend
   * crosses processes, else 'channel'.
   */
  closeScope?: 'channel' | 'handle';
  /** The `openChannel` URL of a channel with this name, if the backend is reachable that way. */
  url?(name: string): string;
  /** Multiplies the suite's waits (ack deadlines, "nothing more arrives" windows) for slow brokers. Default 1. */
  timeScale?: number;
}

export function closeScopeOf(backend: BackendUnderTest): 'channel' | 'handle' {
  return backend.closeScope ?? (backend.capabilities.crossesProcesses ? 'handle' : 'channel');
}

// ---- small helpers ----------------------------------------------------------------------------

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
 * the file. The timer is cleared either way so it never keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return within(ms, `${what} (a hang, or a lost message)`, work);
}

/**
 * Asserts that `work` fails with a ChannelError of `code` whose message says something, and
 * returns it. `work` may throw synchronously or reject.
 */
export async function expectCode(work: () => unknown, code: ChannelErrorCode, what: string): Promise<ChannelError> {
  let outcome: unknown;
  try {
    outcome = await withTimeout(Promise.resolve().then(work), 10_000, what);
  } catch (err) {
    if (!isChannelError(err)) {
      assert.unreachable(`${what}: expected a ChannelError with code ${code}, got ${String(err)}`);
      throw err; // unreachable() has thrown already; this tells the compiler
    }
    assert.is(err.code, code, `${what}: expected code ${code}, got ${err.code} (${err.message})`);
    assert.ok(err.message.length > 20, `${what}: the error message should say what was wrong and what to do, got "${err.message}"`);
    return err;
  }
  assert.unreachable(`${what}: expected ${code}, but it succeeded with ${describeValue(outcome)}`);
  throw new Error('unreachable');
}

function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes "${text(value).slice(0, 60)}"`;
  if (value && typeof value === 'object' && 'data' in value && (value as Delivery).data instanceof Uint8Array) {
    return `a delivery of "${text((value as Delivery).data).slice(0, 60)}"`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** Asserts that nothing (more) arrives on `channel` within `ms`: a receive with that timeout times out. */
export async function expectNothing(channel: Channel, ms: number, what: string): Promise<void> {
  try {
    const extra = await channel.receiveDelivery({ timeoutMs: ms });
    assert.unreachable(`${what}: expected nothing more, but received "${text(extra.data).slice(0, 60)}" (deliveryCount ${extra.deliveryCount})`);
  } catch (err) {
    if (err instanceof assert.Assertion) throw err;
    if (!isChannelError(err, 'Timeout')) throw err;
  }
}

/** Receives `n` deliveries (each waits at most `timeoutMs`), leaving them unsettled. */
export async function receiveDeliveries(channel: Channel, n: number, timeoutMs = 5000): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(await channel.receiveDelivery({ timeoutMs }));
    } catch (err) {
      throw new Error(`received ${i} of ${n} messages, then: ${String(err)}`, { cause: err });
    }
  }
  return out;
}

/** Receives `n` messages through the trio's `receive` (acknowledged on hand-over), as text. */
export async function receiveTexts(channel: Channel, n: number, timeoutMs = 5000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(text(await channel.receive({ timeoutMs })));
    } catch (err) {
      throw new Error(`received ${i} of ${n} messages (${out.slice(-3).join(', ')}), then: ${String(err)}`, { cause: err });
    }
  }
  return out;
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

/**
 * Runs consumers side by side until `total` messages have arrived between them, then stops them
 * all (by aborting their waits). `next(i, signal)` fetches consumer i's next delivery; each one is
 * acked. Returns what each consumer got, as text. Duplicates show up as more than `total`.
 */
export async function consumeTogether(
  consumers: number,
  total: number,
  next: (consumer: number, signal: AbortSignal) => Promise<Delivery>,
): Promise<string[][]> {
  const got: string[][] = Array.from({ length: consumers }, () => []);
  const stop = new AbortController();
  // Every consumer's wait listens on this one signal: that many listeners are expected. A backend
  // that leaked one per receive would pass thousands and still trip Node's warning.
  setMaxListeners(2 * consumers + 10, stop.signal);
  let count = 0;
  const loop = async (i: number) => {
    while (!stop.signal.aborted) {
      let d: Delivery;
      try {
        d = await next(i, stop.signal);
      } catch (err) {
        if (stop.signal.aborted || isChannelError(err, 'Aborted') || isChannelError(err, 'Timeout')) continue;
        throw err;
      }
      got[i]!.push(text(d.data));
      await d.ack();
      count += 1;
      if (count >= total) stop.abort();
    }
  };
  const stopOnFailure = (i: number) =>
    loop(i).catch((err: unknown) => {
      stop.abort(); // one consumer failed: the others stop too instead of waiting forever
      throw err;
    });
  await Promise.all(Array.from({ length: consumers }, (_, i) => stopOnFailure(i)));
  return got;
}

/** Asserts that `got` holds each of `expected` exactly once (order ignored); names what is missing or doubled. */
export function assertExactlyOnce(got: readonly string[], expected: readonly string[], what: string): void {
  const counts = new Map<string, number>();
  for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
  const missing = expected.filter((e) => !counts.has(e));
  const doubled = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  const foreign = [...counts.keys()].filter((k) => !expected.includes(k));
  assert.ok(
    missing.length === 0 && doubled.length === 0 && foreign.length === 0 && got.length === expected.length,
    `${what}: got ${got.length} of ${expected.length}; missing ${missing.length} (${missing.slice(0, 5).join(', ')}), ` +
      `duplicated ${doubled.length} (${doubled.slice(0, 5).join(', ')}), unexpected ${foreign.length} (${foreign.slice(0, 5).join(', ')})`,
  );
}

// ---- registering cases --------------------------------------------------------------------------

/** The channels a case opened; all are closed when the case ends, pass or fail. */
export class Handles {
  private readonly opened: Channel[] = [];

  constructor(readonly backend: BackendUnderTest) {}

  /** A wait scaled for the backend (ack deadlines, quiet windows). */
  ms(base: number): number {
    return Math.round(base * (this.backend.timeScale ?? 1));
  }

  track(channel: Channel): Channel {
    this.opened.push(channel);
    return channel;
  }

  async open(options?: Partial<ChannelOptions>): Promise<Channel> {
    return this.track(await this.backend.open(options));
  }

  async another(channel: Channel): Promise<Channel> {
    return this.track(await this.backend.openAnother(channel));
  }

  async named(name: string, options?: Partial<ChannelOptions>): Promise<Channel> {
    return this.track(await this.backend.openNamed(name, options));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.opened.map((c) => c.close().catch(() => {})));
  }
}

export interface CaseOptions {
  /** A reason this case does not apply to the backend under test; registers a counted skip. */
  skip?: string | false | undefined;
  /** Hang guard for the whole case, in ms (scaled by timeScale). Default 10 000. */
  timeoutMs?: number;
}

export type CaseBody = (handles: Handles) => Promise<void>;
export type Register = (name: string, body: CaseBody, options?: CaseOptions) => void;

const skipped = new WeakMap<Test, string[]>();

/** Why the cases registered on `test` were skipped, printed at the end so a skip is never silent. */
export function skipReasonsOf(test: Test): string[] {
  let reasons = skipped.get(test);
  if (!reasons) skipped.set(test, (reasons = []));
  return reasons;
}

/** Returns `it(name, body, options)` that registers a guarded case on `test` for `backend`. */
export function caseRegistrar(test: Test, backend: BackendUnderTest): Register {
  return (name, body, options = {}) => {
    if (options.skip) {
      skipReasonsOf(test).push(`${name} — ${options.skip}`);
      test.skip(`${name} (skipped: ${options.skip})`, async () => {});
      return;
    }
    const limit = Math.round((options.timeoutMs ?? 10_000) * (backend.timeScale ?? 1));
    test(name, async () => {
      const handles = new Handles(backend);
      try {
        await withTimeout(body(handles), limit, `[${backend.name}] ${name}`);
      } finally {
        await withTimeout(handles.closeAll(), 10_000, `[${backend.name}] closing the channels of "${name}"`);
      }
    });
  };
}
