// What a channel keeps of a delivery once it is settled: its id and outcome, nothing more. (It
// used to keep the last 4 096 whole deliveries — 6 000 acked 64 KiB deliveries left 256 MiB and
// more alive — and a lease reference for every message given up by nack without requeue or
// dead-lettered, never cleared.) And a ring hook that throws is reported, not swallowed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';
import type { Delivery } from '../../src/channel.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const test = suite('InMemoryChannel: settled state');

async function collectGarbage(): Promise<void> {
  // Let settlement promises finish and drop their references, then collect twice (WeakRefs
  // are cleared only after the microtask queue runs past the collection that found them dead).
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
}

test('6 000 acked deliveries of 64 KiB leave no payload behind', async () => {
  const channel = new InMemoryChannel({ capacityBytes: 4 << 20 });
  const payload = new Uint8Array(64 * 1024).fill(7);
  await collectGarbage();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 6000; i++) {
    await channel.send(payload);
    const d = await channel.receiveDelivery({ timeoutMs: 1000 });
    await d.ack();
  }
  await collectGarbage();
  const retainedMiB = (process.memoryUsage().arrayBuffers - before) / 2 ** 20;
  // 6 000 × 64 KiB is 375 MiB; what the channel itself holds (its ring, its lease log) is a few MiB.
  assert.ok(retainedMiB < 32, `${retainedMiB.toFixed(1)} MiB of array buffers still held after every delivery was acked`);
  await channel.close();
});

test('no settled delivery stays reachable from its channel: ack, nack without requeue, dead letter, nack past retries', async () => {
  const dlq = new InMemoryChannel();
  const channel = new InMemoryChannel({ deadLetter: dlq.name, maxRetries: 0 });
  // In a function of its own, so that no frame of this test still holds the last delivery.
  const { refs, ids } = await receiveAndSettle(channel, 400);
  await collectGarbage();
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  assert.is(alive, 0, `${alive} of 400 settled deliveries are still reachable`);
  // The outcomes are still known by id: a repeated ack is a no-op, a different settlement is refused.
  await channel.ack(ids[0]!);
  const refused = await channel.nack(ids[0]!).then(() => 'resolved', (err: { code?: string }) => err.code);
  assert.is(refused, 'AlreadySettled');
  assert.is(channel.stats().inFlight, 0);
  assert.is(sharedChannelOf(channel).leases.live(), 0, 'every lease was released');
  await channel.close();
  await dlq.close();
});

/** Receives `n` deliveries and settles each in one of the four ways that give it up or finish it. */
async function receiveAndSettle(channel: InMemoryChannel, n: number): Promise<{ refs: WeakRef<Delivery>[]; ids: string[] }> {
  const refs: WeakRef<Delivery>[] = [];
  const ids: string[] = [];
  const settle = [
    (d: Delivery) => d.ack(),
    (d: Delivery) => d.nack({ requeue: false }),
    (d: Delivery) => d.deadLetter('not wanted'),
    (d: Delivery) => d.nack(), // maxRetries 0: dead-lettered
  ];
  for (let i = 0; i < n; i++) {
    await channel.send(new Uint8Array(1024).fill(i & 0xff));
    const d = await channel.receiveDelivery({ timeoutMs: 1000 });
    await settle[i % settle.length]!(d);
    refs.push(new WeakRef(d));
    ids.push(d.id);
  }
  return { refs, ids };
}

test('a ring hook that throws is reported as an error event and counted; the message still arrives', async () => {
  const channel = new InMemoryChannel();
  const other = InMemoryChannel.attach(channel.describe()); // the queue is the shared ring now
  const errors: Error[] = [];
  other.on('error', (err) => errors.push(err));
  const ring = sharedChannelOf(other).queue.ring as unknown as { onTake: ((record: Uint8Array) => void) | undefined };
  const realHook = ring.onTake;
  ring.onTake = () => {
    throw new Error('a hook bug');
  };
  await channel.send(Uint8Array.of(1, 2, 3));
  const got = await other.receive({ timeoutMs: 1000 });
  ring.onTake = realHook;
  assert.equal([...got], [1, 2, 3], 'the take went on');
  assert.is(errors.length, 1, 'one error event');
  assert.match(errors[0]!.message, /onTake hook threw \(a hook bug\)/);
  assert.is(other.stats().errors, 1);
  await other.close();
});

test.run();
