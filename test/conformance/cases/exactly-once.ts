// Exactly-once has one defined scope in contract v2 (DeliveryGuarantee in src/channel.ts): consume
// from a channel, process, and produce to channels of the same backend inside
// `channel.transaction()` — the acks and the sends commit together or not at all, and readers
// opened with 'exactly-once' see only committed messages. A backend that cannot give it refuses
// the option and the call with InvalidConfiguration; it never pretends.
//
// (A single message sent and received once proves nothing about exactly-once: any queue passes
// that. These cases make a transaction fail half-way and check that nothing of it leaked.)
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExactlyOnce, bytes, caseRegistrar, expectCode, expectNothing, receiveTexts, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);
  const caps = backend.capabilities;

  it(
    "delivery 'exactly-once' and transaction() are refused with InvalidConfiguration by a backend that cannot give them; the work never runs",
    async (h) => {
      await expectCode(() => h.open({ delivery: 'exactly-once' }), 'InvalidConfiguration', "opening with delivery 'exactly-once'");
      const ch = await h.open();
      let ran = false;
      await expectCode(
        () => ch.transaction(async () => void (ran = true)),
        'InvalidConfiguration',
        'transaction() on a backend without exactlyOnce',
      );
      assert.not.ok(ran, 'the work of a refused transaction must not run');
    },
    { skip: caps.exactlyOnce && 'backend declares exactlyOnce (the transaction cases below apply)' },
  );

  it(
    "transaction() on a channel not opened with delivery 'exactly-once' is refused with InvalidConfiguration; the work never runs",
    async (h) => {
      const ch = await h.open({ delivery: 'at-least-once' });
      let ran = false;
      await expectCode(() => ch.transaction(async () => void (ran = true)), 'InvalidConfiguration', 'transaction() on an at-least-once channel');
      assert.not.ok(ran, 'the work of a refused transaction must not run');
    },
    { skip: !caps.exactlyOnce && 'backend does not declare exactlyOnce (the refusal case covers it)' },
  );

  it(
    'consume-process-produce: a transaction that throws leaks nothing and the input comes back; the retry commits exactly one output and settles the input',
    async (h) => {
      const input = await h.open({ delivery: 'exactly-once' });
      const output = await h.open({ delivery: 'exactly-once' });
      // A reader of the output that sees only committed messages.
      const reader = await h.named(output.name, { delivery: 'exactly-once' });
      const jobId = await input.send(bytes('job-1'));

      const first = await input.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(first.id, jobId);
      const crash = new Error('the worker crashed after producing, before finishing');
      let outcome: unknown;
      try {
        await input.transaction(async (tx) => {
          await tx.send(output, bytes('result of job-1'), { correlationId: first.id });
          await tx.ack(first);
          throw crash;
        });
        outcome = 'resolved';
      } catch (err) {
        outcome = err;
      }
      assert.is(outcome, crash, 'transaction() rejects with what the work threw');
      assert.is.not(first.settlement, 'acked', 'the ack of an aborted transaction is undone');
      await expectNothing(reader, h.ms(500), 'the output of an aborted transaction became visible');

      const retry = await input.receiveDelivery({ timeoutMs: h.ms(10_000) });
      assert.is(retry.id, jobId, 'the input of the aborted transaction is delivered again');
      const committed = await input.transaction(async (tx) => {
        await tx.send(output, bytes('result of job-1'), { correlationId: retry.id });
        await tx.ack(retry);
        return 'done';
      });
      assert.is(committed, 'done', "transaction() resolves to the work's result");

      const results = await receiveTexts(reader, 1, h.ms(5000));
      await expectNothing(reader, h.ms(500), 'a second output (the aborted attempt leaked, or the commit was doubled)');
      assertExactlyOnce(results, ['result of job-1'], 'the committed output');
      // The committed ack settled the input for every consumer.
      await expectNothing(input, h.ms(500), 'the input came back after its transaction committed');
      await expectNothing(await h.another(input), h.ms(500), 'the input reached another consumer after its transaction committed');
    },
    { skip: !caps.exactlyOnce && 'backend does not declare exactlyOnce', timeoutMs: 30_000 },
  );
}
