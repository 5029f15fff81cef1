// MPMC with producers terminated mid-flight: `worker.terminate()` can stop a thread between
// claiming space and committing it, leaving a claim nobody will ever finish. The consumers must
// step over it (after abandonAfterMs) and still receive everything the survivors sent, intact
// and exactly once; the victim's messages are delivered up to the one in flight. Closing the ring
// afterwards is the marker: consumers end with RING_CLOSED only once nothing is left, so a claim
// they could not pass would make them time out instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runStress } from './stress-run.js';

const TRIALS = 6;

for (let trial = 0; trial < TRIALS; trial++) {
  // Odd trials: a plain sendSync loop killed wherever it happens to be (often, not always, inside
  // a claim). Even trials: a producer that writes each message inside its claim (as
  // InMemoryChannel encodes an envelope into reserved space) and is killed while stuck in one.
  const hangInClaim = trial % 2 === 0;
  const mode = hangInClaim ? 'reserve-in-place' : 'sync';
  // A random point in the victim's run, so it dies in a different state each time.
  const afterMessages = 500 + Math.floor(Math.random() * 20_000);
  test(`trial ${trial + 1}: a ${mode} producer terminated ${hangInClaim ? 'inside its claim' : 'mid-loop'} after ${afterMessages}+ messages stalls nobody`, async () => {
    const { delivered } = await runStress({
      kind: 'mpmc',
      capacityBytes: 2048,
      producers: [
        { count: 2_000_000, mode }, // the victim: far from done when it is terminated
        { count: 30_000, mode: 'sync' },
        { count: 30_000, mode: 'batch' },
      ],
      consumers: ['drain', 'view', 'receive'],
      victim: { producer: 0, afterMessages, hangInClaim },
      abandonAfterMs: 25,
      timeoutMs: 60_000,
    });
    assert.ok(delivered >= 60_000 + afterMessages);
  });
}

test.run();
