// Message ids: 26 characters of Crockford base32, ULID-shaped — 10 characters of millisecond time,
// then 16 that are unique to this thread and increase with every id. So ids sort by send time
// across senders (to the millisecond) and strictly by send order within one sender, and they
// cost a few string operations each (no random draw per message: the hot path sends millions).
import { getRandomValues } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const COUNTER_CHARS = 8; // 40 bits: a sender would need 2^40 ids in one millisecond to wrap

function encode(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function randomChars(chars: number): string {
  const bytes = getRandomValues(new Uint8Array(chars));
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** Per thread: a random sender tag (the middle 8 characters), fixed for the thread's life. */
const senderTag = randomChars(8);
let lastMs = -1;
let timePart = '';
/** Next counter value within the current millisecond. */
let counter = 0;
/** The counter's last SUFFIX_CHARS characters come from a table: every pair, as a flat string. */
const SUFFIX_CHARS = 2;
const SUFFIX_VALUES = 32 ** SUFFIX_CHARS;
const SUFFIXES = Array.from({ length: SUFFIX_VALUES }, (_, v) => ALPHABET[v >>> 5]! + ALPHABET[v & 31]!);
/**
 * Everything but the last two characters of the next id: time part, sender tag and the counter's
 * high 6 characters. It changes once every 1024 ids, so an id costs one concatenation, not 26.
 */
let prefix = '';

/**
 * The most recent id in parts (live bindings): its first 24 characters as ASCII bytes, and its
 * last two characters (a flat string). An encoder that copies them right after newMessageId()
 * writes the id without reading the id string itself (reading a freshly concatenated string
 * first flattens it: an allocation). `lastIdPrefixBytes` is a new array whenever the prefix
 * changes, never rewritten in place.
 */
export let lastIdPrefixBytes = new Uint8Array(0);
export let lastIdSuffix = '';

/**
 * A new id, greater than every id this thread made before. `epochMs` is the send time when the
 * caller has already read the clock (the message's timestamp), so no second clock read is needed.
 */
export function newMessageId(epochMs?: number): string {
  const ms = epochMs === undefined ? Date.now() : Math.floor(epochMs);
  if (ms > lastMs) {
    lastMs = ms;
    timePart = encode(ms, 10);
    counter = 0;
    prefix = flat(timePart + senderTag + encode(0, COUNTER_CHARS - SUFFIX_CHARS));
  } else if (counter % SUFFIX_VALUES === 0) {
    // A clock that steps back keeps the old time part, so ids still increase.
    prefix = flat(timePart + senderTag + encode(counter / SUFFIX_VALUES, COUNTER_CHARS - SUFFIX_CHARS));
  }
  lastIdSuffix = SUFFIXES[counter++ % SUFFIX_VALUES]!;
  return prefix + lastIdSuffix;
}

/** Keeps a new prefix's bytes for lastIdPrefixBytes (and so flattens it, once for 1024 ids). */
function flat(s: string): string {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  lastIdPrefixBytes = bytes;
  return s;
}

/** A short random token for inbox names and correlation ids. */
export function randomToken(chars = 16): string {
  return randomChars(chars);
}
