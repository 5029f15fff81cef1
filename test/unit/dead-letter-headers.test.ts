// The dead-letter header names are part of the contract (users read them off dead-lettered copies
// and brokers store them), so they are pinned here by value: a rename is a breaking change and
// must fail a test, not slip through because every test reads the same constant.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEAD_LETTER_HEADERS } from '../../src/base/dead-letter.js';

const test = suite('dead-letter header names');

const DOCUMENTED = {
  reason: 'x-dead-letter-reason',
  originalId: 'x-dead-letter-original-id',
  originalChannel: 'x-dead-letter-original-channel',
  group: 'x-dead-letter-group',
  deliveryCount: 'x-dead-letter-delivery-count',
  time: 'x-dead-letter-time',
  originalTimestamp: 'x-dead-letter-original-timestamp',
  errorName: 'x-dead-letter-error-name',
  errorMessage: 'x-dead-letter-error-message',
};

test('DEAD_LETTER_HEADERS holds exactly the documented names', () => {
  assert.equal({ ...DEAD_LETTER_HEADERS }, DOCUMENTED);
});

test.run();
