// The in-memory backend's wire format: one message = one binary record in the ring.
//
// Layout (little-endian; the fixed part first so that the fields redelivery rewrites sit at fixed
// offsets and can be patched in place without re-encoding):
//
//   0  u8   format tag (ENVELOPE_TAG)           8  f64  timestamp (epoch ms, fractional)
//   1  u8   flags: which optional fields follow  16 ... id (ASCII, `idLength` bytes)
//   2  u16  idLength                             then, only when its flag is set and in this order:
//   4  u32  deliveryCount                          key, correlationId, replyTo: u32 length + UTF-8
//                                                  headers: u32 count, then per pair two strings
//                                                then the payload: everything up to the end
//
// The payload has no length field: it is the rest of the record, which the ring already delimits.
// Optional fields cost nothing when absent (the common case), and no JSON is ever involved.
import type { Headers, Message } from '../../channel.js';
import { SerializationError } from '../../errors.js';
import { EMPTY_HEADERS } from '../../base/outgoing.js';

export const ENVELOPE_TAG = 0xc1;
/**
 * The tag a receiver writes into a queue record in the ring once it has counted the message out
 * of `capacity`, just before the ring marks the record taken: should the receiver die in between,
 * whoever adopts the record sees it was counted out already (shared-channel.ts). Copies made
 * after that carry it; it reads like ENVELOPE_TAG everywhere else.
 */
export const ENVELOPE_TAKEN = 0xc3;

function isTag(byte: number | undefined): boolean {
  return byte === ENVELOPE_TAG || byte === ENVELOPE_TAKEN;
}
const FLAG_KEY = 1;
const FLAG_CORRELATION = 2;
const FLAG_REPLY_TO = 4;
const FLAG_HEADERS = 8;
const KNOWN_FLAGS = FLAG_KEY | FLAG_CORRELATION | FLAG_REPLY_TO | FLAG_HEADERS;

export const OFFSET_DELIVERY_COUNT = 4;
const OFFSET_TIMESTAMP = 8;
const FIXED_BYTES = 16;

/** What a sender puts in an envelope (the receiver adds the channel name). */
export interface EnvelopeFields {
  id: string;
  /**
   * The id in parts when the sender has them at hand (ids.ts lastIdPrefixBytes/lastIdSuffix,
   * taken right after making the id): the encoder then copies them instead of reading `id`.
   */
  idPrefixBytes?: Uint8Array | undefined;
  idSuffix?: string | undefined;
  data: Uint8Array;
  timestamp: number;
  deliveryCount: number;
  headers?: Headers | undefined;
  key?: string | undefined;
  correlationId?: string | undefined;
  replyTo?: string | undefined;
}

/** The headers of a message that has none (one frozen object for every backend, recognised without enumerating it). */
export { EMPTY_HEADERS };
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
// Scratch for moving a float64 in and out of byte arrays without a DataView per message. Node
// runs on little-endian machines only, which is the record's byte order.
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);

// Byte counts of a Uint8Array are read as `length` throughout, never `byteLength`: they are equal
// for one-byte elements, and on Node 20 `byteLength` is not inlined (a builtin call, ~12 ns,
// measured), which made envelopeSize cost as much as the rest of a batched send's checks.

/** UTF-8 length of a string; ASCII (ids, most keys) is counted without a native call. */
function utf8Length(s: string): number {
  const n = s.length;
  if (n < 64) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return n;
  }
  return Buffer.byteLength(s, 'utf8');
}

function hasHeaders(headers: Headers | undefined): headers is Headers {
  if (headers === undefined || headers === EMPTY_HEADERS) return false;
  for (const _ in headers) return true;
  return false;
}

/** Exact size of the encoded record, so it can be written straight into a buffer of that size. */
export function envelopeSize(m: EnvelopeFields): number {
  let size = FIXED_BYTES + m.id.length + m.data.length;
  if (m.key !== undefined) size += 4 + utf8Length(m.key);
  if (m.correlationId !== undefined) size += 4 + utf8Length(m.correlationId);
  if (m.replyTo !== undefined) size += 4 + utf8Length(m.replyTo);
  if (hasHeaders(m.headers)) {
    size += 4;
    for (const name in m.headers) size += 8 + utf8Length(name) + utf8Length(m.headers[name]!);
  }
  return size;
}

/**
 * Writes the record into `target` at `offset` (which must have envelopeSize(m) bytes free) and
 * returns the offset just past it.
 */
export function encodeEnvelopeInto(m: EnvelopeFields, target: Uint8Array, offset: number): number {
  let flags = 0;
  if (m.key !== undefined) flags |= FLAG_KEY;
  if (m.correlationId !== undefined) flags |= FLAG_CORRELATION;
  if (m.replyTo !== undefined) flags |= FLAG_REPLY_TO;
  const headers = hasHeaders(m.headers) ? m.headers : undefined;
  if (headers) flags |= FLAG_HEADERS;
  target[offset] = ENVELOPE_TAG;
  target[offset + 1] = flags;
  target[offset + 2] = m.id.length & 0xff;
  target[offset + 3] = m.id.length >>> 8;
  writeU32(target, offset + OFFSET_DELIVERY_COUNT, m.deliveryCount);
  float64[0] = m.timestamp;
  for (let i = 0; i < 8; i++) target[offset + OFFSET_TIMESTAMP + i] = float64Bytes[i]!;
  let at = offset + FIXED_BYTES;
  const id = m.id;
  const idPrefix = m.idPrefixBytes;
  const idSuffix = m.idSuffix;
  if (idPrefix !== undefined && idSuffix !== undefined && idPrefix.length + idSuffix.length === id.length) {
    target.set(idPrefix, at);
    at += idPrefix.length;
    for (let i = 0; i < idSuffix.length; i++) target[at++] = idSuffix.charCodeAt(i);
  } else {
    for (let i = 0; i < id.length; i++) target[at++] = id.charCodeAt(i);
  }
  if (m.key !== undefined) at = writeString(target, at, m.key);
  if (m.correlationId !== undefined) at = writeString(target, at, m.correlationId);
  if (m.replyTo !== undefined) at = writeString(target, at, m.replyTo);
  if (headers) {
    const countAt = at;
    at += 4;
    let count = 0;
    for (const name in headers) {
      at = writeString(target, at, name);
      at = writeString(target, at, headers[name]!);
      count++;
    }
    writeU32(target, countAt, count);
  }
  target.set(m.data, at);
  return at + m.data.length;
}

/** A fresh buffer holding just this record. */
export function encodeEnvelope(m: EnvelopeFields): Uint8Array {
  const out = new Uint8Array(envelopeSize(m));
  encodeEnvelopeInto(m, out, 0);
  return out;
}

/**
 * Reads a record. `data` is a view into `record` (no copy), so the caller must own `record`
 * (a copy taken out of the ring, never a view into it).
 */
export function decodeEnvelope(record: Uint8Array, channel: string): Message {
  if (record.length < FIXED_BYTES || !isTag(record[0]) || (record[1]! & ~KNOWN_FLAGS) !== 0) {
    throw corrupt(channel, 'it does not start with an envelope header');
  }
  const flags = record[1]!;
  const idLength = record[2]! | (record[3]! << 8);
  let at = FIXED_BYTES + idLength;
  if (at > record.length) throw corrupt(channel, 'its id runs past the end');
  const id = latin1(record, FIXED_BYTES, at);
  let key: string | undefined;
  let correlationId: string | undefined;
  let replyTo: string | undefined;
  let headers: Headers = EMPTY_HEADERS as Headers;
  cursor = at;
  if (flags & FLAG_KEY) key = readField(record, channel);
  if (flags & FLAG_CORRELATION) correlationId = readField(record, channel);
  if (flags & FLAG_REPLY_TO) replyTo = readField(record, channel);
  if (flags & FLAG_HEADERS) {
    if (cursor + 4 > record.length) throw corrupt(channel, 'its header count runs past the end');
    const count = readU32(record, cursor);
    cursor += 4;
    headers = {};
    for (let i = 0; i < count; i++) {
      const name = readField(record, channel);
      const value = readField(record, channel);
      // A header literally named __proto__ must stay a header, not replace the prototype.
      if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
      else headers[name] = value;
    }
  }
  at = cursor;
  return {
    id,
    channel,
    data: tailOf(record, at),
    headers,
    key,
    correlationId,
    replyTo,
    timestamp: readTimestamp(record),
    deliveryCount: readU32(record, OFFSET_DELIVERY_COUNT),
  };
}

/**
 * Where the payload starts, found by skipping the optional fields without decoding them (the
 * receive path that hands out only the bytes). -1 when the record is not a valid envelope.
 */
export function payloadOffset(record: Uint8Array): number {
  const end = record.length;
  if (end < FIXED_BYTES || !isTag(record[0])) return -1;
  const flags = record[1]!;
  let at = FIXED_BYTES + (record[2]! | (record[3]! << 8));
  let strings = ((flags & FLAG_KEY) !== 0 ? 1 : 0) + ((flags & FLAG_CORRELATION) !== 0 ? 1 : 0) + ((flags & FLAG_REPLY_TO) !== 0 ? 1 : 0);
  for (; strings > 0; strings--) {
    if (at + 4 > end) return -1;
    at += 4 + readU32(record, at);
  }
  if (flags & FLAG_HEADERS) {
    if (at + 4 > end) return -1;
    let pairs = readU32(record, at);
    at += 4;
    for (; pairs > 0; pairs--) {
      if (at + 8 > end) return -1;
      at += 4 + readU32(record, at);
      if (at + 4 > end) return -1;
      at += 4 + readU32(record, at);
    }
  }
  return at <= end ? at : -1;
}

/** `bytes` from `at` to its end, as a new view: the same as subarray(at), without its species lookup. */
export function tailOf(bytes: Uint8Array, at: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + at, bytes.length - at);
}

export function readDeliveryCount(record: Uint8Array): number {
  return readU32(record, OFFSET_DELIVERY_COUNT);
}

/** Redelivery rewrites the count in place: the rest of the record is unchanged. */
export function writeDeliveryCount(record: Uint8Array, count: number): void {
  writeU32(record, OFFSET_DELIVERY_COUNT, count);
}

export function readTimestamp(record: Uint8Array): number {
  for (let i = 0; i < 8; i++) float64Bytes[i] = record[OFFSET_TIMESTAMP + i]!;
  return float64[0]!;
}

/**
 * Read position of decodeEnvelope's optional fields. Module state rather than a closure, because a
 * closure per decode costs an allocation on the hottest path; decoding is synchronous, so no two
 * decodes interleave.
 */
let cursor = 0;

function readField(record: Uint8Array, channel: string): string {
  const length = cursor + 4 <= record.length ? readU32(record, cursor) : -1;
  const start = cursor + 4;
  if (length < 0 || start + length > record.length) throw corrupt(channel, 'a field runs past the end');
  cursor = start + length;
  return readString(record, start, cursor, channel);
}

function writeString(target: Uint8Array, at: number, s: string): number {
  const start = at + 4;
  let end = start;
  let ascii = s.length < 64;
  if (ascii) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      target[end++] = c;
    }
  }
  if (!ascii) end = start + utf8Encoder.encodeInto(s, target.subarray(start)).written;
  writeU32(target, at, end - start);
  return end;
}

function readString(bytes: Uint8Array, start: number, end: number, channel: string): string {
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1(bytes, start, end);
  }
  try {
    return utf8Decoder.decode(bytes.subarray(start, end));
  } catch (err) {
    throw new SerializationError('a received envelope holds text that is not valid UTF-8; the record is corrupt', { channel, cause: err });
  }
}

// Node's native one-byte decoder: several times faster than building the string in JavaScript.
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string }).latin1Slice;

function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (nativeLatin1) return nativeLatin1.call(bytes, start, end);
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

function writeU32(target: Uint8Array, at: number, value: number): void {
  target[at] = value & 0xff;
  target[at + 1] = (value >>> 8) & 0xff;
  target[at + 2] = (value >>> 16) & 0xff;
  target[at + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function corrupt(channel: string, why: string): SerializationError {
  return new SerializationError(`a received record is not a valid envelope: ${why}; something other than this library wrote to the ring`, { channel });
}
