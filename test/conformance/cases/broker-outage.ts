// A broker that goes away and comes back, where the factory can take it down (backend.broker).
// Contract v2 (ConnectionState): while the broker is out of reach a channel is 'reconnecting',
// sends wait up to their timeout and receivers resume afterwards; opening a channel waits at most
// connectTimeoutMs for its broker and then fails with a typed error.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnectionState } from '../../../src/channel.js';
import {
  assertNoneLost,
  bytes,
  caseRegistrar,
  expectChannelError,
  reachesStatus,
  sleep,
  text,
  watch,
  withTimeout,
  type BackendUnderTest,
} from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noBroker = !backend.broker && 'the factory cannot take its broker down (no broker control)';

  it(
    `a receive blocked across a broker restart keeps waiting and gets a message sent once the broker is back${caps.persistent ? '; what was accepted before the restart is kept (100 messages with headers)' : ''}`,
    async (h) => {
      const ch = await h.open();
      const rx = await h.another(ch);
      // The 'kept' part: an idle channel holding accepted messages across the restart.
      const idle = caps.persistent ? await h.open() : undefined;
      const kept = Array.from({ length: 100 }, (_, i) => `kept-${i}`);
      if (idle) for (const [i, k] of kept.entries()) await idle.send(bytes(k), { headers: { seq: String(i) } });

      const states: ConnectionState[] = [];
      rx.on('status', (state) => void states.push(state));
      const blocked = watch(rx.receiveDelivery({ timeoutMs: h.ms(120_000) }));
      await sleep(h.ms(200));
      assert.not.ok(blocked.settled, 'the receive waits on an empty channel');

      await backend.broker!.restart();
      const how = () => (blocked.error ? `failed: ${String(blocked.error)}` : `resolved with "${text(blocked.value!.data)}"`);
      assert.not.ok(blocked.settled, `a receive blocked across the restart keeps waiting (it ${blocked.settled ? how() : ''})`);
      // The window was hit: the handle noticed the broker going away.
      if (caps.connection) assert.ok(states.includes('reconnecting'), `the receiving handle reported 'reconnecting' during the restart (saw: ${states.join(', ') || 'nothing'})`);

      // "Once the broker is back" is once the receiving handle is connected again: where a
      // message sent to nobody is gone, one sent before the receiver resumed would be lost.
      if (caps.connection) await reachesStatus(rx, 'connected', h.ms(30_000));
      // One send, no retry: while reconnecting a send waits up to its timeout.
      await ch.send(bytes('after the restart'), { timeoutMs: h.ms(30_000) });
      await withTimeout(blocked.done, h.ms(30_000), 'the blocked receive, after a message was sent to the restarted broker');
      assert.is(blocked.error, undefined, `the blocked receive resumed (got ${String(blocked.error)})`);
      assert.is(text(blocked.value!.data), 'after the restart');
      await blocked.value!.ack();

      if (idle) {
        const reader = await h.named(idle.name);
        const got: string[] = [];
        while (new Set(got).size < kept.length) {
          const d = await reader.receiveDelivery({ timeoutMs: h.ms(20_000) });
          assert.is(d.headers.seq, text(d.data).slice('kept-'.length), 'a kept message keeps its headers');
          got.push(text(d.data));
          await d.ack();
        }
        assertNoneLost(got, kept, 'messages accepted before the restart', caps);
      }
    },
    { skip: noBroker, timeoutMs: 180_000 },
  );

  it(
    'opening a channel while the broker is down fails with BackendError or Timeout within connectTimeoutMs; once it is back, opening works and messages round-trip',
    async (h) => {
      const connectTimeoutMs = h.ms(2000);
      // Scheduling and the client's own teardown may add a little to the timeout, no more.
      const margin = h.ms(1000) + 500;
      await backend.broker!.kill();
      try {
        const began = performance.now();
        await expectChannelError(
          () => h.open({ connectTimeoutMs }),
          ['BackendError', 'Timeout'],
          'opening a channel while the broker is down',
          connectTimeoutMs + h.ms(10_000),
        );
        const took = performance.now() - began;
        assert.ok(took <= connectTimeoutMs + margin, `opening gave up after ${took.toFixed(0)} ms; connectTimeoutMs was ${connectTimeoutMs}`);
      } finally {
        await backend.broker!.start();
      }
      const ch = await h.open({ connectTimeoutMs: h.ms(30_000) });
      const other = await h.another(ch);
      // The receive waits first, so this also holds where a message sent to nobody is gone.
      const received = watch(other.receive({ timeoutMs: h.ms(30_000) }));
      if (!caps.keepsForAbsentReceivers) await sleep(h.ms(200));
      await ch.send(bytes('after the broker came back'), { timeoutMs: h.ms(30_000) });
      await withTimeout(received.done, h.ms(30_000), 'a receive after the broker came back');
      assert.is(received.error, undefined, `the receive after the broker came back (got ${String(received.error)})`);
      assert.is(text(received.value!), 'after the broker came back');
    },
    { skip: noBroker, timeoutMs: 180_000 },
  );
}
