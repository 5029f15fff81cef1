// A message as a sender builds it, and the checks every backend makes before accepting one. The
// shared layer builds it once per send (id, timestamp, checked fields); each backend then writes
// it in its own wire format (the in-memory envelope, stream fields, broker headers).
import type { Headers, SendOptions } from '../channel.js';
import { SerializationError } from '../errors.js';

/** The per-message fields a sender may set (SendOptions without the wait options). */
export type MessageFields = Omit<SendOptions, 'timeoutMs' | 'signal'>;

/**
 * Header names that begin with this are the library's own: the broker backends carry the
 * envelope's fields (id, timestamp, delivery count, key, …) in headers of that name
 * (wire-headers.ts). A user header of that name is refused on every backend alike.
 */
export const RESERVED_HEADER_PREFIX = 'ps-';

/** The headers of a message that has none (shared, frozen; recognised without enumerating it). */
export const EMPTY_HEADERS: Readonly<Headers> = Object.freeze({});

/**
 * What the shared layer needs of a message being sent; each backend's message object has it (the
 * in-memory backend's is a class of its own, its fields in one shape, as it is built millions of
 * times a second; the brokers use OutgoingEnvelope).
 */
export interface Outgoing {
  readonly channel: string;
  readonly id: string;
  data: Uint8Array;
  readonly timestamp: number;
  readonly headers: Readonly<Headers>;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  /** Bytes it takes in the backend's wire format (set by the shared layer's size check). */
  size: number;
}

export class OutgoingEnvelope implements Outgoing {
  readonly headers: Readonly<Headers>;
  size = 0;

  constructor(
    readonly channel: string,
    readonly id: string,
    /** The sender's bytes; a backend that keeps the message copies them (the sender may reuse its buffer). */
    public data: Uint8Array,
    /** Send time, epoch ms (fractional). */
    readonly timestamp: number,
    /** The id in parts for a binary encoder (ids.ts lastIdPrefixBytes / lastIdSuffix), when at hand. */
    readonly idPrefixBytes: Uint8Array | undefined,
    readonly idSuffix: string | undefined,
    /** Already checked (checkMessageFields); copied, so the sender may reuse its object. */
    headers: Headers | undefined,
    readonly key: string | undefined,
    readonly correlationId: string | undefined,
    readonly replyTo: string | undefined,
  ) {
    this.headers = headers === undefined ? EMPTY_HEADERS : { ...headers };
  }
}

/** A payload check: a Uint8Array of at most `maxBytes`, else the typed error saying what to do. */
export function checkPayload(data: unknown, maxBytes: number, channel: string, raiseHow: string): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
    throw new SerializationError(
      `a message must be a Uint8Array (a Buffer is one), not ${got}; encode it first, e.g. new TextEncoder().encode(text)`,
      { channel },
    );
  }
  // `length` is the byte count of a Uint8Array and, unlike byteLength, is inlined by V8 (Node 20).
  if (data.length > maxBytes) {
    throw new SerializationError(`a message of ${data.length} bytes is larger than this channel's limit of ${maxBytes} bytes; split it, or ${raiseHow}`, { channel });
  }
}

/** Checks what the type system cannot (callers may be plain JavaScript). */
export function checkMessageFields(m: MessageFields, channel: string): void {
  for (const field of ['key', 'correlationId', 'replyTo'] as const) {
    const v = m[field];
    if (v !== undefined && typeof v !== 'string') {
      throw new SerializationError(`option ${field} must be a string, not ${typeof v}`, { channel });
    }
  }
  const h = m.headers;
  if (h === undefined) return;
  if (h === null || typeof h !== 'object' || Array.isArray(h)) {
    throw new SerializationError('headers must be an object of string values, e.g. { "content-type": "text/plain" }', { channel });
  }
  for (const name in h) {
    if (typeof h[name] !== 'string') {
      throw new SerializationError(`header ${JSON.stringify(name)} is a ${typeof h[name]}; header values must be strings (String(value) it first)`, { channel });
    }
    if (name.startsWith(RESERVED_HEADER_PREFIX)) {
      throw new SerializationError(
        `header ${JSON.stringify(name)} starts with '${RESERVED_HEADER_PREFIX}', which the library keeps for its envelope fields on the brokers; rename it`,
        { channel },
      );
    }
  }
}
