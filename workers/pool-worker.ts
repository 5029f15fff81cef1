// A pool worker thread (src/pool/): loads the task module, tells the main thread it is ready
// (its one postMessage), then takes task frames from its own lane, runs each task and sends the
// results back in frames on its result lane. Between frames it blocks in receiveSync (a worker
// may: it spins briefly, then parks on Atomics.wait), so an idle worker costs no CPU.
//
// Results are flushed at the end of each task frame, when a frame reaches `frameBytes`, and as
// soon as results have waited FLUSH_AFTER_MS behind a slow task — a long task never holds back
// the results of the tiny ones before it.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { wakeIfSleeping } from '../native-queue/index.js';
import { InMemoryChannel, type InMemoryChannelDescriptor } from '../src/backends/memory/index.js';
import { isChannelError } from '../src/errors.js';
import { codecNamed, type CodecName } from '../src/pool/codecs.js';
import { thrownInfo } from '../src/pool/pool-errors.js';
import { FRAME_HEADER_BYTES, RESULT_OK, RESULT_SKIPPED, RESULT_THREW, ResultFrameWriter, TaskFrameReader } from '../src/pool/task-frames.js';
import { BELL, CANCELLED, FRAMES_SENT, RUNNING, type PoolWorkerSetup } from '../src/pool/thread-control.js';

const FLUSH_AFTER_MS = 1;

const setup = workerData as PoolWorkerSetup;
const handler = await loadHandler(setup.filename, setup.exportName);
const codec = codecNamed(setup.codec as CodecName);
const tasks = InMemoryChannel.attach(setup.tasks as InMemoryChannelDescriptor);
const results = InMemoryChannel.attach(setup.results as InMemoryChannelDescriptor);
const control = new Int32Array(setup.control);
const bell = new Int32Array(setup.bell);
/** The largest result one frame can carry. */
const maxResultBytes = results.capabilities.maxMessageBytes - FRAME_HEADER_BYTES - ResultFrameWriter.entryBytes(0);
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const writer = new ResultFrameWriter();
let firstWaitingSince = 0;

parentPort!.postMessage({ ready: true });

for (;;) {
  let frame: Uint8Array;
  try {
    frame = tasks.receiveSync();
  } catch (err) {
    if (isChannelError(err, 'ChannelClosed')) break; // the pool stopped this thread
    throw err;
  }
  const reader = new TaskFrameReader(frame);
  for (let i = 0; i < reader.count; i++) {
    reader.next();
    const slot = reader.slot;
    if (Atomics.load(control, CANCELLED + slot) !== 0) {
      add(slot, RESULT_SKIPPED, 0, EMPTY, performance.now());
      continue;
    }
    Atomics.store(control, RUNNING, slot + 1);
    const started = performance.now();
    let status = RESULT_OK;
    let out: Uint8Array;
    try {
      let value = handler(codec.decode(reader.data));
      if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') value = await value;
      out = codec.encode(value, 'the result');
      if (out.length > maxResultBytes) {
        throw Object.assign(new Error(`the result is ${out.length} bytes; a result can be at most ${maxResultBytes} bytes: return less, or open the pool with a larger laneBytes`), { name: 'SerializationError', code: 'SerializationError' });
      }
    } catch (err) {
      status = RESULT_THREW;
      out = encoder.encode(JSON.stringify(thrownInfo(err)));
    }
    const ended = performance.now();
    Atomics.store(control, RUNNING, 0);
    add(slot, status, ended - started, out, started);
    if (ended - firstWaitingSince >= FLUSH_AFTER_MS) flush();
  }
  flush();
}

function add(slot: number, status: number, runMs: number, data: Uint8Array, startedAt: number): void {
  if (writer.count > 0 && writer.bytes + ResultFrameWriter.entryBytes(data.length) > setup.frameBytes) flush();
  if (writer.count === 0) firstWaitingSince = startedAt;
  writer.add(slot, status, runMs, data);
}

function flush(): void {
  if (writer.count === 0) return;
  results.sendSync(writer.frame()); // copies the frame into the ring: the writer's buffer is free again
  writer.reset();
  Atomics.add(bell, FRAMES_SENT, 1);
  wakeIfSleeping(bell, BELL);
}

async function loadHandler(filename: string, exportName: string): Promise<(task: unknown) => unknown> {
  const url = filename.startsWith('file:') || filename.startsWith('data:') ? filename : pathToFileURL(filename).href;
  const module = (await import(url)) as Record<string, unknown>;
  let found = module[exportName];
  // A CommonJS module's `module.exports = fn` arrives as the default export.
  if (exportName === 'default' && typeof found === 'object' && found !== null && typeof (found as { default?: unknown }).default === 'function') {
    found = (found as { default: unknown }).default;
  }
  if (typeof found !== 'function') {
    throw new TypeError(`the pool's task module ${filename} has no function export named '${exportName}' (it is ${typeof found}); export the task function as default, or pass the pool the name it has`);
  }
  return found as (task: unknown) => unknown;
}
