// Where everything lives in a ring's SharedArrayBuffer, and the checks that make a buffer one.
//
// The buffer starts with a header made of 128-byte lines. Each word that one thread writes often
// and another reads (an index, a sleep counter) gets a line of its own, so the two cores never
// fight over one cache line (false sharing). 128 rather than 64 because some CPUs fetch lines in
// pairs. Line 0 holds the identity of the ring (magic, version, kind, sizes) and the closed flag:
// written once, read by everyone, so sharing it costs nothing. The data region follows the header.
import { RingError } from './errors.js';
import type { RingDescriptor, RingKind, RingOptions } from './types.js';

export const LINE_BYTES = 128;
export const LINE_WORDS = LINE_BYTES / 4;

/** 'RNGQ': marks a buffer as a ring so attach() can refuse anything else. */
export const MAGIC = 0x524e4751;
/**
 * Bump when the layout or a protocol on it changes, so an old attacher refuses a new buffer
 * instead of misreading it. 2: a bell's word 0 is an arm the waker clears (it was a count of
 * sleepers each waiter took back itself). 3: mpmc claims are stamped "writing" at once and can be
 * abandoned by receivers.
 */
export const LAYOUT_VERSION = 3;

// Line 0, word offsets.
export const META_MAGIC = 0;
export const META_VERSION = 1;
export const META_KIND = 2;
export const META_CAPACITY = 3;
export const META_MAX_PRODUCERS = 4;
export const META_CLOSED = 5;
/** mpsc: hands out a distinct owner token to every producer handle that claims a lane. */
export const META_NEXT_TOKEN = 6;

/**
 * A "bell" is one line: word 0 is the sleep flag (raised by each park, cleared by the waker that
 * wakes it; see waiting.ts), word 1 is the counter waiters wait on. A waker bumps word 1 and
 * notifies only when it finds word 0 raised.
 */
export const BELL_ARMED = 0;
export const BELL_COUNTER = 1;

export const MIN_CAPACITY = 256;
export const MAX_CAPACITY = 1 << 30;
export const MAX_PRODUCERS_LIMIT = 256;

export const DEFAULTS = { maxProducers: 4, spinMicros: 20, parkSliceMs: 50, abandonAfterMs: 1000 } as const;
/** Longest finite abandonAfterMs: one hour (beyond that, say Infinity). */
export const MAX_ABANDON_AFTER_MS = 3_600_000;

const KIND_CODES: Record<RingKind, number> = { spsc: 1, mpsc: 2, mpmc: 3 };

export function kindCode(kind: RingKind): number {
  return KIND_CODES[kind];
}

export function isRingKind(value: unknown): value is RingKind {
  return value === 'spsc' || value === 'mpsc' || value === 'mpmc';
}

function invalid(message: string): RingError {
  return new RingError('RING_INVALID_ARGUMENT', message);
}

/** Fills in defaults and rejects anything the rings cannot work with. */
export function normalizeOptions(options: RingOptions): Required<RingOptions> {
  if (typeof options !== 'object' || options === null) {
    throw invalid('ring options must be an object like { capacityBytes: 65536 }');
  }
  const { capacityBytes } = options;
  if (!Number.isInteger(capacityBytes) || capacityBytes < MIN_CAPACITY || capacityBytes > MAX_CAPACITY || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw invalid(
      `capacityBytes must be a power of two between ${MIN_CAPACITY} and ${MAX_CAPACITY} (got ${String(capacityBytes)}); try 65536`,
    );
  }
  const maxProducers = options.maxProducers ?? DEFAULTS.maxProducers;
  if (!Number.isInteger(maxProducers) || maxProducers < 1 || maxProducers > MAX_PRODUCERS_LIMIT) {
    throw invalid(`maxProducers must be an integer from 1 to ${MAX_PRODUCERS_LIMIT} (got ${String(maxProducers)})`);
  }
  const spinMicros = options.spinMicros ?? DEFAULTS.spinMicros;
  if (typeof spinMicros !== 'number' || !Number.isFinite(spinMicros) || spinMicros < 0 || spinMicros > 1_000_000) {
    throw invalid(`spinMicros must be a number from 0 to 1000000 (got ${String(spinMicros)})`);
  }
  const parkSliceMs = options.parkSliceMs ?? DEFAULTS.parkSliceMs;
  if (typeof parkSliceMs !== 'number' || !Number.isFinite(parkSliceMs) || parkSliceMs <= 0 || parkSliceMs > 60_000) {
    throw invalid(`parkSliceMs must be a number above 0 and at most 60000 (got ${String(parkSliceMs)})`);
  }
  const abandonAfterMs = options.abandonAfterMs ?? DEFAULTS.abandonAfterMs;
  if (typeof abandonAfterMs !== 'number' || Number.isNaN(abandonAfterMs) || abandonAfterMs < 0 || (abandonAfterMs > MAX_ABANDON_AFTER_MS && abandonAfterMs !== Infinity)) {
    throw invalid(`abandonAfterMs must be a number from 0 to ${MAX_ABANDON_AFTER_MS}, or Infinity (0 and Infinity: never abandon a producer's claim); got ${String(abandonAfterMs)}`);
  }
  return { capacityBytes, maxProducers, spinMicros, parkSliceMs, abandonAfterMs };
}

/** Header lines of each kind (see README.md for the drawing). */
export function headerLines(kind: RingKind, maxProducers: number): number {
  switch (kind) {
    case 'spsc':
      return 5; // meta, write index, read index, consumer bell, producer bell
    case 'mpmc':
      return 6; // meta, write claim, read claim, released, consumer bell, producer bell
    case 'mpsc':
      // meta, consumer bell, lane owner table, then per lane: write index, read index, producer bell
      return 2 + Math.ceil(maxProducers / LINE_WORDS) + 3 * maxProducers;
  }
}

export function dataRegionBytes(kind: RingKind, options: Required<RingOptions>): number {
  return kind === 'mpsc' ? options.capacityBytes * options.maxProducers : options.capacityBytes;
}

export function totalBytes(kind: RingKind, options: Required<RingOptions>): number {
  return headerLines(kind, options.maxProducers) * LINE_BYTES + dataRegionBytes(kind, options);
}

/** Largest buffer a ring may use: byte offsets must stay within a signed 32-bit integer. */
export const MAX_TOTAL_BYTES = 2 ** 31 - 1;

/** A new, zeroed buffer for a ring of `kind`, with its identity written into line 0. */
export function allocateRing(kind: RingKind, options: Required<RingOptions>): SharedArrayBuffer {
  const bytes = totalBytes(kind, options);
  if (bytes > MAX_TOTAL_BYTES) {
    throw invalid(`this ring would need ${bytes} bytes, more than the ${MAX_TOTAL_BYTES} a ring may use; lower capacityBytes${kind === 'mpsc' ? ' or maxProducers' : ''}`);
  }
  const buffer = new SharedArrayBuffer(bytes);
  writeIdentity(new Int32Array(buffer, 0, LINE_WORDS), kind, options);
  return buffer;
}

export function writeIdentity(words: Int32Array, kind: RingKind, options: Required<RingOptions>): void {
  words[META_KIND] = kindCode(kind);
  words[META_CAPACITY] = options.capacityBytes;
  words[META_MAX_PRODUCERS] = options.maxProducers;
  words[META_VERSION] = LAYOUT_VERSION;
  // Magic last: a buffer with the magic set has a complete identity.
  Atomics.store(words, META_MAGIC, MAGIC);
}

function notARing(why: string): RingError {
  return new RingError('RING_NOT_A_RING', `not a ring descriptor: ${why}; pass the object returned by ring.describe()`);
}

/** Checks that `descriptor` really describes a ring of its kind; returns its normalized options. */
export function verifyDescriptor(descriptor: unknown, expectedKind?: RingKind): RingDescriptor {
  if (typeof descriptor !== 'object' || descriptor === null) throw notARing(`got ${descriptor === null ? 'null' : typeof descriptor}`);
  const { kind, buffer, options } = descriptor as Partial<RingDescriptor>;
  if (!isRingKind(kind)) throw notARing(`kind ${JSON.stringify(kind)} is not 'spsc', 'mpsc' or 'mpmc'`);
  if (expectedKind !== undefined && kind !== expectedKind) throw notARing(`it describes an ${kind} ring, not an ${expectedKind} ring`);
  if (!(buffer instanceof SharedArrayBuffer)) throw notARing('its buffer is not a SharedArrayBuffer');
  let normalized: Required<RingOptions>;
  try {
    normalized = normalizeOptions(options as RingOptions);
  } catch (error) {
    throw notARing(`its options are unusable (${(error as Error).message})`);
  }
  if (buffer.byteLength !== totalBytes(kind, normalized)) throw notARing(`its buffer has ${buffer.byteLength} bytes, an ${kind} ring with these options has ${totalBytes(kind, normalized)}`);
  const words = new Int32Array(buffer, 0, LINE_WORDS);
  if (Atomics.load(words, META_MAGIC) !== MAGIC) throw notARing('its buffer does not start with the ring magic number');
  if (words[META_VERSION] !== LAYOUT_VERSION) throw notARing(`its layout version is ${words[META_VERSION]}, this code reads version ${LAYOUT_VERSION}`);
  if (words[META_KIND] !== kindCode(kind)) throw notARing('its buffer holds a ring of another kind');
  if (words[META_CAPACITY] !== normalized.capacityBytes || words[META_MAX_PRODUCERS] !== normalized.maxProducers) {
    throw notARing('its options do not match the sizes recorded in its buffer');
  }
  return { kind, buffer, options: normalized };
}
