// Stress producer thread: sends `count` messages through the ring with the API named by `mode`,
// counting each accepted message in `progress[producer]` (so the test knows how far a producer
// got when it terminates it), then posts 'done'.
import { parentPort, workerData } from 'node:worker_threads';
import { attachRing, type RingDescriptor } from '../../../native-queue/index.js';
import { STRESS_HEADER_BYTES, payloadSize, writeMessage } from './stress-message.js';

interface ProducerData {
  descriptor: RingDescriptor;
  producer: number;
  count: number;
  maxPayload: number;
  /** reserve-in-place: the message is written straight into the reserved space (a long claim). */
  mode: 'sync' | 'batch' | 'reserve' | 'reserve-in-place';
  progress: SharedArrayBuffer;
  /** reserve modes: at this seq, reserve and then keep writing into the claim until terminated. */
  hangAt?: number;
  /** hangAt: set to 1 once the producer is stuck inside that claim (so a test kills it there, not while it waits for room). */
  inClaim?: SharedArrayBuffer;
  /** mpsc: where to record the lane this producer got (so a test can reclaim it). */
  lanes?: SharedArrayBuffer;
}

const data = workerData as ProducerData;
const ring = attachRing(data.descriptor);
const progress = new Int32Array(data.progress);
const scratch = new Uint8Array(ring.maxMessageBytes);
const { producer, count, maxPayload } = data;

function sendOneSync(seq: number): void {
  const length = writeMessage(scratch, producer, seq, maxPayload);
  ring.sendSync(scratch.subarray(0, length), 30_000);
  Atomics.add(progress, producer, 1);
}

const nap = new Int32Array(new SharedArrayBuffer(4));

// Message 0 goes first in every mode, so an mpsc producer has its lane before anything else.
sendOneSync(0);
if (data.lanes !== undefined) {
  Atomics.store(new Int32Array(data.lanes), producer, (ring as unknown as { producerLane: number }).producerLane);
}
if (data.mode === 'sync') {
  for (let seq = 1; seq < count; seq++) sendOneSync(seq);
} else if (data.mode === 'batch') {
  // Groups of up to 32 fresh messages; whatever the ring does not take now goes by sendSync.
  const group: Uint8Array[] = [];
  for (let seq = 1; seq < count; ) {
    group.length = 0;
    for (let i = 0; i < 32 && seq + i < count; i++) {
      group.push(scratch.slice(0, writeMessage(scratch, producer, seq + i, maxPayload)));
    }
    const taken = ring.trySendBatch(group);
    Atomics.add(progress, producer, taken);
    seq += taken;
    if (taken < group.length) sendOneSync(seq++);
  }
} else {
  for (let seq = 1; seq < count; seq++) {
    const length = data.mode === 'reserve-in-place' ? STRESS_HEADER_BYTES + payloadSize(producer, seq, maxPayload) : writeMessage(scratch, producer, seq, maxPayload);
    let view = ring.reserve(length);
    for (let spins = 0; view === undefined; spins++) {
      if (spins > 64) Atomics.wait(nap, 0, 0, 1); // no room: let the consumer run
      view = ring.reserve(length);
    }
    if (seq === data.hangAt) {
      // A producer stuck (then killed) mid-write: the claim is never committed.
      if (data.inClaim !== undefined) Atomics.store(new Int32Array(data.inClaim), 0, 1);
      for (let i = 0; ; i++) view[i % length] = i;
    }
    if (data.mode === 'reserve-in-place') writeMessage(view, producer, seq, maxPayload);
    else view.set(scratch.subarray(0, length));
    ring.commit();
    Atomics.add(progress, producer, 1);
  }
}
parentPort?.postMessage('done');
