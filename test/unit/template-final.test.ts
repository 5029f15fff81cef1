// The shared template's public methods are final: a backend supplies primitives and never
// overrides what the contract does (else one backend would check, count or retry differently
// from the others). TypeScript has no `final`, and `noImplicitOverride` makes every override say
// `override`, so a backend class that writes `override <public method>` is caught here — and so
// is one that shadows a public method on its prototype at run time.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { typeScriptFilesUnder } from '../support/source-files.js';
import { BaseChannel } from '../../src/base/base-channel.js';
import { InMemoryChannel } from '../../src/backends/memory/index.js';

const test = suite('the template is final');
const backendsDir = new URL('../../src/backends/', import.meta.url).pathname;

/** BaseChannel's public methods and accessors (what the Channel contract is made of). */
const PUBLIC = Object.getOwnPropertyNames(BaseChannel.prototype).filter((n) => n !== 'constructor');


test('BaseChannel has the contract on its prototype', () => {
  for (const name of ['send', 'sendBatch', 'receive', 'tryReceive', 'receiveDelivery', 'receiveBatch', 'ack', 'nack', 'publish', 'subscribe', 'request', 'reply', 'transaction', 'stats', 'close', 'on']) {
    assert.ok(PUBLIC.includes(name), `BaseChannel.prototype.${name}`);
  }
});

test('no backend source overrides a public method of the template', () => {
  const offenders: string[] = [];
  for (const file of typeScriptFilesUnder(backendsDir)) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\boverride\s+(?:async\s+)?(?:get\s+|set\s+)?([A-Za-z_$][\w$]*)\s*[(<]/g)) {
      if (PUBLIC.includes(m[1]!)) offenders.push(`${file.slice(backendsDir.length)}: override ${m[1]}`);
    }
  }
  assert.equal(offenders, [], 'a backend overrides what the shared template decides');
});

test('the in-memory channel inherits every public method unchanged', () => {
  for (const name of PUBLIC) {
    let proto: object | null = InMemoryChannel.prototype;
    while (proto && proto !== BaseChannel.prototype) {
      assert.not.ok(Object.getOwnPropertyNames(proto).includes(name), `InMemoryChannel redefines ${name}`);
      proto = Object.getPrototypeOf(proto);
    }
  }
});

test('the in-memory channel exposes nothing internal: only the contract and its own thread calls', () => {
  const channel = new InMemoryChannel();
  const own = Object.keys(channel).sort();
  assert.equal(own, ['capabilities', 'name', 'options'], 'public instance fields');
  const extra = Object.getOwnPropertyNames(InMemoryChannel.prototype).filter((n) => n !== 'constructor').sort();
  assert.equal(extra, ['describe', 'receiveDeliverySync', 'receiveSync', 'sendSync'], 'what InMemoryChannel adds');
  void channel.close();
});

test.run();
