// A message as a Kafka record and back, in the one wire layout every broker backend shares
// (src/base/wire-headers.ts): the payload is the record value, the envelope's fields are record
// headers (`ps-id`, `ps-timestamp`, …) beside the user's own, and the message key is also the
// record key, so Kafka's partitioner keeps one key's messages in one partition, in order.
// A record another client wrote without the library's headers still reads: its id is
// `<topic>-<partition>-<offset>`, its time the broker's, its key the record key.
import type { Message } from '../../channel.js';
import type { OutgoingEnvelope } from '../../base/outgoing.js';
import type { Route } from '../../base/transport.js';
import { fromWireHeaders, toWireHeaders, WIRE_HEADERS, type WireEnvelope } from '../../base/wire-headers.js';
import type { FetchedRecord, OutgoingRecord } from './client-seam.js';
import type { PartitionBuffer } from './partition-buffer.js';

/** Bytes Kafka adds around one record in a batch (varints, attributes, header lengths), generously. */
const RECORD_OVERHEAD = 64;

export function toRecord(m: OutgoingEnvelope, route: Route, deliveryCount = 1, partition?: number): OutgoingRecord {
  const headers = toWireHeaders({ ...m, deliveryCount, route });
  return partition === undefined ? { key: m.key, value: m.data, headers } : { key: m.key, value: m.data, headers, partition };
}

/**
 * A message received, re-sent as the copy that redelivers it: same id and envelope, a new count,
 * and addressed to the one consumer group it is redelivered to (every other group reads the same
 * topic and passes it over).
 */
export function copyRecord(raw: KafkaRaw, deliveryCount: number, groupId: string): OutgoingRecord {
  const e = raw.envelope;
  const headers = toWireHeaders({ ...e, deliveryCount, forGroup: groupId });
  return { key: raw.recordKey, value: raw.data, headers, partition: raw.buffer.partition };
}

/** Bytes the record takes on the wire, for the size check and for splitting batches. */
export function recordSize(m: OutgoingEnvelope): number {
  let n = RECORD_OVERHEAD + m.data.length + (m.key === undefined ? 0 : 2 * Buffer.byteLength(m.key));
  for (const name in m.headers) n += 8 + Buffer.byteLength(name) + Buffer.byteLength(m.headers[name]!);
  // The library's own headers: id, timestamp, and the optional fields.
  n += 80 + byteLength(m.correlationId) + byteLength(m.replyTo) + (m.key === undefined ? 0 : 16);
  return n;
}

const byteLength = (s: string | undefined): number => (s === undefined ? 0 : 24 + Buffer.byteLength(s));

/** A record fetched, not yet handed out. */
export class KafkaRaw {
  constructor(
    readonly buffer: PartitionBuffer,
    readonly offset: number,
    readonly envelope: WireEnvelope,
    readonly data: Uint8Array,
    readonly recordKey: string | undefined,
  ) {}

  get id(): string {
    return this.envelope.id;
  }

  /** The key that orders it: the message's key, or for another client's record its record key. */
  get key(): string | undefined {
    return this.envelope.key;
  }

  message(channel: string): Message {
    const e = this.envelope;
    return {
      id: e.id,
      channel,
      data: this.data,
      headers: e.headers,
      key: e.key,
      correlationId: e.correlationId,
      replyTo: e.replyTo,
      timestamp: e.timestamp,
      deliveryCount: e.deliveryCount,
    };
  }
}

function headerPairs(headers: FetchedRecord['headers']): [string, string][] {
  const pairs: [string, string][] = [];
  if (!headers) return pairs;
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    const values = Array.isArray(v) ? v : [v];
    // A repeated header (another client may write one): the last value wins, as in a plain object.
    for (const one of values) if (one !== undefined && one !== null) pairs.push([name, Buffer.isBuffer(one) ? one.toString('utf8') : String(one)]);
  }
  return pairs;
}

/**
 * Reads a fetched record. A malformed library header (a number that is not one) makes it a record
 * of another client: it is still delivered, under its Kafka id, and `onMalformed` is told.
 */
export function fromRecord(r: FetchedRecord, topic: string, buffer: PartitionBuffer, onMalformed: (error: Error) => void): KafkaRaw {
  const offset = Number(r.offset);
  const recordKey = r.key === null ? undefined : r.key.toString('utf8');
  const fallback = { id: `${topic}-${buffer.partition}-${offset}`, timestamp: Number(r.timestamp), deliveryCount: 1 };
  const pairs = headerPairs(r.headers);
  let envelope: WireEnvelope;
  try {
    envelope = fromWireHeaders(pairs, fallback, topic);
  } catch (err) {
    onMalformed(err as Error);
    envelope = fromWireHeaders(pairs.filter(([n]) => !n.startsWith('ps-')), fallback, topic);
  }
  // Another client's record (no ps-id) keeps its record key as the message key.
  if (envelope.key === undefined && recordKey !== undefined && !pairs.some(([n]) => n === WIRE_HEADERS.id)) envelope.key = recordKey;
  const value = r.value ?? Buffer.alloc(0);
  return new KafkaRaw(buffer, offset, envelope, new Uint8Array(value.buffer, value.byteOffset, value.byteLength), recordKey);
}
