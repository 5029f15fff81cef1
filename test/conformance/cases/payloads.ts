// Payloads arrive byte for byte, and the envelope (headers, key, correlation id, reply-to,
// timestamp, delivery count) arrives with them; batches keep both.
import { randomBytes } from 'node:crypto';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, expectCode, text, withTimeout, type BackendUnderTest } from '../backend.js';

const MiB = 1 << 20;

function sameBytes(got: Uint8Array, want: Uint8Array, what: string): void {
  assert.is(got.byteLength, want.byteLength, `${what}: length`);
  const firstDiff = want.findIndex((b, i) => got[i] !== b);
  assert.is(firstDiff, -1, `${what}: first differing byte at ${firstDiff}`);
}

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);

  it('payloads of 0 bytes, 1 byte, every byte value and 64 KiB of random binary arrive intact', async (h) => {
    const ch = await h.open();
    const payloads = [
      new Uint8Array(0),
      Uint8Array.of(0),
      Uint8Array.from({ length: 256 }, (_, i) => i),
      new Uint8Array(randomBytes(64 * 1024)),
      new Uint8Array(randomBytes(3)),
    ];
    for (const p of payloads) await ch.send(p);
    // The lengths differ, so each received payload is matched by length whatever the ordering.
    const byLength = new Map(payloads.map((p) => [p.byteLength, p]));
    for (let i = 0; i < payloads.length; i++) {
      const got = await ch.receive({ timeoutMs: h.ms(5000) });
      assert.ok(got instanceof Uint8Array, 'received data is a Uint8Array');
      const want = byLength.get(got.byteLength);
      assert.ok(want, `received a payload of ${got.byteLength} bytes, which was never sent`);
      sameBytes(got, want, `payload of ${want.byteLength} bytes`);
      byLength.delete(got.byteLength);
    }
  });

  it('a 1 MiB payload round-trips where the declared limit allows it, else is refused with SerializationError', async (h) => {
    // Ask for room (the factory's roomFor: the in-memory ring's size), then obey the limit the
    // opened channel declares: either outcome asserts something.
    const ch = await h.open({}, backend.roomFor?.(MiB));
    const big = new Uint8Array(randomBytes(MiB));
    if (ch.capabilities.maxMessageBytes >= MiB) {
      await ch.send(big);
      sameBytes(await ch.receive({ timeoutMs: h.ms(10_000) }), big, '1 MiB payload');
    } else {
      await expectCode(() => ch.send(big), 'SerializationError', `1 MiB payload over the declared ${ch.capabilities.maxMessageBytes} bytes`);
    }
  });

  it('the sender may reuse its buffer once send resolves; a view sends only its own bytes', async (h) => {
    const ch = await h.open();
    const reused = bytes('original');
    await ch.send(reused);
    reused.fill(0x21);
    assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'original', 'what was sent, not what the buffer holds now');
    const backing = bytes('xxxxHELLOyyyy');
    await ch.send(backing.subarray(4, 9));
    assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'HELLO', 'a subarray sends its window only');
    await ch.send(Buffer.from('a Buffer is a Uint8Array'));
    assert.is(text(await ch.receive({ timeoutMs: h.ms(5000) })), 'a Buffer is a Uint8Array');
  });

  it('headers, key, correlation id, reply-to, timestamp, channel and delivery count round-trip', async (h) => {
    const ch = await h.open();
    const headers = { 'content-type': 'application/json', 'x-trace': 'abc-123', 'unicode-ключ': 'значение ✓', empty: '' };
    const before = Date.now();
    const id = await ch.send(bytes('{"ok":true}'), { headers, key: 'customer-42', correlationId: 'corr-7', replyTo: 'inbox-9' });
    const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    const after = Date.now();
    assert.is(d.id, id);
    assert.is(text(d.data), '{"ok":true}');
    assert.equal({ ...d.headers }, headers);
    assert.is(d.key, 'customer-42');
    assert.is(d.correlationId, 'corr-7');
    assert.is(d.replyTo, 'inbox-9');
    assert.is(d.channel, ch.name);
    assert.is(d.deliveryCount, 1);
    assert.ok(d.timestamp >= before - 5 && d.timestamp <= after + 5, `timestamp ${d.timestamp} lies between ${before} and ${after}`);
    await d.ack();

    await ch.send(bytes('bare'));
    const bare = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
    assert.equal({ ...bare.headers }, {}, 'no headers sent: an empty record');
    assert.is(bare.key, undefined);
    assert.is(bare.correlationId, undefined);
    assert.is(bare.replyTo, undefined);
    await bare.ack();
  });

  it('replyTo is an address, carried unchanged: a NATS inbox subject and an in-memory inbox are not checked as channel names', async (h) => {
    const ch = await h.open();
    // Neither is a valid channel name ('.' and '#'): a backend that checked replyTo against the
    // name rules, or rewrote it, fails here.
    const addresses = ['_INBOX.abc.def', 'jobs#t0k3n'];
    for (const replyTo of addresses) await ch.send(bytes(`to ${replyTo}`), { replyTo });
    for (let i = 0; i < addresses.length; i++) {
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      const sentTo = text(d.data).slice('to '.length);
      assert.ok(addresses.includes(sentTo), `an unexpected message "${text(d.data)}"`);
      assert.is(d.replyTo, sentTo, 'replyTo arrives exactly as sent');
      await d.ack();
    }
  });

  it('sendBatch sends in order with per-message options and resolves to the ids; receiveBatch returns early with what is there', async (h) => {
    const ch = await h.open();
    const ids = await ch.sendBatch([bytes('b0'), { data: bytes('b1'), headers: { n: '1' }, key: 'k' }, { data: bytes('b2') }]);
    assert.is(ids.length, 3);
    assert.is(new Set(ids).size, 3);
    const got: { id: string; data: string; n: string | undefined; key: string | undefined }[] = [];
    while (got.length < 3) {
      // A long timeout: a batch must come back with what is there, not wait to fill up.
      const batch = await withTimeout(ch.receiveBatch(10, { timeoutMs: 60_000 }), h.ms(5000), 'receiveBatch(10) with fewer than 10 waiting');
      assert.ok(batch.length >= 1 && batch.length <= 10, `a batch holds 1..max deliveries, got ${batch.length}`);
      for (const d of batch) {
        got.push({ id: d.id, data: text(d.data), n: d.headers.n, key: d.key });
        await d.ack();
      }
    }
    if (backend.capabilities.ordering !== 'none') assert.equal(got.map((g) => g.data), ['b0', 'b1', 'b2']);
    const b1 = got.find((g) => g.data === 'b1')!;
    assert.is(b1.n, '1');
    assert.is(b1.key, 'k');
    assert.equal(got.map((g) => g.id).sort(), [...ids].sort());
    await expectCode(() => ch.receiveBatch(10, { timeoutMs: h.ms(50) }), 'Timeout', 'receiveBatch on an empty channel with a timeout');
    await expectCode(() => ch.receiveBatch(0), 'InvalidConfiguration', 'receiveBatch(0)');
  });
}
