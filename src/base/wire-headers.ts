// The one layout the broker backends use for a message's envelope: its fields travel as headers
// (Kafka record headers, NATS message headers, Redis stream entry fields) of the names below,
// beside the user's own headers, and the payload travels as the broker's value/body/`data` field.
// One layout, so a message looks the same on every broker, a plain client of the broker can read
// it (and write one), and the id stays the same across every redelivery (it is carried, never
// made again). docs/backends.md shows it per broker.
//
// User header names starting with `ps-` are refused at send (outgoing.ts), so they never collide.
import type { Headers } from '../channel.js';
import { SerializationError } from '../errors.js';
import { RESERVED_HEADER_PREFIX } from './outgoing.js';
import type { Route } from './transport.js';

export const WIRE_HEADERS = {
  /** The message id (ULID-like); a message written by another client without one gets the broker's id. */
  id: `${RESERVED_HEADER_PREFIX}id`,
  /** First send time, epoch ms as a decimal (fractional) number. */
  timestamp: `${RESERVED_HEADER_PREFIX}timestamp`,
  /**
   * The count of the delivery this copy is for, where a redelivery is a new copy (a nack re-sent by
   * the library); a broker that counts deliveries itself may count higher, and the higher wins.
   */
  deliveryCount: `${RESERVED_HEADER_PREFIX}delivery-count`,
  key: `${RESERVED_HEADER_PREFIX}key`,
  correlationId: `${RESERVED_HEADER_PREFIX}correlation-id`,
  replyTo: `${RESERVED_HEADER_PREFIX}reply-to`,
  /** 'publish' for a message that must reach subscription groups only; absent for a send. */
  route: `${RESERVED_HEADER_PREFIX}route`,
  /**
   * On a redelivered copy where a redelivery is a record re-sent to a log every group reads
   * (Kafka): the one group the copy is for (the broker's group id); every other group passes it
   * over. Absent on everything else.
   */
  forGroup: `${RESERVED_HEADER_PREFIX}for-group`,
} as const;

/** What the envelope carries besides the payload. */
export interface WireEnvelope {
  id: string;
  timestamp: number;
  deliveryCount: number;
  key: string | undefined;
  correlationId: string | undefined;
  replyTo: string | undefined;
  route: Route;
  /** A redelivered copy meant for this group only (WIRE_HEADERS.forGroup); undefined for everyone's. */
  forGroup?: string | undefined;
  /** The user's headers only. */
  headers: Headers;
}

/** The envelope as header pairs: the user's headers, then the library's. */
export function toWireHeaders(m: Omit<WireEnvelope, 'headers'> & { headers: Readonly<Headers> }): Headers {
  const out: Headers = { ...m.headers };
  out[WIRE_HEADERS.id] = m.id;
  out[WIRE_HEADERS.timestamp] = String(m.timestamp);
  if (m.deliveryCount !== 1) out[WIRE_HEADERS.deliveryCount] = String(m.deliveryCount);
  if (m.key !== undefined) out[WIRE_HEADERS.key] = m.key;
  if (m.correlationId !== undefined) out[WIRE_HEADERS.correlationId] = m.correlationId;
  if (m.replyTo !== undefined) out[WIRE_HEADERS.replyTo] = m.replyTo;
  if (m.route === 'publish') out[WIRE_HEADERS.route] = 'publish';
  if (m.forGroup !== undefined) out[WIRE_HEADERS.forGroup] = m.forGroup;
  return out;
}

/** What a message without the library's headers gets instead (written by another client). */
export interface WireFallback {
  /** The broker's own id for it (stream entry id, topic-partition-offset, stream sequence). */
  id: string;
  /** The broker's timestamp for it, epoch ms. */
  timestamp: number;
  /** The broker's own delivery count, where it keeps one (else 1). */
  deliveryCount: number;
}

/**
 * Reads an envelope back from header pairs (names compared as written: the library writes them in
 * lower case). Unknown `ps-` names are dropped (a later version's fields); malformed values are a
 * SerializationError naming the header.
 */
export function fromWireHeaders(pairs: Iterable<readonly [string, string]>, fallback: WireFallback, channel: string): WireEnvelope {
  const headers: Headers = {};
  const envelope: WireEnvelope = {
    id: fallback.id,
    timestamp: fallback.timestamp,
    deliveryCount: fallback.deliveryCount,
    key: undefined,
    correlationId: undefined,
    replyTo: undefined,
    route: 'send',
    headers,
  };
  for (const [name, value] of pairs) {
    if (!name.startsWith(RESERVED_HEADER_PREFIX)) {
      // A header literally named __proto__ must stay a header, not replace the prototype.
      if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
      else headers[name] = value;
      continue;
    }
    switch (name) {
      case WIRE_HEADERS.id:
        envelope.id = value;
        break;
      case WIRE_HEADERS.timestamp:
        envelope.timestamp = number(name, value, channel);
        break;
      case WIRE_HEADERS.deliveryCount:
        envelope.deliveryCount = Math.max(fallback.deliveryCount, number(name, value, channel));
        break;
      case WIRE_HEADERS.key:
        envelope.key = value;
        break;
      case WIRE_HEADERS.correlationId:
        envelope.correlationId = value;
        break;
      case WIRE_HEADERS.replyTo:
        envelope.replyTo = value;
        break;
      case WIRE_HEADERS.route:
        envelope.route = value === 'publish' ? 'publish' : 'send';
        break;
      case WIRE_HEADERS.forGroup:
        envelope.forGroup = value;
        break;
    }
  }
  return envelope;
}

function number(name: string, value: string, channel: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new SerializationError(`header ${name} is ${JSON.stringify(value)}, not a number; the message was not written by this library's layout`, { channel });
  }
  return n;
}
