import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ControlBlock, W_LEASE_LOCK } from '../../src/backends/memory/control-block.js';
import { LEASE_HELD, LEASE_WAITING, LeaseLog, type LeaseRef } from '../../src/backends/memory/lease-log.js';

const test = suite('memory lease log and control block');

function log(bytes = 4096) {
  const control = ControlBlock.create(4);
  return { control, leases: new LeaseLog(new SharedArrayBuffer(bytes), control) };
}

const filled = (n: number, v: number) => new Uint8Array(n).fill(v & 0xff);

test('a held lease is not due before its deadline; a taken one is re-stamped and its old holder loses', () => {
  const { leases } = log();
  const now = Date.now();
  const lease = leases.add(filled(40, 7), LEASE_HELD, 0, now + 1000)!;
  assert.ok(lease);
  assert.is(leases.takeDue(0, now, now + 5000), undefined);
  assert.is(leases.takeDue(1, now + 2000, now + 5000), undefined, 'another target does not see it');
  const taken = leases.takeDue(0, now + 2000, now + 5000)!;
  assert.equal([...taken.envelope], [...filled(40, 7)]);
  assert.is(taken.previousState, LEASE_HELD);
  assert.is(leases.release(lease), false, 'the late holder cannot release it');
  assert.is(leases.release(taken), true);
  assert.is(leases.live(), 0);
});

test('property: records of any size wrap around a small log, come back intact, and space is reclaimed', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), fc.boolean()), { minLength: 1, maxLength: 200 }), (steps) => {
      const { leases } = log(4096);
      const live: { ref: LeaseRef; size: number; value: number }[] = [];
      let value = 0;
      for (const [size, settleOldest] of steps) {
        value++;
        let ref = leases.add(filled(size, value), LEASE_WAITING, 0, 0);
        while (!ref && live.length > 0) {
          // Full: settle the oldest lease and try again; with nothing live it must always fit.
          assert.ok(leases.release(live.shift()!.ref));
          ref = leases.add(filled(size, value), LEASE_WAITING, 0, 0);
        }
        assert.ok(ref, `a ${size}-byte record fits in an empty 4 KiB log`);
        live.push({ ref: ref!, size, value });
        if (settleOldest && live.length > 1) assert.ok(leases.release(live.shift()!.ref));
      }
      assert.is(leases.live(), live.length);
      // Every live lease is due (deadline 0) and comes back with its own bytes, oldest first.
      for (const expected of live) {
        const taken = leases.takeDue(0, Date.now(), Infinity)!;
        assert.ok(taken);
        assert.is(taken.envelope.byteLength, expected.size);
        assert.ok(taken.envelope.every((b) => b === (expected.value & 0xff)));
        leases.release(taken);
      }
      assert.is(leases.takeDue(0, Date.now(), Infinity), undefined);
    }),
    { numRuns: 200 },
  );
});

test('a lock whose holder died (never unlocks) is taken over instead of hanging', () => {
  const { control } = log();
  control.lock(W_LEASE_LOCK); // the "dead" holder
  const started = performance.now();
  control.lock(W_LEASE_LOCK);
  const waited = performance.now() - started;
  assert.ok(waited >= 1500, `took over after ${waited} ms`);
  control.unlock(W_LEASE_LOCK);
});

test('capacity reservations never exceed the capacity', () => {
  const { control } = log();
  let accepted = 0;
  for (let i = 0; i < 10; i++) if (control.tryReserve(3)) accepted++;
  assert.is(accepted, 3);
  assert.is(control.reserveUpTo(5, 10), 2);
  control.taken(5);
  assert.is(control.queued(), 0);
});

test.run();
