// A message as the sender builds it, before (and, in a thread-local queue, instead of) its binary
// envelope. It is at once what the encoder reads (EnvelopeFields), what a receiver sees (Message)
// and, handed out unleased, the Delivery itself: a thread-local queue (channel-queue.ts) stores it
// as it is, so a message sent and received in one thread is never encoded or decoded, and handing
// it out allocates nothing — only when it has to leave the object form (a lease, a nack put back,
// the switch to the shared ring) does `toRecord()` encode it.
import type { Delivery, Headers, NackOptions, Settlement } from '../../channel.js';
import { EMPTY_HEADERS, type Outgoing } from '../../base/outgoing.js';
import { ackDelivery, deadLetterDelivery, nackDelivery, type SettlePort, type SettlementState } from '../../delivery.js';
import { encodeEnvelope, type EnvelopeFields } from './envelope.js';

export class LocalMessage implements Outgoing, Delivery, SettlementState, EnvelopeFields {
  readonly headers: Readonly<Headers>;
  /** Its envelope's size (set by the shared layer's size check; the queue counts bytes as the ring would). */
  size = 0;
  readonly deliveryCount: number = 1;
  /** Internal (SettlementState), for when it is handed out as its own delivery. */
  outcome: Settlement | undefined = undefined;
  settling: Promise<void> | undefined = undefined;
  private port: SettlePort<LocalMessage> | undefined = undefined;
  private record: Uint8Array | undefined = undefined;

  constructor(
    readonly channel: string,
    readonly id: string,
    /** The sender's bytes until the queue takes it; then the queue's own copy. */
    public data: Uint8Array,
    readonly timestamp: number,
    /** The id in parts for the encoder (ids.ts lastIdPrefixBytes / lastIdSuffix). */
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

  /** The envelope as a record of its own (encoded once; the caller may patch its delivery count). */
  toRecord(): Uint8Array {
    this.record ??= encodeEnvelope(this);
    return this.record;
  }

  /**
   * This message, handed out as its own delivery (unleased; it left the queue, so nobody else
   * holds it). A message object is handed out at most once: put back by a nack, it goes back as
   * an encoded record and comes out again as a delivery of its own.
   */
  handOutAs(port: SettlePort<LocalMessage>): this {
    this.port = port;
    return this;
  }

  get settlement(): Settlement | undefined {
    return this.outcome;
  }

  ack(): Promise<void> {
    return ackDelivery(this, this.portOrThrow());
  }

  nack(options?: NackOptions): Promise<void> {
    return nackDelivery(this, this.portOrThrow(), options);
  }

  deadLetter(reason: string, options?: { error?: unknown }): Promise<void> {
    return deadLetterDelivery(this, this.portOrThrow(), reason, options?.error);
  }

  private portOrThrow(): SettlePort<LocalMessage> {
    // Only reachable by a caller that found the object some other way than as a delivery.
    if (this.port === undefined) throw new TypeError(`internal: message ${this.id} was settled before it was handed out`);
    return this.port;
  }
}

/** An entry of a queue as an encoded record: a LocalMessage is encoded (once), a record is itself. */
export function recordOf(entry: Uint8Array | LocalMessage): Uint8Array {
  return entry instanceof LocalMessage ? entry.toRecord() : entry;
}
