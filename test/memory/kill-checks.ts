// Checks shared by the tests that terminate a sending worker mid-send: the messages that did get
// through are whole and in order, nothing stays stuck behind the dead sender's claim, and the
// `capacity` count it may have taken comes back (no more, no less).
import * as assert from 'uvu/assert';
import { MpmcRing } from '../../native-queue/index.js';
import type { InMemoryChannel } from '../../src/backends/memory/index.js';
import { within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

/** Longer than the rings' abandon bound (1 s): a receive that waits this long has passed a dead claim. */
export const QUIET_MS = 1500;

/** The fixed pattern after the number, by message size (made once per size). */
const patterns = new Map<number, Buffer>();

/** Checks one message of the worker's patterned senders ([u32 i][fixed pattern]); returns i. */
export function checkPatterned(data: Uint8Array, after: number, where: string, size = 200): number {
  assert.is(data.length, size, `${where}: a whole message`);
  const i = new DataView(data.buffer, data.byteOffset).getUint32(0);
  let pattern = patterns.get(size);
  if (pattern === undefined) {
    pattern = Buffer.alloc(Math.max(0, size - 4));
    for (let b = 4; b < size; b++) pattern[b - 4] = (b * 7) & 0xff;
    patterns.set(size, pattern);
  }
  // Every byte, compared natively: the kill tests send large messages (so a sender spends long
  // inside its claims), and a byte-by-byte loop here made this thread the bottleneck — the
  // sender then spent its time dropping sends into a full ring, outside any claim.
  if (!pattern.equals(Buffer.from(data.buffer, data.byteOffset + 4, Math.max(0, size - 4)))) {
    for (let b = 4; b < data.length; b++) if (data[b] !== ((b * 7) & 0xff)) assert.unreachable(`${where}: message ${i}, byte ${b} corrupt`);
  }
  assert.ok(i > after, `${where}: message ${i} after ${after}: in order, no duplicate`);
  return i;
}

/** One stream of patterned messages (the queue, or a subscriber group) and the last number seen. */
export interface PatternedStream {
  readonly where: string;
  /** The next message, waiting at most `timeoutMs` (rejects with code 'Timeout'). */
  next(timeoutMs: number): Promise<Uint8Array>;
  last: number;
  /** Payload bytes of its messages (default 200). */
  size?: number;
}

/**
 * Reads a stream until nothing came for QUIET_MS: past any claim a dead sender left unfinished
 * (a stalled ring makes this end early, and the marker that follows then fails to come).
 */
export async function drainUntilQuiet(stream: PatternedStream): Promise<void> {
  for (;;) {
    let data: Uint8Array;
    try {
      data = await within(QUIET_MS + 3000, `draining ${stream.where}`, stream.next(QUIET_MS));
    } catch (err) {
      if ((err as { code?: string }).code === 'Timeout') return;
      throw err;
    }
    stream.last = checkPatterned(data, stream.last, stream.where, stream.size);
  }
}

/**
 * The message count behind `capacity` is whole: nothing counted for a message that is not in the
 * queue, and (with a capacity) exactly `capacity` messages fit again — a leaked count lets fewer
 * in, a count given back twice lets more in. The channel must use `drop-newest` and be empty.
 */
export async function assertCountWhole(channel: InMemoryChannel, capacity: number, where: string): Promise<void> {
  assert.is(sharedChannelOf(channel).control.queued(), 0, `${where}: the queue is empty, so its message count must be 0`);
  if (capacity === 0) return;
  for (let i = 0; i <= capacity; i++) await channel.send(new Uint8Array([i])); // the last one is dropped
  for (let i = 0; i < capacity; i++) {
    assert.equal(await within(5000, `${where}: refill ${i}`, channel.receive({ timeoutMs: 3000 })), new Uint8Array([i]), `${where}: refill ${i}`);
  }
  assert.is(await channel.tryReceive(), undefined, `${where}: message ${capacity + 1} is dropped (capacity ${capacity})`);
  assert.is(sharedChannelOf(channel).control.queued(), 0, `${where}: the count is back to 0`);
}

/**
 * Calls `seen` for each claim this thread's handle on `ring` abandons (a dead sender's), after the
 * hook it already has, with the claim's first payload bytes: the sender tests count how many of
 * the claims their kills left (the handle's claimsAbandoned) the sender had already counted
 * against `capacity` (tagged, ENVELOPE_TAG).
 */
export function watchAbandoned(ring: unknown, seen: (payload: Uint8Array) => void): void {
  if (!(ring instanceof MpmcRing)) throw new Error('expected the channel to use MPMC rings');
  const hook = ring.onAbandonedClaim;
  ring.onAbandonedClaim = (payload) => {
    hook?.(payload);
    seen(payload);
  };
}

/**
 * Calls `seen` with each record this thread's handle on `ring` takes, before the hook it already
 * has (which counts the message out and retags it): a record that reads ENVELOPE_TAKEN then was
 * adopted from a receiver that died after counting it out, before marking it taken.
 */
export function watchTakes(ring: unknown, seen: (record: Uint8Array) => void): void {
  if (!(ring instanceof MpmcRing)) throw new Error('expected the channel to use MPMC rings');
  const hook = ring.onTake;
  ring.onTake = (record) => {
    seen(record);
    hook?.(record);
  };
}
