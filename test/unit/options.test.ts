import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_OPTIONS, resolveOptions } from '../../src/options.js';
import { ChannelError } from '../../src/errors.js';

const test = suite('options');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ChannelError);
    return (err as ChannelError).code;
  }
  return undefined;
}

test('fills in the documented defaults', () => {
  const o = resolveOptions({ name: 'jobs' });
  assert.equal({ ...o }, { ...DEFAULT_OPTIONS, name: 'jobs' });
  assert.ok(Object.isFrozen(o));
});

test('maxRetries 0 stays 0 (the original silently turned it into 3)', () => {
  assert.is(resolveOptions({ name: 'jobs', maxRetries: 0 }).maxRetries, 0);
});

test('undefined values fall back to defaults instead of overriding them', () => {
  assert.is(resolveOptions({ name: 'jobs', backpressure: undefined }).backpressure, 'block');
});

test('each bad value is an InvalidConfiguration naming the option', () => {
  const cases: Array<[string, object]> = [
    ['capacity', { capacity: -1 }],
    ['capacity', { capacity: 1.5 }],
    ['capacityBytes', { capacityBytes: 1000 }],
    ['capacityBytes', { capacityBytes: 16 }],
    ['delivery', { delivery: 'twice' }],
    ['ordering', { ordering: 'total' }],
    ['backpressure', { backpressure: 'drop' }],
    ['sendTimeoutMs', { sendTimeoutMs: -5 }],
    ['messageTtlMs', { messageTtlMs: 0 }],
    ['maxRetries', { maxRetries: -1 }],
    ['deadLetter', { deadLetter: 'jobs' }],
    ['name', { name: '' }],
    ['name', { name: 'has space' }],
  ];
  for (const [option, bad] of cases) {
    try {
      resolveOptions({ name: 'jobs', ...bad });
      assert.unreachable(`${JSON.stringify(bad)} was accepted`);
    } catch (err) {
      assert.is((err as ChannelError).code, 'InvalidConfiguration', JSON.stringify(bad));
      assert.match((err as Error).message, option === 'name' ? 'channel name' : option);
    }
  }
});

test('a typo is rejected, not ignored; backend keys pass through', () => {
  assert.is(codeOf(() => resolveOptions({ name: 'jobs', backpresure: 'error' } as never)), 'InvalidConfiguration');
  assert.is(codeOf(() => resolveOptions({ name: 'jobs', maxGroups: 4 } as never, ['maxGroups'])), undefined);
});

test('Infinity is accepted for timeouts and TTL', () => {
  const o = resolveOptions({ name: 'jobs', sendTimeoutMs: Infinity, messageTtlMs: Infinity });
  assert.is(o.sendTimeoutMs, Infinity);
});

test.run();
