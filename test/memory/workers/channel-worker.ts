// A worker thread that attaches to an in-memory channel from its descriptor and runs one task,
// using the synchronous calls a worker may use. Reports back with postMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { InMemoryChannel, type InMemoryChannelDescriptor } from '../../../src/backends/memory/index.js';

interface Task {
  task: 'create-local' | 'receive-forever' | 'send-forever' | 'send-batches-forever' | 'produce' | 'produce-until-closed' | 'consume' | 'flaky-consume' | 'hold' | 'hold-subscribed' | 'exhaust' | 'subscribe' | 'respond' | 'wait-closed';
  descriptor: InMemoryChannelDescriptor;
  count?: number;
  base?: number;
  group?: string;
  /** Payload bytes of the patterned senders' messages. */
  size?: number;
}

const { task, descriptor, count = 0, base = 0, group, size = 200 } = workerData as Task;
const channel = InMemoryChannel.attach(descriptor);
const post = (message: unknown) => parentPort!.postMessage(message);
const codeOf = (err: unknown) => (err as { code?: string }).code ?? String(err);

switch (task) {
  case 'receive-forever': {
    // Receives until terminated (the test kills it mid-receive); says so after its first message.
    for (let i = 0; ; i++) {
      try {
        channel.receiveSync({ timeoutMs: 1000 });
      } catch (err) {
        if (codeOf(err) !== 'Timeout') throw err;
        continue;
      }
      if (i === 0) post({ receiving: true });
    }
  }
  case 'send-forever': {
    // Sends numbered, patterned messages until terminated (the test kills it mid-send).
    // With backpressure 'drop-newest' it never parks: it is almost always inside a send.
    const data = new Uint8Array(size);
    fillPatterned(data, 0);
    for (let i = 0; ; i++) {
      new DataView(data.buffer).setUint32(0, i);
      channel.sendSync(data, { headers: { i: String(i) } });
      if (i === 0) post({ sending: true });
    }
  }
  case 'send-batches-forever': {
    // sendBatch of `count` numbered, patterned messages at a time until terminated (the test
    // kills it mid-batch). With 'drop-newest' what does not fit is dropped, never waited for.
    // One set of buffers, renumbered per batch (sendBatch copies), so the thread spends its time
    // inside sendBatch rather than filling patterns.
    const batch = Array.from({ length: count }, () => new Uint8Array(size));
    for (const data of batch) fillPatterned(data, 0);
    const numbers = batch.map((data) => new DataView(data.buffer));
    for (let i = 0; ; ) {
      for (const number of numbers) number.setUint32(0, i++);
      await channel.sendBatch(batch);
      if (i === count) post({ sending: true });
    }
  }
  case 'produce': {
    for (let i = 0; i < count; i++) {
      const data = new Uint8Array(4);
      new DataView(data.buffer).setUint32(0, base + i);
      channel.sendSync(data, { key: `w${base}` });
    }
    post({ done: count });
    break;
  }
  case 'produce-until-closed': {
    // Sends until the channel closes; with nobody receiving, it ends up blocked in sendSync.
    let sent = 0;
    try {
      for (;;) {
        channel.sendSync(new Uint8Array([sent & 0xff]));
        if (++sent === count) post({ full: true });
      }
    } catch (err) {
      post({ sent, ended: codeOf(err) });
    }
    break;
  }
  case 'consume': {
    // Until the channel closes and is drained: what a consumer worker does.
    const seen: number[] = [];
    try {
      for (;;) {
        const data = channel.receiveSync({ timeoutMs: 10_000 });
        seen.push(new DataView(data.buffer, data.byteOffset).getUint32(0));
      }
    } catch (err) {
      post({ seen, ended: codeOf(err) });
    }
    break;
  }
  case 'flaky-consume': {
    // Nacks about a third of what it gets (some with a short delay), acks the rest, until closed.
    let seed = base + 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const acked: number[] = [];
    let nacks = 0;
    try {
      for (;;) {
        const d = channel.receiveDeliverySync({ timeoutMs: 10_000 });
        if (random() < 0.3) {
          nacks++;
          await d.nack({ delayMs: random() < 0.5 ? 0 : 3 });
        } else {
          await d.ack();
          acked.push(new DataView(d.data.buffer, d.data.byteOffset).getUint32(0));
        }
      }
    } catch (err) {
      post({ acked, nacks, ended: codeOf(err) });
    }
    break;
  }
  case 'hold': {
    // Takes deliveries and never settles them; the test terminates this thread.
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(channel.receiveDeliverySync({ timeoutMs: 5000 }).id);
    post({ holding: ids });
    break;
  }
  case 'hold-subscribed': {
    // Joins a group, takes deliveries from it and never settles them (terminated by the test).
    const subscription = await channel.subscribe({ group });
    post({ ready: true });
    const ids = [];
    for (let i = 0; i < count; i++) ids.push((await subscription.next({ timeoutMs: 5000 })).id);
    post({ holding: ids });
    break;
  }
  case 'exhaust': {
    // Nacks until the message is dead-lettered (through the descriptor's dead-letter channel).
    let delivery = channel.receiveDeliverySync({ timeoutMs: 5000 });
    const counts = [delivery.deliveryCount];
    for (;;) {
      await delivery.nack();
      try {
        delivery = channel.receiveDeliverySync({ timeoutMs: 200 });
        counts.push(delivery.deliveryCount);
      } catch {
        break;
      }
    }
    post({ counts });
    break;
  }
  case 'subscribe': {
    const subscription = await channel.subscribe({ group });
    post({ ready: true });
    const got: number[] = [];
    for (let i = 0; i < count; i++) {
      const d = await subscription.next({ timeoutMs: 5000 });
      got.push(d.data[0]!);
      await d.ack();
    }
    await subscription.unsubscribe();
    post({ got });
    break;
  }
  case 'respond': {
    for (let i = 0; i < count; i++) {
      const request = channel.receiveDeliverySync({ timeoutMs: 5000 });
      await request.ack();
      await channel.reply(request, new Uint8Array([request.data[0]! + 100]));
    }
    post({ answered: count });
    break;
  }
  case 'create-local': {
    // A channel made in this worker is thread-local until described: sync calls work on it,
    // and what it holds when described reaches the main thread in order.
    const own = new InMemoryChannel();
    let emptyWait = '';
    try {
      own.receiveSync({ timeoutMs: 30 });
    } catch (err) {
      emptyWait = codeOf(err);
    }
    for (let i = 0; i < count; i++) {
      const data = new Uint8Array(4);
      new DataView(data.buffer).setUint32(0, base + i);
      own.sendSync(data);
    }
    const first = own.receiveSync({ timeoutMs: 1000 });
    post({ emptyWait, first: new DataView(first.buffer, first.byteOffset).getUint32(0), descriptor: own.describe() });
    break;
  }
  case 'wait-closed': {
    post({ waiting: true });
    try {
      channel.receiveSync();
      post({ ended: 'received' });
    } catch (err) {
      post({ ended: codeOf(err) });
    }
    break;
  }
}

/** Message i of 'send-forever': [u32 i][a fixed pattern] (the test checks every byte). */
function fillPatterned(data: Uint8Array, i: number): void {
  new DataView(data.buffer).setUint32(0, i);
  for (let b = 4; b < data.length; b++) data[b] = (b * 7) & 0xff;
}
