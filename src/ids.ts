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
/**
 * Everything but the last character of the next id: time part, sender tag and the counter's high
 * 7 characters. It changes once every 32 ids, so an id costs one concatenation, not 26.
 */
let prefix = '';

/**
 * The bytes of the most recent id (live bindings): its first 25 characters as ASCII, and the code
 * of its last one. An encoder that copies them right after newMessageId() writes the id without
 * reading the string (reading a freshly concatenated string first flattens it: an allocation).
 * `lastIdPrefixBytes` is a new array whenever the prefix changes, never rewritten in place.
 */
export let lastIdPrefixBytes = new Uint8Array(0);
export let lastIdLastCode = 0;

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
    prefix = flat(timePart + senderTag + encode(0, COUNTER_CHARS - 1));
  } else if ((counter & 31) === 0) {
    // A clock that steps back keeps the old time part, so ids still increase.
    prefix = flat(timePart + senderTag + encode(counter / 32, COUNTER_CHARS - 1));
  }
  const last = ALPHABET[counter++ & 31]!;
  lastIdLastCode = last.charCodeAt(0);
  return prefix + last;
}

/**
 * Flattens a concatenation once (so the 32 ids built on it do not each flatten it again) and
 * keeps its bytes for lastIdPrefixBytes.
 */
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
