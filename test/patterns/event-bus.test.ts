// Event bus: handlers added and removed while events flow; a stalled handler holds up nobody
// else (and gets its backlog once it resumes); a handler that throws gets that event again and
// the others see it once; a named group shares the events among its instances.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { EventBus, type BusEvent } from '../../src/patterns/index.js';
import { gate, readU16, u16, until } from './helpers.js';

const test = suite('EventBus');

test('a stalled handler does not hold up the others, and gets its whole backlog when it resumes', async () => {
  const bus = new EventBus(new InMemoryChannel({ name: 'bus-slow' }));
  const stall = gate();
  const fast: number[] = [];
  const slow: number[] = [];
  await bus.on('order.created', async (e) => {
    await stall.opened;
    slow.push(readU16(e.data));
  });
  await bus.on('order.created', (e) => void fast.push(readU16(e.data)));
  for (let i = 0; i < 100; i++) await bus.emit('order.created', u16(i));
  await until('the fast handler to have all 100', () => fast.length === 100);
  assert.is(slow.length, 0, 'the slow one is still stuck on its first event');
  assert.equal(fast, Array.from({ length: 100 }, (_, i) => i), 'in order');
  stall.open();
  await until('the slow handler to catch up', () => slow.length === 100);
  assert.equal(slow, Array.from({ length: 100 }, (_, i) => i));
  await bus.close();
  await bus.channel.close();
});

test('handlers come and go at run time; types are filtered; * sees everything', async () => {
  const bus = new EventBus(new InMemoryChannel({ name: 'bus-dynamic' }));
  const created: number[] = [];
  const all: string[] = [];
  const removeCreated = await bus.on('created', (e) => void created.push(readU16(e.data)));
  await bus.on('*', (e: BusEvent) => void all.push(`${e.type}:${readU16(e.data)}`));
  await bus.emit('created', u16(1));
  await bus.emit('deleted', u16(2));
  await until('both events seen by *', () => all.length === 2);
  await until('the created handler', () => created.length === 1);
  await removeCreated();
  await bus.emit('created', u16(3));
  const late: number[] = [];
  await bus.on('created', (e) => void late.push(readU16(e.data)));
  await bus.emit('created', u16(4));
  await until('* and the late handler', () => all.length === 4 && late.length === 1);
  assert.equal(created, [1], 'a removed handler sees nothing more');
  assert.equal(late, [4], 'a handler added later sees what is emitted after it');
  assert.equal(all, ['created:1', 'deleted:2', 'created:3', 'created:4']);
  await bus.close();
  await bus.channel.close();
});

test('a handler that throws gets the event again; the others see it once', async () => {
  const bus = new EventBus(new InMemoryChannel({ name: 'bus-retry', maxRetries: 3 }));
  let attempts = 0;
  const other: number[] = [];
  await bus.on('x', (e) => {
    attempts++;
    if (attempts < 3) throw new Error('not yet');
    assert.is(e.delivery.deliveryCount, 3);
  });
  await bus.on('x', (e) => void other.push(readU16(e.data)));
  await bus.emit('x', u16(7));
  await until('the third attempt', () => attempts === 3);
  await until('the other handler', () => other.length === 1);
  assert.equal(other, [7]);
  await bus.close();
  await bus.channel.close();
});

test('instances of a handler in one group share the events; bad arguments are refused', async () => {
  const bus = new EventBus(new InMemoryChannel({ name: 'bus-group' }));
  const seen = new Uint8Array(200);
  let a = 0;
  let b = 0;
  await bus.on('job', (e) => void (seen[readU16(e.data)]! += 1, a++), { group: 'billing' });
  await bus.on('job', (e) => void (seen[readU16(e.data)]! += 1, b++), { group: 'billing' });
  for (let i = 0; i < 200; i++) await bus.emit('job', u16(i));
  await until('all 200', () => a + b === 200);
  assert.ok(seen.every((n) => n === 1), 'each event to one instance of the group');
  let refused: { code?: string } | undefined;
  try {
    await bus.emit('*', u16(1));
  } catch (err) {
    refused = err as { code?: string };
  }
  assert.is(refused?.code, 'InvalidConfiguration');
  await bus.close();
  await bus.channel.close();
});

test.run();
