// sendBatch into the shared ring (a channel that was described, so other threads may hold it):
// each message is its own counted claim, so the batch keeps its order, stops at `capacity` or at
// the ring's bytes exactly where single sends would, and the message count always equals what the
// queue holds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { bytes, codeOf, readU32, u32, within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel sendBatch into the shared ring');

function sharedChannel(options: ConstructorParameters<typeof InMemoryChannel>[0]): InMemoryChannel {
  const channel = new InMemoryChannel(options);
  channel.describe(); // from now on the queue is the shared ring
  assert.is(sharedChannelOf(channel).queue.isLocal, false);
  return channel;
}

test('capacity cuts a batch where single sends would stop: with error mode the rest fails, what went in stays, in order', async () => {
  const channel = sharedChannel({ capacity: 5, backpressure: 'error' });
  await channel.sendBatch([bytes(1), bytes(2), bytes(3)]);
  assert.is(sharedChannelOf(channel).control.queued(), 3);
  assert.is(await codeOf(channel.sendBatch([bytes(4), { data: bytes(5), headers: { h: 'v' } }, bytes(6)])), 'ChannelFull');
  assert.is(sharedChannelOf(channel).control.queued(), 5, 'the two that fit are counted, the refused one is not');
  for (let i = 1; i <= 5; i++) assert.equal(await channel.receive({ timeoutMs: 1000 }), bytes(i));
  assert.is(await channel.tryReceive(), undefined);
  assert.is(sharedChannelOf(channel).control.queued(), 0);
  await channel.close();
});

test('a batch larger than the ring waits for room (block mode) and arrives whole and in order; the count ends at 0', async () => {
  const channel = sharedChannel({ capacityBytes: 4096, backpressure: 'block', sendTimeoutMs: 5000 });
  const count = 200; // about 70 bytes a record: several ring-fulls
  const sending = channel.sendBatch(Array.from({ length: count }, (_, i) => u32(i)));
  for (let i = 0; i < count; i++) assert.is(readU32(await within(5000, `message ${i}`, channel.receive({ timeoutMs: 3000 }))), i);
  assert.is((await sending).length, count);
  assert.is(sharedChannelOf(channel).control.queued(), 0);
  await channel.close();
});

test('drop-newest: a batch over capacity keeps the first `capacity` messages and counts exactly those', async () => {
  const channel = sharedChannel({ capacity: 4, backpressure: 'drop-newest' });
  const ids = await channel.sendBatch(Array.from({ length: 10 }, (_, i) => bytes(i)));
  assert.is(ids.length, 10, 'every message gets an id (the dropped ones too)');
  assert.is(sharedChannelOf(channel).control.queued(), 4);
  for (let i = 0; i < 4; i++) assert.equal(await channel.receive({ timeoutMs: 1000 }), bytes(i));
  assert.is(await channel.tryReceive(), undefined);
  assert.is(sharedChannelOf(channel).control.queued(), 0);
  await channel.close();
});

test('a batch on a closed channel is ChannelClosed and counts nothing', async () => {
  const channel = sharedChannel({ capacity: 8 });
  await channel.close();
  assert.is(await codeOf(channel.sendBatch([bytes(1), bytes(2)])), 'ChannelClosed');
  assert.is(sharedChannelOf(channel).control.queued(), 0);
});

test.run();
