// A message as the sender builds it, before (and, in a thread-local queue, instead of) its
// binary envelope. It is at once what the encoder reads (EnvelopeFields), what a receiver sees
// (Message) and, handed out unleased, the Delivery itself: a thread-local queue (channel-queue.ts)
// stores it as it is, so a message sent and received in one thread is never encoded or decoded,
// and handing it out allocates nothing — only when it has to leave the object form (a lease, a
// nack put back, the switch to the shared ring) does `toRecord()` encode it.
import type { Delivery, Headers, NackOptions, Settlement } from '../../channel.js';
import { ackDelivery, deadLetterDelivery, nackDelivery, type SettlementState, type Settler } from '../../delivery.js';
import { EMPTY_HEADERS, encodeEnvelope, type EnvelopeFields } from './envelope.js';

export class LocalMessage implements Delivery, SettlementState, EnvelopeFields {
  readonly headers: Readonly<Headers>;
  readonly deliveryCount: number = 1;
  /** Its envelope's size, set when a queue takes it (the queue counts bytes as the ring would). */
  envelopeBytes = 0;
  /** Internal (SettlementState), for when it is handed out as its own delivery. */
  outcome: Settlement | undefined = undefined;
  settling: Promise<void> | undefined = undefined;
  private settler: Settler | undefined = undefined;
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

  /**
   * This message, handed out as its own delivery (unleased; it left the queue, so nobody else
   * holds it). A message object is handed out at most once: put back by a nack, it goes back as
   * an encoded record and comes out again as a delivery of its own.
   */
  handOutAs(settler: Settler): this {
    this.settler = settler;
    return this;
  }

  get settlement(): Settlement | undefined {
    return this.outcome;
  }

  ack(): Promise<void> {
    return ackDelivery(this, this.settlerOrThrow());
  }

  nack(options?: NackOptions): Promise<void> {
    return nackDelivery(this, this.settlerOrThrow(), options);
  }

  deadLetter(reason: string): Promise<void> {
    return deadLetterDelivery(this, this.settlerOrThrow(), reason);
  }

  private settlerOrThrow(): Settler {
    // Only reachable by a caller that found the object some other way than as a delivery.
    if (this.settler === undefined) throw new TypeError(`internal: message ${this.id} was settled before it was handed out`);
    return this.settler;
  }
}

/** An entry of a queue as an encoded record: a LocalMessage is encoded (once), a record is itself. */
export function recordOf(entry: Uint8Array | LocalMessage): Uint8Array {
  return entry instanceof LocalMessage ? entry.toRecord() : entry;
}
