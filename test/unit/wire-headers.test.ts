// The shared wire layout's optional `ps-for-group` field: written only when set, read back, and
// left out of the user's headers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromWireHeaders, toWireHeaders, WIRE_HEADERS } from '../../src/base/wire-headers.js';

const test = suite('wire headers');
const base = { id: 'ID1', timestamp: 1.5, deliveryCount: 2, key: 'k', correlationId: undefined, replyTo: undefined, route: 'send' as const, headers: { a: '1' } };

test("ps-for-group is pinned by value, written only when set, and read back into forGroup (never a user header)", () => {
  assert.is(WIRE_HEADERS.forGroup, 'ps-for-group');
  assert.not.ok(WIRE_HEADERS.forGroup in toWireHeaders(base), 'absent when not set');
  const pairs = Object.entries(toWireHeaders({ ...base, forGroup: 'jobs.audit' }));
  const back = fromWireHeaders(pairs, { id: 'x', timestamp: 0, deliveryCount: 1 }, 'jobs');
  assert.is(back.forGroup, 'jobs.audit');
  assert.equal(back.headers, { a: '1' });
  assert.is(back.deliveryCount, 2);
  assert.is(fromWireHeaders(Object.entries(toWireHeaders(base)), { id: 'x', timestamp: 0, deliveryCount: 1 }, 'jobs').forGroup, undefined);
});

test.run();
