// Receiving helpers: take n messages, assert that nothing (more) arrives, run consumers side by side.
//
// Every wait here is given by the caller, already scaled for the backend (`h.ms(...)`): a helper
// with a fixed default would be the one wait a slow broker trips over.
import { setMaxListeners } from 'node:events';
import * as assert from 'uvu/assert';
import type { Channel, Delivery, Subscription } from '../../src/channel.js';
import { isChannelError } from '../../src/errors.js';
import { text } from './basics.js';

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

/** Asserts that nothing (more) arrives on the subscription within `ms`. */
export async function expectNoMoreOn(sub: Subscription, ms: number, what: string): Promise<void> {
  try {
    const extra = await sub.next({ timeoutMs: ms });
    assert.unreachable(`${what}: received "${text(extra.data).slice(0, 60)}" (deliveryCount ${extra.deliveryCount})`);
  } catch (err) {
    if (err instanceof assert.Assertion) throw err;
    if (!isChannelError(err, 'Timeout')) throw err;
  }
}

/** expectNoMoreOn for several subscriptions at once (one shared window, not one after another). */
export async function expectQuiet(subs: readonly Subscription[], ms: number, what: string): Promise<void> {
  await Promise.all(subs.map((sub, i) => expectNoMoreOn(sub, ms, `${what} (subscriber ${i})`)));
}

/** Receives `n` deliveries (each waits at most `timeoutMs`), leaving them unsettled. */
export async function receiveDeliveries(channel: Channel, n: number, timeoutMs: number): Promise<Delivery[]> {
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
export async function receiveTexts(channel: Channel, n: number, timeoutMs: number): Promise<string[]> {
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

/** The next `n` messages of a subscription, acked, as text. */
export async function nextTexts(sub: Subscription, n: number, timeoutMs: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await sub.next({ timeoutMs }).catch((err: unknown) => {
      throw new Error(`subscriber got ${i} of ${n} (${out.slice(-3).join(', ')}), then: ${String(err)}`, { cause: err });
    });
    out.push(text(d.data));
    await d.ack();
  }
  return out;
}

/**
 * Whatever else arrives on `channel` until it stays quiet for `quietMs` (or is closed and
 * drained), acked, as text — how a case collects the late duplicates an at-least-once broker may
 * still hand out, to count them.
 */
export async function drainUntilQuiet(channel: Channel, quietMs: number): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    let d: Delivery;
    try {
      d = await channel.receiveDelivery({ timeoutMs: quietMs });
    } catch (err) {
      if (isChannelError(err, 'Timeout') || isChannelError(err, 'ChannelClosed')) return out;
      throw err;
    }
    out.push(text(d.data));
    await d.ack();
  }
}

/**
 * Runs consumers side by side until `total` DISTINCT payloads have arrived between them, then
 * stops them all (by aborting their waits). `next(i, signal)` fetches consumer i's next delivery;
 * each one is acked. Returns what each consumer got, as text: a duplicate shows up as a payload
 * listed twice, and does not count towards `total` (so a duplicate is never mistaken for a loss).
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
  const distinct = new Set<string>();
  const loop = async (i: number) => {
    while (!stop.signal.aborted) {
      let d: Delivery;
      try {
        d = await next(i, stop.signal);
      } catch (err) {
        if (stop.signal.aborted || isChannelError(err, 'Aborted') || isChannelError(err, 'Timeout')) continue;
        throw err;
      }
      const body = text(d.data);
      got[i]!.push(body);
      distinct.add(body);
      await d.ack();
      if (distinct.size >= total) stop.abort();
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
