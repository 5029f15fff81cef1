// The MPMC ring's memory: where its header words live, what a record looks like, and what the
// stamp of a record says. Shared by the producing side (mpmc-ring.ts) and the consuming side
// (mpmc-consuming.ts). See README.md for the drawing and the invariants.
//
// Record: [i32 stamp][i32 length][payload][pad to 8]. The stamp word of record index i is
//   0      free (every free byte of the data region is zero, except length words: see below)
//   i + 1  committed by its producer: consumers may claim it (length = payload or WRAP_MARKER)
//   i + 2  consumed: its receiver copied or visited it (length = still the payload length)
//   i + 3  writing: claimed, being written; length = the payload length of this one record
//   i + 4  abandoned (was i + 3): receivers presumed the producer dead and skip the record
//   i + 5  writing a stretch: the claim starting here holds several records or a wrap marker;
//          length = the bytes of the whole claim, + 1 when it starts with a wrap marker (the
//          first record's length comes at commit)
//   i + 6  finishing (was i + 5): the producer won the commit and is storing the real length
//   i + 7  abandoned (was i + 5): receivers skip the whole claim (length & ~7 bytes)
// Indices are multiples of 8, so the states can never be confused, whatever the lap.
//
// Behind readClaim (from `released` up to readClaim) a record is only ever committed, consumed,
// abandoned or being released: readClaim passes a claim only once it is committed or abandoned,
// and its producer never writes its stamp again. So there the two producer-only values 6 and 3
// are free, and mean "being released" (RELEASING, and RELEASING_AGAIN for a release taken over
// from a receiver presumed dead); the length word then holds -(size + 2), the bytes to free.
// Once released, a record's stamp is 0 and its payload zero; its length word keeps that code
// (nobody reads a length word without a stamp that vouches for it, and not writing it after
// `released` moves keeps a late store from landing on a new record).
import { LINE_BYTES, LINE_WORDS } from './layout.js';

// Header words, each on its own line: writeClaim (producers CAS it forward to claim space, for a
// whole batch at once), readClaim (consumers CAS it forward over runs of committed records),
// released (everything before it is free; advanced in order, record by record), the two bells.
export const WRITE_CLAIM = 1 * LINE_WORDS;
export const READ_CLAIM = 2 * LINE_WORDS;
export const RELEASED = 3 * LINE_WORDS;
export const CONSUMER_BELL = 4 * LINE_WORDS;
export const PRODUCER_BELL = 5 * LINE_WORDS;
export const DATA_BYTE = 6 * LINE_BYTES;
export const DATA_WORD = DATA_BYTE / 4;

export const WRAP_MARKER = -1;
/** Set in a stretch's claimed length when the claim starts with a wrap marker. */
export const STRETCH_WRAPS = 1;
/** The claimed bytes of a stretch, from its length word (without the STRETCH_WRAPS flag). */
export const STRETCH_BYTES = ~7;

// Stamp of a record's first word = its index + one of these (see the table above).
export const COMMITTED = 1;
export const CONSUMED = 2;
export const WRITING = 3;
export const ABANDONED = 4;
export const WRITING_STRETCH = 5;
export const FINISHING = 6;
export const ABANDONED_STRETCH = 7;
// Only behind readClaim, where the producer states above cannot occur.
export const RELEASING = 6;
export const RELEASING_AGAIN = 3;

export const RECORD_HEADER = 8;
/** Most messages one consumer claims at once: fewer CASes, without starving the other consumers. */
export const RUN_MESSAGES = 32;

export function recordBytes(length: number): number {
  return RECORD_HEADER + ((length + 7) & ~7);
}

/** The length-word code of a record being released: how many bytes its release frees. */
export function releasingCode(size: number): number {
  return -(size + 2);
}

/** The bytes a release frees, from its length-word code; -1 if the word holds no such code. */
export function releasingSize(code: number, capacityBytes: number): number {
  const size = -code - 2;
  return size >= RECORD_HEADER && size <= capacityBytes && (size & 7) === 0 ? size : -1;
}

/**
 * Zeros, shared by every handle in the thread, to wipe released records with `set`: on a
 * SharedArrayBuffer `fill` stores element by element and costs about 4× a `set` from plain
 * memory (0.76 µs against 0.18 µs for 32 messages of 64 B here).
 */
const ZEROS = new Uint8Array(16 * 1024);
/** Views of ZEROS by length / 8 (wiped lengths are multiples of 8), so a wipe allocates nothing once warm. */
const zeroViews: (Uint8Array | undefined)[] = [];

export function wipe(bytes: Uint8Array, from: number, length: number): void {
  while (length > ZEROS.length) {
    bytes.set(ZEROS, from);
    from += ZEROS.length;
    length -= ZEROS.length;
  }
  const slot = length >>> 3;
  bytes.set(zeroViews[slot] ?? (zeroViews[slot] = ZEROS.subarray(0, length)), from);
}
