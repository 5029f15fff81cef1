// A worker terminated while parked in sendSync on a full channel (block mode) never returns from
// its park: whatever it did before sleeping must need no undoing. Afterwards the doorbell must not
// stay armed for ever (that would cost a process-wide notify on every take), the dead sender's
// message must not be counted, and the channel must fill to exactly `capacity` again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { W_SENDER_ASLEEP } from '../../src/backends/memory/control-block.js';
import { codeOf, sleep, startChannelWorker, terminateChannelWorkers, within } from './helpers.js';
import { sharedChannelOf } from '../../src/backends/memory/internals.js';

const test = suite('InMemoryChannel with a sender terminated while parked');
test.after.each(terminateChannelWorkers);

const CAPACITY = 4;
const TRIALS = 3;

/** Resolves once a sender has armed the doorbell (it is about to sleep, or asleep). */
async function armed(channel: InMemoryChannel): Promise<void> {
  const words = sharedChannelOf(channel).control.words;
  while (Atomics.load(words, W_SENDER_ASLEEP) === 0) await sleep(2);
}

for (let trial = 1; trial <= TRIALS; trial++) {
  test(`trial ${trial}: after the kill one take clears the doorbell; nothing is counted for the dead send; capacity is whole`, async () => {
    const channel = new InMemoryChannel({ capacity: CAPACITY, backpressure: 'block' });
    const sender = startChannelWorker('produce-until-closed', channel.describe(), { count: CAPACITY });
    assert.equal(await sender.next('channel full'), { full: true });
    await within(5000, 'the sender parks', armed(channel));
    await sleep(Math.random() * 60); // somewhere in its park slices (50 ms each)
    // The window this file is about, hit by construction: nothing was taken, so the sender is
    // still in its blocked send, with the doorbell armed, when it is killed.
    assert.ok(Atomics.load(sharedChannelOf(channel).control.words, W_SENDER_ASLEEP) !== 0, 'the sender is parked (the doorbell armed) when it is killed');
    await sender.worker.terminate();

    for (let i = 0; i < CAPACITY; i++) assert.equal(await channel.receive({ timeoutMs: 1000 }), new Uint8Array([i]));
    assert.is(Atomics.load(sharedChannelOf(channel).control.words, W_SENDER_ASLEEP), 0, 'the takes cleared the doorbell: no notify on every take for ever');
    assert.is(await channel.tryReceive(), undefined, 'the parked send never went in');
    assert.is(sharedChannelOf(channel).control.queued(), 0);

    for (let i = 0; i < CAPACITY; i++) await channel.send(new Uint8Array([10 + i]));
    assert.is(await codeOf(channel.send(new Uint8Array([99]), { timeoutMs: 60 })), 'ChannelFull', `exactly ${CAPACITY} fit`);
    for (let i = 0; i < CAPACITY; i++) assert.equal(await channel.receive({ timeoutMs: 1000 }), new Uint8Array([10 + i]));
    assert.is(Atomics.load(sharedChannelOf(channel).control.words, W_SENDER_ASLEEP), 0, 'our own parked send left the doorbell clear after the takes');
    await channel.close();
  });
}

test.run();
