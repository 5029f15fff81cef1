// A worker terminated in the middle of sendSync (as pools do on timeouts and crashes) may stop
// between claiming space in the channel's shared ring and committing it, and after counting its
// message against `capacity`. The channel must keep working: the ring skips the dead claim after
// its abandon bound (1 s), what was received is intact, and the dead message's capacity count
// comes back, so the channel still fills to exactly `capacity`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingError, attachRing } from '../../native-queue/index.js';
import { channelErrorFromRing } from '../../src/backends/memory/ring-errors.js';
import { BackendError } from '../../src/errors.js';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { codeOf, startChannelWorker, terminateChannelWorkers, within } from './helpers.js';
import { QUIET_MS, checkPatterned } from './kill-checks.js';

const test = suite('InMemoryChannel with a sender terminated mid-send');
test.after.each(terminateChannelWorkers);

const TRIALS = 10;
const CAPACITY = 16;
const MARKER = new Uint8Array([42]);

for (let trial = 1; trial <= TRIALS; trial++) {
  // Odd trials: a small `capacity`, which must fill to exactly that afterwards. Even trials: no
  // capacity (the sender then spends more of its time inside sends), and the count of pending
  // messages must come back to 0.
  const capacity = trial % 2 === 1 ? CAPACITY : 0;
  test(`trial ${trial}${capacity ? `, capacity ${capacity}` : ''}: after the kill the channel drains, a marker gets through, no count is leaked`, async () => {
    // drop-newest: the sender never parks, so the kill usually lands inside a send.
    const channel = new InMemoryChannel({ capacity, capacityBytes: 1 << 16, backpressure: 'drop-newest' });
    const sender = startChannelWorker('send-forever', channel.describe());
    await sender.next('first send');
    let last = -1;
    const killAt = performance.now() + 5 + Math.random() * 25;
    while (performance.now() < killAt) {
      const data = await channel.tryReceive();
      if (data) last = checkPatterned(data, last, 'the queue');
      else await new Promise((r) => setImmediate(r));
    }
    await sender.worker.terminate();
    // Everything it sent comes out, past a claim it may have left unfinished.
    for (;;) {
      let data: Uint8Array;
      try {
        data = await within(QUIET_MS + 3000, 'draining', channel.receive({ timeoutMs: QUIET_MS }));
      } catch (err) {
        if ((err as { code?: string }).code === 'Timeout') break;
        throw err;
      }
      last = checkPatterned(data, last, 'the queue');
    }
    await channel.send(MARKER);
    assert.equal(await within(5000, 'the marker', channel.receive({ timeoutMs: 3000 })), MARKER);
    assert.is(channel.stats().pending, 0, 'nothing counted for a message that is not there');
    if (capacity === 0) return void (await channel.close());
    // Every count the dead sender took came back: exactly `capacity` messages fit again.
    for (let i = 0; i < CAPACITY + 1; i++) await channel.send(new Uint8Array([i])); // the last one is dropped
    for (let i = 0; i < CAPACITY; i++) assert.equal(await channel.receive({ timeoutMs: 1000 }), new Uint8Array([i]));
    assert.is(await channel.tryReceive(), undefined, 'capacity + 1 was dropped');
    await channel.close();
  });
}

test('a send whose claim was abandoned (its thread stalled past the bound) is skipped; the late commit fails; capacity stays whole', async () => {
  // Plays the stalled sender with the ring itself: a reserve() on the channel's queue ring from
  // another handle, not committed in time, stands for a sender paused mid-write.
  const channel = new InMemoryChannel({ capacity: 2, capacityBytes: 4096, backpressure: 'error' });
  const stalled = attachRing(channel.describe().queue);
  (stalled.reserve(8) as Uint8Array).fill(7);
  await channel.send(new Uint8Array([1]));
  assert.equal(await within(5000, 'delivery past the stalled claim', channel.receive({ timeoutMs: 4000 })), new Uint8Array([1]));
  assert.throws(() => stalled.commit(), (e: { code?: string }) => e.code === 'RING_ABANDONED');
  for (let i = 0; i < 2; i++) await channel.send(new Uint8Array([i]));
  assert.is(await codeOf(channel.send(new Uint8Array([9]))), 'ChannelFull');
  await channel.close();
});

test('a RING_ABANDONED send reaches the caller as BackendError, with the ring error as its cause and what to do', () => {
  const cause = new RingError('RING_ABANDONED', 'this send was abandoned by the receivers; send it again');
  const err = channelErrorFromRing(cause, 'jobs', 'send') as BackendError;
  assert.ok(err instanceof BackendError);
  assert.is(err.cause, cause);
  assert.match(err.message, /abandoned/);
  assert.match(err.message, /send it again/);
});

test.run();
