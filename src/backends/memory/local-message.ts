// A message as the sender builds it, before (and, in a thread-local queue, instead of) its
// binary envelope. It is at once what the encoder reads (EnvelopeFields) and what a receiver sees
// (Message): a thread-local queue (channel-queue.ts) stores it as it is, so a message sent and
// received in one thread is never encoded or decoded — only when it has to leave the object form
// (a lease, a nack put back, the switch to the shared ring) does `toRecord()` encode it.
import type { Headers, Message } from '../../channel.js';
import { EMPTY_HEADERS, encodeEnvelope, type EnvelopeFields } from './envelope.js';

export class LocalMessage implements Message, EnvelopeFields {
  readonly headers: Readonly<Headers>;
  readonly deliveryCount: number = 1;
  /** Its envelope's size, set when a queue takes it (the queue counts bytes as the ring would). */
  envelopeBytes = 0;
  private record: Uint8Array | undefined;

  constructor(
    readonly channel: string,
    readonly id: string,
    /** The sender's bytes until the queue takes it; then the queue's own copy. */
    public data: Uint8Array,
    readonly timestamp: number,
    /** The id in parts for the encoder (ids.ts lastIdPrefixBytes / lastIdSuffix). */
    readonly idPrefixBytes: Uint8Array | undefined,
    readonly idSuffix: string | undefined,
    /** Already checked (checkEnvelopeFields); copied, so the sender may reuse its object. */
    headers: Headers | undefined,
    readonly key: string | undefined,
    readonly correlationId: string | undefined,
    readonly replyTo: string | undefined,
  ) {
    this.headers = headers === undefined ? EMPTY_HEADERS : { ...headers };
  }

  /** The envelope as a record of its own (encoded once; the caller may patch its delivery count). */
  toRecord(): Uint8Array {
    this.record ??= encodeEnvelope(this);
    return this.record;
  }
}

/** An entry of a queue as an encoded record: a LocalMessage is encoded (once), a record is itself. */
export function recordOf(entry: Uint8Array | LocalMessage): Uint8Array {
  return entry instanceof LocalMessage ? entry.toRecord() : entry;
}
