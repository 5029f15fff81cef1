// The status surface of contract v2: `channel.status` and the 'status' event. A channel is
// 'connecting' until its first connection is up, then 'connected'; 'closed' after close(). A
// backend without connections (`capabilities.connection` false) is 'connected' from the start.
// `on()` returns the function that stops listening.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnectionState } from '../../../src/channel.js';
import { bytes, caseRegistrar, reachesStatus, receiveTexts, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;

  it(
    caps.connection
      ? "status is 'connecting' or 'connected' after open and reaches 'connected'; the channel works once it is"
      : "status is 'connected' as soon as open resolves (no connections to wait for)",
    async (h) => {
      const ch = await h.open();
      if (caps.connection) {
        assert.ok(['connecting', 'connected'].includes(ch.status), `right after open: got '${ch.status}'`);
        await reachesStatus(ch, 'connected', h.ms(10_000));
      } else {
        assert.is(ch.status, 'connected', 'a backend without connections is connected from the start');
      }
      await ch.send(bytes('hello'));
      assert.equal(await receiveTexts(ch, 1, h.ms(5000)), ['hello']);
      assert.is(ch.status, 'connected', 'still connected after traffic');
    },
  );

  it("after close() status is 'closed' and a 'status' listener saw 'closed'; a listener removed with the function on() returned sees nothing", async (h) => {
    const ch = await h.open();
    await reachesStatus(ch, 'connected', h.ms(10_000));
    const seen: ConnectionState[] = [];
    const removedSaw: ConnectionState[] = [];
    const stop = ch.on('status', (state) => void seen.push(state));
    const off = ch.on('status', (state) => void removedSaw.push(state));
    assert.type(off, 'function', 'on() returns the function that stops listening');
    off();
    await ch.close();
    assert.is(ch.status, 'closed');
    assert.is(ch.isClosed, true);
    assert.ok(seen.includes('closed'), `the listener saw 'closed' (saw: ${seen.join(', ') || 'nothing'})`);
    assert.is(seen.at(-1), 'closed', "'closed' is the last state reported");
    assert.equal(removedSaw, [], 'a removed listener is not called');
    await ch.close();
    assert.is(seen.filter((s) => s === 'closed').length, 1, "a second close() reports 'closed' no second time");
    stop();
  });
}
