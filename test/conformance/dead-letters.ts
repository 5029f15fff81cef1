// What a dead-lettered copy must look like, checked the same way by every case that makes one.
//
// The copy is a NEW message on the dead-letter channel (its own id) that keeps the original's
// payload, user headers, key, correlation id and reply-to, and adds the documented headers
// (DEAD_LETTER_HEADERS in src/delivery.ts): why, which message (id, channel, group), how often it
// was delivered, when it was dead-lettered, when it was first sent, and — when the settlement was
// given `{ error }` — that error's name and message.
import * as assert from 'uvu/assert';
import type { Channel, Delivery } from '../../src/channel.js';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';
import { text, uniqueName } from './basics.js';
import type { Handles } from './registrar.js';

/** A channel with a dead-letter channel, the dead-letter channel opened first so it is listening. */
export async function withDeadLetter(
  h: Handles,
  options: { maxRetries: number; ackTimeoutMs?: number },
): Promise<{ ch: Channel; dlq: Channel }> {
  const dlq = await h.named(uniqueName('dlq'));
  const ch = await h.open({ ...options, deadLetter: dlq.name });
  return { ch, dlq };
}

export interface DeadLetterExpectation {
  /** The channel the message was consumed from. */
  source: Channel;
  /** The dead-letter channel the copy was read from. */
  dlq: Channel;
  /** The last delivery of the original the case saw. */
  last: Delivery;
  /** The reason, where the case gave it (deadLetter(reason)); otherwise any non-empty text. */
  reason?: string;
  /** The subscription group it was consumed in; absent means the group header must be absent. */
  group?: string;
  /** The error given to the settlement; absent means the error headers must be absent. */
  error?: { name: string; message: string };
  /**
   * Whether the delivery-count header must equal `last.deliveryCount` exactly; false where a
   * redelivery may keep the old count (capabilities.exactDeliveryCount), then it must not be less.
   */
  exactCount: boolean;
  /** Wall-clock bounds (ms since the epoch) around the settlement that dead-lettered it. */
  settledBetween: [number, number];
}

/** Asserts every documented property of a dead-lettered copy; `what` names the route it took. */
export function assertDeadLetterCopy(copy: Delivery, want: DeadLetterExpectation, what: string): void {
  const { last } = want;
  const H = DEAD_LETTER_HEADERS;
  const header = (name: string): string | undefined => copy.headers[name];

  assert.is(copy.channel, want.dlq.name, `${what}: the copy is on the dead-letter channel`);
  assert.is.not(copy.id, last.id, `${what}: the copy is a new message (the original id goes in ${H.originalId})`);
  assert.is(text(copy.data), text(last.data), `${what}: the original payload is kept`);
  assert.is(copy.data.byteLength, last.data.byteLength, `${what}: the payload's length is kept`);
  for (const [k, v] of Object.entries(last.headers)) assert.is(copy.headers[k], v, `${what}: user header ${k} is kept`);
  assert.is(copy.key, last.key, `${what}: the key is kept`);
  assert.is(copy.correlationId, last.correlationId, `${what}: the correlation id is kept`);
  assert.is(copy.replyTo, last.replyTo, `${what}: replyTo is kept`);

  const reason = header(H.reason);
  assert.type(reason, 'string', `${what}: ${H.reason} says why`);
  assert.ok(reason!.length > 0, `${what}: ${H.reason} is not empty`);
  if (want.reason !== undefined) assert.is(reason, want.reason, `${what}: ${H.reason} is the reason given`);
  assert.is(header(H.originalId), last.id, `${what}: ${H.originalId} is the original message's id`);
  assert.is(header(H.originalChannel), want.source.name, `${what}: ${H.originalChannel} names the channel it came from`);
  assert.is(header(H.group), want.group, want.group ? `${what}: ${H.group} names the group it was consumed in` : `${what}: no ${H.group} outside a group`);

  const count = Number(header(H.deliveryCount));
  assert.ok(Number.isInteger(count), `${what}: ${H.deliveryCount} is a whole number (got ${header(H.deliveryCount)})`);
  if (want.exactCount) assert.is(count, last.deliveryCount, `${what}: ${H.deliveryCount} is the number of deliveries made`);
  else assert.ok(count >= last.deliveryCount, `${what}: ${H.deliveryCount} (${count}) is at least the last count seen (${last.deliveryCount})`);

  // "About now": a broker may stamp the copy with its own clock, so a second of skew is allowed.
  const at = Number(header(H.time));
  const [from, to] = want.settledBetween;
  assert.ok(at >= from - 1000 && at <= to + 1000, `${what}: ${H.time} (${header(H.time)}) is epoch ms of the dead-lettering, between ${from} and ${to}`);
  const sentAt = Number(header(H.originalTimestamp));
  assert.ok(Math.abs(sentAt - last.timestamp) < 1, `${what}: ${H.originalTimestamp} (${header(H.originalTimestamp)}) is the original's timestamp ${last.timestamp}`);

  if (want.error) {
    assert.is(header(H.errorName), want.error.name, `${what}: ${H.errorName} is the error's name`);
    assert.is(header(H.errorMessage), want.error.message, `${what}: ${H.errorMessage} is the error's message`);
  } else {
    assert.is(header(H.errorName), undefined, `${what}: no ${H.errorName} when no error was given`);
    assert.is(header(H.errorMessage), undefined, `${what}: no ${H.errorMessage} when no error was given`);
  }
}
