import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastIdPrefixBytes, lastIdSuffix, newMessageId } from '../../src/ids.js';

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

test('ids made from a given send time: increasing across counter carries and a clock that steps back', () => {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const timeOf = (id: string) => [...id.slice(0, 10)].reduce((ms, ch) => ms * 32 + alphabet.indexOf(ch), 0);
  const base = Date.now() + 10_000; // later than anything the other tests used
  let previous = newMessageId(base + 0.75);
  assert.is(timeOf(previous), base, 'the fractional part is dropped');
  // 5000 ids in one millisecond cross the 1024-id boundary of the counter's last two characters.
  for (let i = 0; i < 5000; i++) {
    const id = newMessageId(base + 0.5);
    assert.ok(id > previous, `${id} <= ${previous}`);
    assert.is(id.slice(10, 18), previous.slice(10, 18), 'the sender tag stays');
    previous = id;
  }
  const stepBack = newMessageId(base - 5_000);
  assert.ok(stepBack > previous, 'a clock that stepped back still gives a greater id');
  assert.is(timeOf(stepBack), base);
  const later = newMessageId(base + 1);
  assert.is(timeOf(later), base + 1);
  assert.ok(later > stepBack);
  assert.match(later, /^[0-9A-HJKMNP-TV-Z]{26}$/);
});

test('lastIdPrefixBytes and lastIdSuffix are the id just made, in parts', () => {
  const base = Date.now() + 20_000;
  for (let i = 0; i < 5000; i++) {
    const id = newMessageId(base + Math.floor(i / 2500)); // crosses prefix changes and a new millisecond
    assert.is(String.fromCharCode(...lastIdPrefixBytes) + lastIdSuffix, id);
  }
});

test.run();
