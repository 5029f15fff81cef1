// Request/reply: a request carries a fresh correlation id and a reply-to; the reply finds its way
// back to the one request it answers; a request nobody answers times out; reply() checks what it
// is given as send does.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel, Delivery } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import { bytes, caseRegistrar, expectCode, text, watch, withTimeout, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const skip = !backend.capabilities.requestReply && 'backend does not declare requestReply';

  it(
    'request gets the reply to its own request, matched by correlation id',
    async (h) => {
      const ch = await h.open();
      const responder = await h.another(ch);
      const pending = watch(ch.request(bytes('ping'), { headers: { op: 'echo' }, timeoutMs: h.ms(5000) }));
      const req = await responder.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(text(req.data), 'ping');
      assert.is(req.headers.op, 'echo');
      assert.type(req.correlationId, 'string', 'a request carries a correlation id');
      assert.ok(req.correlationId!.length > 0);
      assert.type(req.replyTo, 'string', 'a request says where to reply');
      await responder.reply(req, bytes('pong'), { headers: { status: 'ok' } });
      await req.ack();
      await withTimeout(pending.done, h.ms(5000), 'the request after its reply was sent');
      assert.is(pending.error, undefined, `the request resolves (got ${String(pending.error)})`);
      const reply = pending.value!;
      assert.is(text(reply.data), 'pong');
      assert.is(reply.correlationId, req.correlationId);
      assert.is(reply.headers.status, 'ok');
    },
    { skip },
  );

  it(
    'concurrent requests answered in reverse order each get their own reply',
    async (h) => {
      const ch = await h.open();
      // One responder per request, so each holds one unsettled request (fine on backends that
      // give a receiver nothing more until it settles), and all five are answered in reverse.
      // Where members are given whole partitions, one responder holds the queue's partition and
      // gets all five (the others would get none), so one responder takes them all.
      const one = backend.capabilities.sharesByPartition ? await h.another(ch) : undefined;
      const responders = await Promise.all(Array.from({ length: 5 }, () => one ?? h.another(ch)));
      const requests = Array.from({ length: 5 }, (_, i) => watch(ch.request(bytes(`q${i}`), { timeoutMs: h.ms(8000) })));
      const received: { from: Channel; req: Delivery }[] = [];
      for (const r of responders) received.push({ from: r, req: await r.receiveDelivery({ timeoutMs: h.ms(5000) }) });
      assert.is(new Set(received.map((r) => r.req.correlationId)).size, 5, 'each request has its own correlation id');
      for (const { from, req } of [...received].reverse()) {
        await from.reply(req, bytes(`answer to ${text(req.data)}`));
        await req.ack();
      }
      await withTimeout(Promise.all(requests.map((r) => r.done)), h.ms(8000), 'five requests after their replies');
      requests.forEach((r, i) => {
        assert.is(r.error, undefined, `request q${i} failed: ${String(r.error)}`);
        assert.is(text(r.value!.data), `answer to q${i}`);
      });
    },
    { skip },
  );

  it(
    'a request nobody answers fails with Timeout; a late reply to it does not reach the next request',
    async (h) => {
      const ch = await h.open();
      await expectCode(() => ch.request(bytes('anyone?'), { timeoutMs: h.ms(150) }), 'Timeout', 'a request with no responder');
      const responder = await h.another(ch);
      const stale = await responder.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(text(stale.data), 'anyone?');
      // The requester is gone: the late reply may be refused (a typed error) or vanish — either
      // way it must not be taken for the next request's answer.
      await responder.reply(stale, bytes('too late')).catch((err: unknown) => {
        if (!isChannelError(err)) throw err;
      });
      await stale.ack();
      const next = watch(ch.request(bytes('second'), { timeoutMs: h.ms(5000) }));
      const req = await responder.receiveDelivery({ timeoutMs: h.ms(5000) });
      await responder.reply(req, bytes('on time'));
      await req.ack();
      await withTimeout(next.done, h.ms(5000), 'the second request');
      assert.is(next.error, undefined, String(next.error));
      assert.is(text(next.value!.data), 'on time', 'the stale reply is not taken for the new request');
    },
    { skip },
  );

  const maxBytes = backend.capabilities.maxMessageBytes;
  const oversizeTestable = Number.isFinite(maxBytes) && maxBytes <= 64 << 20;

  it(
    'reply() checks its input like send: bad or oversize payload SerializationError, no replyTo InvalidConfiguration, after close ChannelClosed; a reply counts as sent',
    async (h) => {
      const ch = await h.open();
      const responder = await h.another(ch);
      await ch.send(bytes('not a request'));
      const pending = watch(ch.request(bytes('ping'), { timeoutMs: h.ms(5000) }));
      // Each is settled as it comes (reply needs only the message), so this holds on backends
      // that hand a receiver nothing more until it settles.
      let req: Delivery | undefined;
      for (let i = 0; i < 2; i++) {
        const d = await responder.receiveDelivery({ timeoutMs: h.ms(5000) });
        if (text(d.data) === 'ping') req = d;
        else await expectCode(() => responder.reply(d, bytes('to whom?')), 'InvalidConfiguration', 'reply to a message without replyTo');
        await d.ack();
      }
      if (!req) return assert.unreachable('the request never reached the responder');
      const request = req;

      await expectCode(() => responder.reply(request, 'text' as unknown as Uint8Array), 'SerializationError', 'reply with a string payload');
      if (oversizeTestable) await expectCode(() => responder.reply(request, new Uint8Array(maxBytes + 1)), 'SerializationError', `reply of maxMessageBytes + 1 (${maxBytes + 1}) bytes`);

      const sentBefore = responder.stats().sent;
      await responder.reply(request, bytes('pong'));
      assert.is(responder.stats().sent, sentBefore + 1, 'a reply counts in stats().sent (the refused ones do not)');
      await withTimeout(pending.done, h.ms(5000), 'the request after its reply');
      assert.is(pending.error, undefined, `the request resolves (got ${String(pending.error)})`);
      assert.is(text(pending.value!.data), 'pong', 'the one reply that went out is the valid one');

      await responder.close();
      await expectCode(() => responder.reply(request, bytes('too late')), 'ChannelClosed', 'reply after close');
    },
    { skip },
  );
}
