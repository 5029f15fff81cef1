// Smoke test: the NATS server that `scripts/services up` (or docker compose) starts answers through
// the real nats client — core publish/subscribe, and JetStream (stream, publish ack, durable pull
// consumer with explicit ack), which the NATS backend needs for persistence.
import { AckPolicy, connect, StorageType, type NatsConnection } from 'nats';
import * as assert from 'uvu/assert';
import {
  canRestart,
  killService,
  restartService,
  serviceSuite,
  serviceUrls,
  startService,
  uniqueName,
  within,
} from '../support/services.js';

const test = await serviceSuite('nats smoke', 'nats');
// Restarting the server is only possible (and only proves something) when scripts/services runs it.
const managed = await canRestart('nats');

function connectNats(): Promise<NatsConnection> {
  return within(5000, 'connect', connect({ servers: serviceUrls.nats, timeout: 3000, maxReconnectAttempts: 0 }));
}

test('core publish/subscribe delivers one message', async () => {
  const nc = await connectNats();
  try {
    const subject = uniqueName('smoke.core').replaceAll('-', '.');
    const sub = nc.subscribe(subject, { max: 1 });
    nc.publish(subject, new TextEncoder().encode('hello core'), { reply: 'smoke.reply' });
    const got = await within(
      5000,
      'receive the core message',
      (async () => {
        for await (const m of sub) return { data: new TextDecoder().decode(m.data), reply: m.reply };
        throw new Error('subscription ended without a message');
      })(),
    );
    assert.equal(got, { data: 'hello core', reply: 'smoke.reply' });
  } finally {
    await nc.close();
  }
});

test('JetStream: add a stream, publish, consume one with a durable consumer and ack it', async () => {
  const nc = await connectNats();
  const stream = uniqueName('SMOKE').replaceAll('-', '_');
  const subject = `smoke.js.${stream}`;
  const jsm = await within(5000, 'jetstreamManager (is JetStream on? the server needs -js)', nc.jetstreamManager());
  try {
    await within(5000, 'add stream', jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File }));
    const js = nc.jetstream();
    const ack = await within(5000, 'publish', js.publish(subject, new TextEncoder().encode('hello jetstream')));
    assert.is(ack.stream, stream);
    assert.is(ack.seq, 1);
    assert.is(ack.duplicate, false);

    await within(5000, 'add consumer', jsm.consumers.add(stream, { durable_name: 'smoke', ack_policy: AckPolicy.Explicit }));
    const consumer = await within(5000, 'get consumer', js.consumers.get(stream, 'smoke'));
    const msg = await within(10_000, 'next message', consumer.next({ expires: 5000 }));
    assert.ok(msg, 'the consumer received the message');
    assert.is(new TextDecoder().decode(msg.data), 'hello jetstream');
    assert.is(msg.seq, 1);
    assert.ok(await within(5000, 'ack', msg.ackAck()), 'the server confirmed the ack');

    const info = await within(5000, 'consumer info', jsm.consumers.info(stream, 'smoke'));
    assert.is(info.num_ack_pending, 0);
    assert.is(info.delivered.stream_seq, 1);
  } finally {
    await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  }
});

// Last in the file: it takes the server away for a moment.
const durable = managed ? test : test.skip;
durable('JetStream keeps acknowledged messages across a crash (SIGKILL) and a graceful restart', async () => {
  const stream = uniqueName('DURABLE').replaceAll('-', '_');
  const subject = `smoke.durable.${stream}`;
  const encode = (text: string) => new TextEncoder().encode(text);
  const publishOne = async (text: string) => {
    const nc = await connectNats();
    try {
      const jsm = await within(5000, 'jetstreamManager', nc.jetstreamManager());
      await within(5000, 'add stream', jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File }));
      return await within(5000, 'publish', nc.jetstream().publish(subject, encode(text)));
    } finally {
      await nc.close();
    }
  };
  const storedMessages = async () => {
    const nc = await connectNats();
    try {
      const jsm = await within(5000, 'jetstreamManager', nc.jetstreamManager());
      const info = await within(5000, 'stream info', jsm.streams.info(stream));
      const texts: string[] = [];
      for (let seq = 1; seq <= info.state.last_seq; seq++) {
        const m = await within(5000, `get message ${seq}`, jsm.streams.getMessage(stream, { seq }));
        texts.push(new TextDecoder().decode(m.data));
      }
      return texts;
    } finally {
      await nc.close();
    }
  };
  try {
    assert.is((await publishOne('before the crash')).seq, 1);
    await killService('nats');
    await startService('nats');
    assert.equal(await storedMessages(), ['before the crash']);

    assert.is((await publishOne('before the restart')).seq, 2);
    await restartService('nats');
    assert.equal(await storedMessages(), ['before the crash', 'before the restart']);
  } finally {
    const nc = await connectNats().catch(() => undefined);
    if (nc) {
      const jsm = await nc.jetstreamManager().catch(() => undefined);
      await jsm?.streams.delete(stream).catch(() => false);
      await nc.close();
    }
  }
});

test.run();
