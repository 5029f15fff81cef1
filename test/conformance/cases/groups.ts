// Consumer groups: every group gets every published message; the subscribers of one group share
// them — none lost, none twice.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Subscription } from '../../../src/channel.js';
import { isChannelError } from '../../../src/errors.js';
import { assertExactlyOnce, bytes, caseRegistrar, consumeTogether, text, uniqueName, type BackendUnderTest } from '../backend.js';

async function expectQuiet(subs: Subscription[], ms: number, what: string): Promise<void> {
  await Promise.all(
    subs.map(async (sub, i) => {
      try {
        const extra = await sub.next({ timeoutMs: ms });
        assert.unreachable(`${what}: subscriber ${i} received "${text(extra.data)}" again`);
      } catch (err) {
        if (!isChannelError(err, 'Timeout')) throw err;
      }
    }),
  );
}

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const noGroups = !backend.capabilities.consumerGroups && 'backend does not declare consumerGroups';

  it(
    'two consumer groups each get every message',
    async (h) => {
      const ch = await h.open();
      const other = await h.another(ch);
      const [g1, g2] = [uniqueName('group'), uniqueName('group')];
      const subs = [await ch.subscribe({ group: g1 }), await other.subscribe({ group: g2 })];
      assert.is(subs[0]!.group, g1);
      assert.is(subs[1]!.group, g2);
      const expected = Array.from({ length: 50 }, (_, i) => `g-${i}`);
      for (const e of expected) await ch.publish(bytes(e));
      for (const [i, sub] of subs.entries()) {
        const got: string[] = [];
        for (let n = 0; n < expected.length; n++) {
          const d = await sub.next({ timeoutMs: 5000 });
          got.push(text(d.data));
          await d.ack();
        }
        assertExactlyOnce(got, expected, `group ${i + 1}`);
      }
      await expectQuiet(subs, h.ms(150), 'after every message arrived');
    },
    { skip: noGroups },
  );

  it(
    'the subscribers of one group share its messages: none lost, none twice (3 subscribers on 3 handles)',
    async (h) => {
      const ch = await h.open();
      const group = uniqueName('group');
      const subs = [
        await ch.subscribe({ group }),
        await (await h.another(ch)).subscribe({ group }),
        await (await h.another(ch)).subscribe({ group }),
      ];
      const expected = Array.from({ length: 300 }, (_, i) => `shared-${i}`);
      const consuming = consumeTogether(subs.length, expected.length, (i, signal) => subs[i]!.next({ signal }));
      for (const e of expected) await ch.publish(bytes(e));
      const got = await consuming;
      assertExactlyOnce(got.flat(), expected, 'one group, three subscribers');
      await expectQuiet(subs, h.ms(150), 'after every message arrived');
    },
    { skip: noGroups, timeoutMs: 20_000 },
  );
}
