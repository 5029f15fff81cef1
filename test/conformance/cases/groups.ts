// Consumer groups: every group gets every published message; the subscribers of one group share
// them — none lost (duplicates only where mayDuplicate). What a named group keeps once its last
// member has left is `capabilities.durableGroups`, and both answers are held to.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNoneLost, bytes, caseRegistrar, consumeTogether, expectNoMoreOn, expectQuiet, nextTexts, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;
  const noGroups = !caps.consumerGroups && 'backend does not declare consumerGroups';

  it(
    'two consumer groups each get every message',
    async (h) => {
      const ch = await h.open();
      const other = await h.another(ch);
      const [g1, g2] = [h.group(), h.group()];
      const subs = [await ch.subscribe({ group: g1 }), await other.subscribe({ group: g2 })];
      assert.is(subs[0]!.group, g1);
      assert.is(subs[1]!.group, g2);
      const expected = Array.from({ length: 50 }, (_, i) => `g-${i}`);
      for (const e of expected) await ch.publish(bytes(e));
      for (const [i, sub] of subs.entries()) {
        const got = await nextTexts(sub, expected.length, h.ms(5000));
        assertNoneLost(got, expected, `group ${i + 1}`, caps);
      }
      // A copy more is a duplicate: allowed (and already counted) only where mayDuplicate.
      if (!caps.mayDuplicate) await expectQuiet(subs, h.ms(150), 'after every message arrived');
    },
    { skip: noGroups },
  );

  it(
    'the subscribers of one group share its messages: none lost, none twice unless mayDuplicate (3 subscribers on 3 handles)',
    async (h) => {
      const ch = await h.open();
      const group = h.group();
      const subs = [
        await ch.subscribe({ group }),
        await (await h.another(ch)).subscribe({ group }),
        await (await h.another(ch)).subscribe({ group }),
      ];
      const expected = Array.from({ length: 300 }, (_, i) => `shared-${i}`);
      const consuming = consumeTogether(subs.length, expected.length, (i, signal) => subs[i]!.next({ signal }));
      for (const e of expected) await ch.publish(bytes(e));
      const got = await consuming;
      assertNoneLost(got.flat(), expected, 'one group, three subscribers', caps);
      if (!caps.mayDuplicate) await expectQuiet(subs, h.ms(150), 'after every message arrived');
    },
    { skip: noGroups, timeoutMs: 20_000 },
  );

  it(
    `a named group whose last member left ${caps.durableGroups ? 'keeps what was published meanwhile for its next member (durableGroups)' : 'ends: its next member gets only what is published after it joined (no durableGroups)'}`,
    async (h) => {
      const ch = await h.open();
      const group = h.group();
      const first = await ch.subscribe({ group });
      await ch.publish(bytes('before leaving'));
      assert.equal(await nextTexts(first, 1, h.ms(5000)), ['before leaving'], 'the first member gets what was published while it was there');
      await first.unsubscribe();

      const meanwhile = Array.from({ length: 5 }, (_, i) => `while away ${i}`);
      for (const m of meanwhile) await ch.publish(bytes(m));
      const rejoined = await (await h.another(ch)).subscribe({ group });
      await ch.publish(bytes('after joining'));

      if (caps.durableGroups) {
        // The group resumes where its last member acked: what came meanwhile, then the new one;
        // the acked message does not come back.
        const got = await nextTexts(rejoined, meanwhile.length + 1, h.ms(5000));
        assertNoneLost(got, [...meanwhile, 'after joining'], 'the group after a member rejoined', caps);
      } else {
        assert.equal(await nextTexts(rejoined, 1, h.ms(5000)), ['after joining'], 'the new member gets what is published after it joined');
      }
      if (!caps.durableGroups) await expectNoMoreOn(rejoined, h.ms(150), 'a message published while the group had no member reached the new member');
      // An acked message coming back to a durable group is a duplicate: allowed only where mayDuplicate.
      else if (!caps.mayDuplicate) await expectNoMoreOn(rejoined, h.ms(150), 'an acked message came back to the group');
    },
    {
      skip:
        noGroups ||
        (!caps.durableGroups && caps.replaysHistory && 'a new member of an ended group replays history on this backend, so "only what came after it joined" cannot be told apart'),
    },
  );
}
