// messageTtlMs: a message older than its time to live when it would be received is discarded and
// counted as expired; a younger one is delivered as usual.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, expectNothing, receiveTexts, sleep, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);

  it('a message past messageTtlMs is discarded and counted as expired; a fresh one is delivered', async (h) => {
    const ttl = h.ms(100);
    const ch = await h.open({ messageTtlMs: ttl });
    await ch.send(bytes('stale'));
    await sleep(ttl + h.ms(100));
    await ch.send(bytes('fresh'));
    assert.equal(await receiveTexts(ch, 1, h.ms(5000)), ['fresh'], 'the stale message is skipped, the fresh one delivered');
    await expectNothing(ch, h.ms(100), 'an expired message was delivered');
    assert.is(ch.stats().expired, 1);
  });

  it('messageTtlMs does not touch messages received in time', async (h) => {
    const ch = await h.open({ messageTtlMs: h.ms(10_000) });
    for (const s of ['a', 'b', 'c']) await ch.send(bytes(s));
    assert.equal((await receiveTexts(ch, 3, h.ms(5000))).sort(), ['a', 'b', 'c']);
    assert.is(ch.stats().expired, 0);
  });
}
