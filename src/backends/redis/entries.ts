// Stream entries to and from messages, in the layout of the shared wire mapping
// (src/base/wire-headers.ts): the payload in the binary field `data`, first; then the user's
// headers and the envelope fields (`ps-id`, `ps-timestamp`, …) as further fields, exactly as
// toWireHeaders() gives them. So `redis-cli XRANGE` shows a message field by field, and an entry
// another client adds with only a `data` field is a message too (its id and time then come from
// the entry id).
import type { Message } from '../../channel.js';
import type { OutgoingEnvelope } from '../../base/outgoing.js';
import type { Route } from '../../base/transport.js';
import { fromWireHeaders, toWireHeaders } from '../../base/wire-headers.js';
import { DATA_FIELD } from './scripts.js';

/** Keys of one channel: its stream and, per group, the retry stream and the delay set. */
export class StreamKeys {
  /** The receivers' queue's count of sends not yet read (capacity and stats().pending). */
  readonly waiting: string;

  constructor(readonly stream: string) {
    this.waiting = `${stream}:ps-waiting`;
  }

  /** Where a group's nacked messages come back (read by that group only). */
  retry(group: string): string {
    return `${this.stream}:ps-retry:${group}`;
  }

  /** Where a group's messages nacked with a delay wait (a sorted set by due time). */
  delay(group: string): string {
    return `${this.stream}:ps-delay:${group}`;
  }
}

/** The stream fields of an outgoing message: `data` first, then the wire headers. */
export function entryFields(m: OutgoingEnvelope, route: Route, deliveryCount = 1): (string | Buffer)[] {
  // A Buffer over the sender's bytes, not a copy: the send resolves only after Redis has them.
  const d = m.data;
  const fields: (string | Buffer)[] = [DATA_FIELD, Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.length)];
  const wire = toWireHeaders({
    id: m.id,
    timestamp: m.timestamp,
    deliveryCount,
    key: m.key,
    correlationId: m.correlationId,
    replyTo: m.replyTo,
    route,
    headers: m.headers,
  });
  for (const name in wire) fields.push(name, wire[name]!);
  return fields;
}

/** Bytes an entry takes on the wire (payload, field names and values): the size check's measure. */
export function entrySize(m: OutgoingEnvelope): number {
  let size = DATA_FIELD.length + m.data.length + 80; // ps-id and ps-timestamp with their values
  for (const name in m.headers) size += Buffer.byteLength(name) + Buffer.byteLength(m.headers[name]!);
  for (const v of [m.key, m.correlationId, m.replyTo]) if (v !== undefined) size += 20 + Buffer.byteLength(v);
  return size;
}

/** Copies a payload out of the reply buffer when keeping the slice would pin a much larger one. */
function ownBytes(b: Buffer): Uint8Array {
  return b.buffer.byteLength > 4096 && b.buffer.byteLength > 2 * b.length ? new Uint8Array(b) : b;
}

/** Milliseconds of an entry id (`1700000000000-0`). */
function entryTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/**
 * Decodes an entry's fields (Buffers, name/value alternating). `redisCount` is how often Redis
 * has delivered this entry (XPENDING's count); a copy written by a nack carries the count of its
 * first delivery in `ps-delivery-count`, and each further Redis delivery adds one.
 */
export function decodeEntry(channel: string, entryId: string, fields: readonly Buffer[], redisCount: number, onBadEnvelope: (err: Error) => void): Message {
  let data: Uint8Array | undefined;
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString('utf8');
    // (An inbox reply's `ps-inbox-tag` is dropped by fromWireHeaders, as every unknown `ps-` name.)
    if (data === undefined && name === DATA_FIELD) data = ownBytes(fields[i + 1]!);
    else pairs.push([name, fields[i + 1]!.toString('utf8')]);
  }
  const fallback = { id: entryId, timestamp: entryTime(entryId), deliveryCount: 1 };
  let envelope;
  try {
    envelope = fromWireHeaders(pairs, fallback, channel);
  } catch (err) {
    // A malformed envelope field (another client's): deliver it with what the entry id says.
    onBadEnvelope(err as Error);
    envelope = fromWireHeaders(
      pairs.filter(([n]) => !n.startsWith('ps-')),
      fallback,
      channel,
    );
  }
  return {
    id: envelope.id,
    channel,
    data: data ?? new Uint8Array(0),
    headers: envelope.headers,
    key: envelope.key,
    correlationId: envelope.correlationId,
    replyTo: envelope.replyTo,
    timestamp: envelope.timestamp,
    deliveryCount: envelope.deliveryCount + Math.max(0, redisCount - 1),
  };
}
