// One conformance suite for every backend: `defineConformanceSuite(backend)` registers every case
// file on one uvu suite. A backend's factory file (memory.test.ts, later redis/kafka/nats) calls it
// and runs the suite; which cases apply is decided by the backend's declared capabilities.
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipReasonsOf, type BackendUnderTest } from './backend.js';
import * as acks from './cases/acks.js';
import * as backpressure from './cases/backpressure.js';
import * as badInput from './cases/bad-input.js';
import * as brokerOutage from './cases/broker-outage.js';
import * as close from './cases/close.js';
import * as concurrency from './cases/concurrency.js';
import * as deadLetter from './cases/dead-letter.js';
import * as deadLetterHeaders from './cases/dead-letter-headers.js';
import * as exactlyOnce from './cases/exactly-once.js';
import * as groups from './cases/groups.js';
import * as ordering from './cases/ordering.js';
import * as originalDefects from './cases/original-defects.js';
import * as payloads from './cases/payloads.js';
import * as persistence from './cases/persistence.js';
import * as pubsub from './cases/pubsub.js';
import * as requestReply from './cases/request-reply.js';
import * as routing from './cases/routing.js';
import * as stats from './cases/stats.js';
import * as status from './cases/status.js';
import * as trio from './cases/trio.js';
import * as ttl from './cases/ttl.js';
import * as urls from './cases/urls.js';

// The broker-outage and persistence files run last: they take the broker down, and a case after
// them would pay for its recovery.
const CASE_FILES = [
  trio,
  close,
  status,
  payloads,
  routing,
  pubsub,
  concurrency,
  acks,
  deadLetter,
  deadLetterHeaders,
  ordering,
  groups,
  backpressure,
  requestReply,
  badInput,
  exactlyOnce,
  ttl,
  stats,
  urls,
  originalDefects,
  brokerOutage,
  persistence,
];

/**
 * Registers the whole suite for `backend` on `test` (a fresh uvu suite unless given one — broker
 * factories pass the suite from test/support/services.ts so a missing service skips or fails the
 * way the project decided). Call `.run()` on the result.
 */
export function defineConformanceSuite(backend: BackendUnderTest, test: Test = suite(`conformance: ${backend.name}`)): Test {
  // A promise a backend forgets (a waiter rejected after the case moved on) must not crash the
  // file half-way, nor go unnoticed: it is collected and fails the last case.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  test.before(() => void process.on('unhandledRejection', onUnhandled));

  for (const file of CASE_FILES) file.register(test, backend);

  test('no promise rejection went unhandled during the suite', () => {
    process.off('unhandledRejection', onUnhandled);
    assert.equal(unhandled.map(String), [], 'unhandled rejections (a backend dropped a promise)');
  });
  test.after(() => {
    const skipReasons = skipReasonsOf(test);
    if (skipReasons.length === 0) return;
    console.log(`\n  ${skipReasons.length} conformance cases skipped for ${backend.name}:`);
    for (const reason of skipReasons) console.log(`    - ${reason}`);
  });
  return test;
}
