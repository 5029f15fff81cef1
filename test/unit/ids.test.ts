import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newMessageId } from '../../src/ids.js';

const test = suite('message ids');

test('26 Crockford base32 characters, strictly increasing within a thread', () => {
  let previous = '';
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const id = newMessageId();
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(id > previous, `${id} <= ${previous}`);
    seen.add(id);
    previous = id;
  }
  assert.is(seen.size, 100_000);
});

test('the time part encodes the send time in ms', () => {
  const before = Date.now();
  const id = newMessageId();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let ms = 0;
  for (const ch of id.slice(0, 10)) ms = ms * 32 + alphabet.indexOf(ch);
  assert.ok(ms >= before && ms <= Date.now());
});

test.run();
