// Request/reply: many requests out at once over one replies channel, each matched by its
// correlation id; a request times out (and its late reply is counted, not delivered); a request
// is cancelled by its AbortSignal; a responder's error comes back as RemoteError.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { RemoteError, Requester, Responder } from '../../src/patterns/index.js';
import { gate, readU16, u16, until } from './helpers.js';

const test = suite('Requester / Responder');

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

test('500 requests at once, answered out of order by 4 concurrent handlers, each reply to its own request', async () => {
  const requests = new InMemoryChannel({ name: 'rr-requests' });
  const replies = new InMemoryChannel({ name: 'rr-replies' });
  const responder = new Responder(
    requests,
    async (req) => {
      const n = readU16(req.data);
      await new Promise((r) => setTimeout(r, n % 3)); // finish out of order
      return u16(n * 2);
    },
    { concurrency: 4 },
  );
  const requester = new Requester(requests, replies);
  const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => requester.request(u16(i))));
  answers.forEach((reply, i) => assert.is(readU16(reply.data), (i * 2) & 0xffff, `request ${i}`));
  assert.equal(requester.stats(), { pending: 0, replied: 500, timedOut: 0, cancelled: 0, late: 0 });
  await requester.close();
  await responder.stop();
  await Promise.all([requests.close(), replies.close()]);
});

test('a request past its timeout rejects with Timeout; its reply, when it comes, is counted late and dropped', async () => {
  const requests = new InMemoryChannel({ name: 'rr-timeout' });
  const replies = new InMemoryChannel({ name: 'rr-timeout-replies' });
  const hold = gate();
  const responder = new Responder(requests, async (req) => {
    await hold.opened;
    return req.data;
  });
  const requester = new Requester(requests, replies, { timeoutMs: 5000 });
  const err = await rejection(requester.request(u16(1), { timeoutMs: 50 }));
  assert.is(err.code, 'Timeout');
  assert.match(err.message, /no reply within 50 ms/);
  hold.open();
  await until('the late reply', () => requester.stats().late === 1);
  assert.equal(requester.stats(), { pending: 0, replied: 0, timedOut: 1, cancelled: 0, late: 1 });
  assert.is(readU16((await requester.request(u16(9))).data), 9, 'the requester goes on');
  await requester.close();
  await responder.stop();
  await Promise.all([requests.close(), replies.close()]);
});

test('an AbortSignal cancels a waiting request (Aborted), before or after it was sent', async () => {
  const requests = new InMemoryChannel({ name: 'rr-abort' });
  const replies = new InMemoryChannel({ name: 'rr-abort-replies' });
  const requester = new Requester(requests, replies);
  const controller = new AbortController();
  const waiting = requester.request(u16(1), { signal: controller.signal });
  await until('the request to be sent', () => requests.stats().sent === 1);
  controller.abort(new Error('user left'));
  const err = await rejection(waiting);
  assert.is(err.code, 'Aborted');
  assert.is(err.cause?.message, 'user left');
  assert.is((await rejection(requester.request(u16(2), { signal: AbortSignal.abort() }))).code, 'Aborted');
  assert.is(requests.stats().sent, 1, 'an already aborted request is not sent');
  assert.is(requester.stats().cancelled, 1);
  await requester.close();
  await Promise.all([requests.close(), replies.close()]);
});

test("a responder's error comes back as RemoteError; close() rejects what still waits with ChannelClosed", async () => {
  const requests = new InMemoryChannel({ name: 'rr-error' });
  const replies = new InMemoryChannel({ name: 'rr-error-replies' });
  const responder = new Responder(requests, (req) => {
    if (req.data[0] === 0) throw new RangeError('zero is not allowed');
    return req.data;
  });
  const requester = new Requester(requests, replies);
  const err = await rejection(requester.request(new Uint8Array([0])));
  assert.instance(err, RemoteError);
  assert.is(err.name, 'RangeError');
  assert.is(err.message, 'zero is not allowed');
  await responder.stop();
  const orphan = rejection(requester.request(new Uint8Array([1])));
  await requester.close();
  assert.is((await orphan).code, 'ChannelClosed');
  assert.is((await rejection(requester.request(new Uint8Array([1])))).code, 'ChannelClosed');
  await Promise.all([requests.close(), replies.close()]);
});

test.run();
