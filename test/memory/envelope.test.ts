import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  ENVELOPE_TAKEN,
  decodeEnvelope,
  encodeEnvelope,
  encodeEnvelopeInto,
  envelopeSize,
  payloadOffset,
  readDeliveryCount,
  writeDeliveryCount,
  type EnvelopeFields,
} from '../../src/backends/memory/envelope.js';
import { newMessageId } from '../../src/ids.js';
import { isChannelError } from '../../src/errors.js';

const test = suite('memory envelope codec');

function roundTrip(fields: EnvelopeFields) {
  const record = encodeEnvelope(fields);
  assert.is(record.byteLength, envelopeSize(fields));
  return decodeEnvelope(record, 'c');
}

test('a bare message costs 16 bytes + id + payload, and round-trips', () => {
  const fields = { id: newMessageId(), data: new Uint8Array([1, 2, 3]), timestamp: 1234.5, deliveryCount: 1 };
  assert.is(envelopeSize(fields), 16 + 26 + 3);
  const m = roundTrip(fields);
  assert.is(m.id, fields.id);
  assert.equal([...m.data], [1, 2, 3]);
  assert.is(m.timestamp, 1234.5);
  assert.is(m.deliveryCount, 1);
  assert.equal(m.headers, {});
  assert.is(m.key, undefined);
  assert.is(m.correlationId, undefined);
  assert.is(m.replyTo, undefined);
  assert.is(m.channel, 'c');
});

test('every optional field, non-ASCII text and an empty payload round-trip', () => {
  const fields = {
    id: newMessageId(),
    data: new Uint8Array(0),
    timestamp: Date.now() + 0.25,
    deliveryCount: 7,
    headers: { 'content-type': 'text/plain', 'ünïcode': '日本語 ✓', empty: '', ['__proto__']: 'p' } as Record<string, string>,
    key: 'kéy',
    correlationId: 'corr-1',
    replyTo: 'replies',
  };
  const m = roundTrip(fields);
  assert.equal(m.headers, fields.headers);
  assert.is(m.key, 'kéy');
  assert.is(m.correlationId, 'corr-1');
  assert.is(m.replyTo, 'replies');
  assert.is(m.data.byteLength, 0);
  assert.is(m.deliveryCount, 7);
});

test('the delivery count is patched in place for redelivery', () => {
  const record = encodeEnvelope({ id: newMessageId(), data: new Uint8Array([9]), timestamp: 1, deliveryCount: 1, key: 'k' });
  writeDeliveryCount(record, 42);
  assert.is(readDeliveryCount(record), 42);
  const m = decodeEnvelope(record, 'c');
  assert.is(m.deliveryCount, 42);
  assert.is(m.key, 'k');
});

test('encodes at an offset inside a larger buffer (the batch path)', () => {
  const a = { id: newMessageId(), data: new Uint8Array([1]), timestamp: 1, deliveryCount: 1 };
  const b = { id: newMessageId(), data: new Uint8Array([2, 2]), timestamp: 2, deliveryCount: 1, headers: { h: 'v' } };
  const buffer = new Uint8Array(envelopeSize(a) + envelopeSize(b));
  const mid = encodeEnvelopeInto(a, buffer, 0);
  const end = encodeEnvelopeInto(b, buffer, mid);
  assert.is(end, buffer.byteLength);
  assert.equal([...decodeEnvelope(buffer.subarray(0, mid), 'c').data], [1]);
  assert.equal(decodeEnvelope(buffer.subarray(mid), 'c').headers, { h: 'v' });
});

test('a record a receiver marked counted-out (ENVELOPE_TAKEN) reads exactly like the original', () => {
  const fields = { id: newMessageId(), data: new Uint8Array([1, 2, 3]), timestamp: 5, deliveryCount: 2, headers: { h: 'v' }, key: 'k' };
  const record = encodeEnvelope(fields);
  const marked = record.slice();
  marked[0] = ENVELOPE_TAKEN;
  assert.equal(decodeEnvelope(marked, 'c'), decodeEnvelope(record, 'c'));
  assert.is(payloadOffset(marked), payloadOffset(record));
  marked[0] = 0xc2; // any other first byte is still not an envelope
  assert.is(payloadOffset(marked), -1);
});

test('a corrupt or truncated record is a SerializationError, never garbage', () => {
  const record = encodeEnvelope({ id: newMessageId(), data: new Uint8Array(4), timestamp: 1, deliveryCount: 1, headers: { a: 'b' } });
  for (const bad of [new Uint8Array(3), new Uint8Array(40), record.subarray(0, 45)]) {
    try {
      decodeEnvelope(bad, 'c');
      assert.unreachable('decoded a corrupt record');
    } catch (err) {
      assert.ok(isChannelError(err, 'SerializationError'), String(err));
    }
  }
});

test('property: any fields round-trip exactly', () => {
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  fc.assert(
    fc.property(
      fc.record({
        data: fc.uint8Array({ maxLength: 300 }),
        timestamp: fc.double({ noNaN: true }),
        deliveryCount: fc.integer({ min: 1, max: 0xffffffff }),
        headers: fc.option(fc.dictionary(text, text, { maxKeys: 6 }), { nil: undefined }),
        key: fc.option(text, { nil: undefined }),
        correlationId: fc.option(text, { nil: undefined }),
        replyTo: fc.option(text, { nil: undefined }),
      }),
      (f) => {
        const fields: EnvelopeFields = { id: newMessageId(), ...f };
        const m = roundTrip(fields);
        assert.is(m.id, fields.id);
        assert.equal([...m.data], [...f.data]);
        assert.ok(Object.is(m.timestamp, f.timestamp));
        assert.is(m.deliveryCount, f.deliveryCount);
        assert.equal({ ...m.headers }, { ...(f.headers ?? {}) });
        assert.is(m.key, f.key);
        assert.is(m.correlationId, f.correlationId);
        assert.is(m.replyTo, f.replyTo);
        // The bytes-only receive path finds the payload without decoding the fields.
        const record = encodeEnvelope(fields);
        assert.is(payloadOffset(record), record.byteLength - f.data.byteLength);
      },
    ),
    { numRuns: 500 },
  );
});

test.run();
