import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SettleableDelivery, type SettlePort } from '../../src/delivery.js';
import { deliveryIterator } from '../../src/delivery-iterator.js';
import { ChannelClosedError, ChannelError, BackendError } from '../../src/errors.js';
import type { Delivery, Message } from '../../src/channel.js';

const test = suite('delivery settlement');

function message(id: string): Message {
  return { id, channel: 'c', data: new Uint8Array([1]), headers: {}, key: undefined, correlationId: undefined, replyTo: undefined, timestamp: Date.now(), deliveryCount: 1 };
}

function recordingSettler() {
  const calls: string[] = [];
  const settler: SettlePort<SettleableDelivery> = {
    ack: async (m) => void calls.push(`ack ${m.id}`),
    nack: async (m, o) => void calls.push(`nack ${m.id} ${o.requeue} ${o.delayMs}`),
    deadLetter: async (m, r) => void calls.push(`dlq ${m.id} ${r}`),
  };
  return { calls, settler };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as ChannelError).code;
  }
  return undefined;
}

test('ack twice settles once; nack after ack is AlreadySettled', async () => {
  const { calls, settler } = recordingSettler();
  const d = new SettleableDelivery(message('m1'), settler);
  await d.ack();
  await d.ack();
  assert.equal(calls, ['ack m1']);
  assert.is(await codeOf(d.nack()), 'AlreadySettled');
  assert.is(await codeOf(d.deadLetter('x')), 'AlreadySettled');
  assert.is(d.settlement, 'acked');
});

test('nack defaults to requeue without delay; a bad delay is rejected before settling', async () => {
  const { calls, settler } = recordingSettler();
  const d = new SettleableDelivery(message('m2'), settler);
  assert.is(await codeOf(d.nack({ delayMs: -1 })), 'InvalidConfiguration');
  assert.is(d.settlement, undefined);
  await d.nack();
  assert.equal(calls, ['nack m2 true 0']);
});

test('a settlement the backend refused can be retried', async () => {
  let fail = true;
  const d = new SettleableDelivery(message('m3'), {
    ack: async () => {
      if (fail) throw new BackendError('broker down');
    },
    nack: async () => {},
    deadLetter: async () => {},
  });
  assert.is(await codeOf(d.ack()), 'BackendError');
  assert.is(d.settlement, undefined);
  fail = false;
  await d.ack();
  assert.is(d.settlement, 'acked');
});

test('iteration acks an unsettled delivery on next, requeues it on break, ends on close', async () => {
  const { calls, settler } = recordingSettler();
  let n = 0;
  const it = deliveryIterator(async () => {
    n += 1;
    if (n > 3) throw new ChannelClosedError('closed');
    return new SettleableDelivery(message(`m${n}`), settler) as Delivery;
  });
  const seen: string[] = [];
  for await (const d of it) {
    seen.push(d.id);
    if (d.id === 'm2') break;
  }
  assert.equal(seen, ['m1', 'm2']);
  assert.equal(calls, ['ack m1', 'nack m2 true 0']);

  const rest: string[] = [];
  n = 2;
  for await (const d of deliveryIterator(async () => {
    n += 1;
    if (n > 3) throw new ChannelClosedError('closed');
    return new SettleableDelivery(message(`m${n}`), settler) as Delivery;
  })) rest.push(d.id);
  assert.equal(rest, ['m3']);
  assert.equal(calls.at(-1), 'ack m3');
});

test('leaving a loop: a requeue that fails reaches the caller, unless the channel closed', async () => {
  const failing = (err: Error) =>
    deliveryIterator(async () =>
      new SettleableDelivery(message('held'), {
        ack: async () => {},
        nack: async () => {
          throw err;
        },
        deadLetter: async () => {},
      }) as Delivery,
    );
  let caught: unknown;
  try {
    for await (const _ of failing(new BackendError('broker refused the requeue'))) break;
  } catch (err) {
    caught = err;
  }
  assert.is((caught as ChannelError | undefined)?.code, 'BackendError', 'the failure is not swallowed (it was, with .catch(() => {}))');
  // A closed channel gives its unsettled deliveries back by itself: nothing to report there.
  for await (const _ of failing(new ChannelClosedError('closed meanwhile'))) break;
});

test.run();
