// Stream adapters: with the consumer stalled, the producer is stopped by the channel's
// backpressure and every stage holds a bounded number of bytes — asserted on what each stage
// buffers (the streams' own lengths, the channel's counts), exactly: every byte the producer got
// accepted is in one of the stages, and the producer takes no more. Then the consumer resumes and
// everything arrives, in order. Node streams, web streams, and the async iterator's acks.
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import { channelReadable, channelReadableStream, channelWritable, channelWritableStream, payloads } from '../../src/patterns/index.js';
import { readU16, sleep, u16, until } from './helpers.js';

const test = suite('Stream adapters');

const CHUNK = 1024;
const TOTAL = 1000;
const CAPACITY = 32;
const HWM = 8 * 1024;

function chunk(i: number): Uint8Array {
  const data = new Uint8Array(CHUNK).fill(i & 0xff);
  data.set(u16(i), 0);
  return data;
}

/** Some event-loop turns and a little time: long enough for a producer that is not stopped to move. */
async function letItRun(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  await sleep(50);
}

test('Node Readable/Writable: a stalled consumer stops the producer; buffered bytes stay within the bounds', async () => {
  const channel = new InMemoryChannel({ name: 'streams-node', capacity: CAPACITY, backpressure: 'block' });
  const writable = channelWritable(channel, { highWaterMark: HWM });
  const readable = channelReadable(channel, { highWaterMark: HWM });
  let accepted = 0; // chunks write() took
  let waitingForDrain = false;
  const producing = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      const more = writable.write(chunk(i));
      accepted++;
      if (!more) {
        waitingForDrain = true;
        await once(writable, 'drain');
        waitingForDrain = false;
      }
    }
    writable.end();
  })();
  // The consumer reads 50 chunks, then stalls (keeps its listener, reads nothing more).
  const got: number[] = [];
  let stalled = false;
  readable.on('readable', () => {
    let c: Buffer | null;
    while (!stalled && (c = readable.read(CHUNK)) !== null) {
      got.push(readU16(c));
      if (got.length === 50) stalled = true;
    }
  });
  await until('every stage to fill', () => stalled && waitingForDrain && channel.stats().pending === CAPACITY && readable.readableLength >= HWM);
  await letItRun();
  const inReadable = readable.readableLength;
  const inChannel = channel.stats().pending!;
  // Not yet accepted by the channel (writableLength also counts a batch being sent whose first
  // chunks are already in the channel, so the exact figure is accepted − sent).
  const inWritable = (accepted - channel.stats().sent) * CHUNK;
  assert.ok(inReadable <= HWM + CHUNK, `the Readable holds ${inReadable} bytes (highWaterMark ${HWM})`);
  assert.is(inChannel, CAPACITY, 'the channel holds its capacity');
  assert.ok(writable.writableLength <= HWM + CHUNK, `the Writable holds ${writable.writableLength} bytes (highWaterMark ${HWM})`);
  assert.is(accepted * CHUNK, got.length * CHUNK + inReadable + inChannel * CHUNK + inWritable, 'every accepted byte is in one of the stages');
  assert.ok(accepted <= 50 + 2 * (HWM / CHUNK + 1) + CAPACITY, `the producer stopped after ${accepted} chunks`);
  const stoppedAt = accepted;
  await letItRun();
  assert.is(accepted, stoppedAt, 'the producer stays stopped');
  assert.is(waitingForDrain, true);

  stalled = false;
  readable.removeAllListeners('readable');
  for await (const c of readable.iterator({ destroyOnReturn: false })) {
    for (let at = 0; at < (c as Buffer).length; at += CHUNK) got.push(readU16((c as Buffer).subarray(at)));
    if (got.length === TOTAL) break;
  }
  await producing;
  assert.equal(got, Array.from({ length: TOTAL }, (_, i) => i & 0xffff), 'every chunk, in order');
  readable.destroy();
  await channel.close();
});

test('web ReadableStream/WritableStream: the same bound with a stalled reader', async () => {
  const channel = new InMemoryChannel({ name: 'streams-web', capacity: CAPACITY, backpressure: 'block' });
  const writer = channelWritableStream(channel, { highWaterMark: HWM }).getWriter();
  const reader = channelReadableStream(channel, { highWaterMark: HWM }).getReader();
  let accepted = 0;
  let waitingForReady = false;
  const producing = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      waitingForReady = true;
      await writer.ready;
      waitingForReady = false;
      void writer.write(chunk(i));
      accepted++;
    }
    await writer.close();
  })();
  const got: number[] = [];
  for (let i = 0; i < 50; i++) got.push(readU16((await reader.read()).value!));
  const stats = () => channel.stats();
  // Buffered in the ReadableStream: taken from the channel, not read; in the WritableStream: accepted, not yet sent.
  await until('every stage to fill', () => waitingForReady && stats().pending === CAPACITY && stats().received - got.length >= HWM / CHUNK);
  await letItRun();
  const inReadable = (stats().received - got.length) * CHUNK;
  const inWritable = (accepted - stats().sent) * CHUNK;
  assert.ok(inReadable <= HWM + CHUNK, `the ReadableStream holds ${inReadable} bytes`);
  assert.ok(inWritable <= HWM + CHUNK, `the WritableStream holds ${inWritable} bytes`);
  assert.is(stats().pending, CAPACITY);
  assert.is(accepted * CHUNK, got.length * CHUNK + inReadable + stats().pending! * CHUNK + inWritable, 'every accepted byte is in one of the stages');
  const stoppedAt = accepted;
  await letItRun();
  assert.is(accepted, stoppedAt, 'the producer stays stopped');

  while (got.length < TOTAL) got.push(readU16((await reader.read()).value!));
  await producing;
  assert.equal(got, Array.from({ length: TOTAL }, (_, i) => i & 0xffff));
  await reader.cancel();
  await channel.close();
});

test('payloads(): acked when the loop asks for the next; the one in hand at a break is redelivered', async () => {
  const channel = new InMemoryChannel({ name: 'streams-iter' });
  for (let i = 0; i < 5; i++) await channel.send(u16(i));
  const seen: number[] = [];
  for await (const data of payloads(channel)) {
    seen.push(readU16(data));
    if (seen.length === 3) break;
  }
  assert.equal(seen, [0, 1, 2]);
  assert.is(channel.stats().acked, 2, 'the first two acked; the third was in hand at the break');
  const rest: number[] = [];
  const controller = new AbortController();
  for await (const data of payloads(channel, { signal: controller.signal })) {
    rest.push(readU16(data));
    if (rest.length === 3) controller.abort();
  }
  assert.equal(rest.sort(), [2, 3, 4], 'the nacked one comes back with the rest');
  await channel.close();
  const none: number[] = [];
  for await (const data of payloads(channel)) none.push(readU16(data));
  assert.equal(none, [], 'a closed, drained channel ends the loop');
});

test.run();
