// Persistent backends whose broker the factory can take down (backend.broker): what the broker
// accepted survives it being restarted — or killed with SIGKILL, as a crash would — in the middle
// of a run with many publishers. Each case counts the sends that ran into an outage and requires
// some: a run whose outages fell between the sends would prove nothing.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { publishThroughOutages, type OutageKind } from '../outages.js';
import { assertNoneLost, caseRegistrar, drainUntilQuiet, text, type BackendUnderTest, type Handles } from '../backend.js';

const PUBLISHERS = 20;
const PER_PUBLISHER = 100;

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const skip =
    (!caps.persistent && 'backend does not declare persistent') ||
    (!backend.broker && 'the factory cannot take its broker down (no broker control)');

  const outageCase = async (h: Handles, kind: OutageKind) => {
    const ch = await h.open();
    const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => h.another(ch)));
    const run = await publishThroughOutages(h, publishers, PER_PUBLISHER, backend.broker!, kind, 2);
    console.log(`    ℹ ${kind} ×2: ${run.hitOutage} sends ran into an outage, ${run.failedAttempts} attempts failed and were retried`);
    assert.ok(run.hitOutage > 0, `no send failed or waited during the ${kind}s: the outages missed the traffic, so nothing was tested`);

    const consumer = await h.named(ch.name);
    const got: string[] = [];
    const distinct = new Set<string>();
    while (distinct.size < run.accepted.length) {
      const d = await consumer.receiveDelivery({ timeoutMs: h.ms(20_000) }).catch((err: unknown) => {
        throw new Error(`received ${distinct.size} of ${run.accepted.length} accepted messages, then: ${String(err)}`, { cause: err });
      });
      got.push(text(d.data));
      distinct.add(text(d.data));
      await d.ack();
    }
    got.push(...(await drainUntilQuiet(consumer, h.ms(500))));
    // A send retried after an ambiguous failure may have been accepted twice: that many copies
    // are the case's own doing, not the backend's (run.attempts).
    assertNoneLost(got, run.accepted, `${PUBLISHERS * PER_PUBLISHER} messages across two broker ${kind}s`, caps, run.attempts);
  };

  it(`the broker restarted twice while ${PUBLISHERS} publishers send: every accepted message arrives`, (h) => outageCase(h, 'restart'), {
    skip,
    timeoutMs: 240_000,
  });

  it(`the broker killed (SIGKILL) and started again twice while ${PUBLISHERS} publishers send: every accepted message arrives`, (h) => outageCase(h, 'kill'), {
    skip,
    timeoutMs: 240_000,
  });
}
