// stats() are real figures after real traffic (the original's latency and throughput were always 0).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, caseRegistrar, sleep, type BackendUnderTest } from '../backend.js';

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);

  it('counters follow the traffic: sent, received, acked, nacked, failed, in flight', async (h) => {
    const ch = await h.open();
    const fresh = ch.stats();
    for (const k of ['sent', 'received', 'acked', 'nacked', 'deadLettered', 'dropped', 'expired', 'failed', 'errors', 'inFlight'] as const) {
      assert.is(fresh[k], 0, `a new channel starts with ${k} 0`);
    }
    for (let i = 0; i < 10; i++) await ch.send(bytes(`s${i}`));
    assert.is(ch.stats().sent, 10);
    // One at a time, so this also holds on backends that hand out nothing more until a settle.
    for (let i = 0; i < 10; i++) {
      const d = await ch.receiveDelivery({ timeoutMs: h.ms(5000) });
      assert.is(ch.stats().inFlight, 1, 'a delivery out and unsettled');
      if (i < 7) await d.ack();
      else await d.nack({ requeue: false });
      assert.is(ch.stats().inFlight, 0, 'settled');
    }
    const s = ch.stats();
    assert.is(s.received, 10);
    assert.is(s.acked, 7);
    assert.is(s.nacked, 3);
    assert.is(s.failed, 3, 'a nack without requeue is a failed message');
    // v2: pending is a count where the backend knows it without a network call, else undefined.
    assert.ok(s.pending === undefined || (Number.isInteger(s.pending) && s.pending >= 0), `pending is a whole number or undefined (got ${s.pending})`);
  });

  it('latency and throughput are measured: a message that waited 30 ms shows at least that latency', async (h) => {
    const ch = await h.open();
    for (let i = 0; i < 10; i++) await ch.send(bytes(`l${i}`));
    await sleep(30); // a lower bound the latency must show; a slow backend only adds to it
    for (let i = 0; i < 10; i++) await ch.receive({ timeoutMs: h.ms(5000) });
    const { latency, throughput, received } = ch.stats();
    assert.is(latency.count, received, 'one latency sample per delivery');
    assert.ok(latency.p50Ms >= 25, `every message waited ≥ 30 ms, so p50 is too (got ${latency.p50Ms} ms)`);
    assert.ok(
      latency.p50Ms <= latency.p90Ms && latency.p90Ms <= latency.p99Ms && latency.p99Ms <= latency.maxMs,
      `percentiles are ordered: ${JSON.stringify(latency)}`,
    );
    assert.ok(latency.maxMs < 60_000, `latency is in milliseconds (got max ${latency.maxMs})`);
    assert.ok(throughput.sentPerSec > 0, `sentPerSec after sending (got ${throughput.sentPerSec})`);
    assert.ok(throughput.receivedPerSec > 0, `receivedPerSec after receiving (got ${throughput.receivedPerSec})`);
  });

  it('pending counts messages waiting in the receivers\' queue, where the backend knows it', async (h) => {
    const ch = await h.open();
    // Whether a backend knows is a fact of the opened channel, not a capability.
    if (ch.stats().pending === undefined) h.notApplicable('stats().pending is undefined right after open: the backend cannot know it');
    assert.is(ch.stats().pending, 0, 'a new channel has nothing waiting');
    for (let i = 0; i < 5; i++) await ch.send(bytes(`p${i}`));
    assert.is(ch.stats().pending, 5);
    await ch.receive({ timeoutMs: h.ms(5000) });
    assert.is(ch.stats().pending, 4);
    await ch.publish(bytes('to the groups only'));
    assert.is(ch.stats().pending, 4, 'a publish does not reach the receivers\' queue');
  });
}
