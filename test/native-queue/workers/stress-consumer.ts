// Stress consumer thread: receives until the ring is closed and drained, checking every message
// (length, checksum), per-producer order, and marking each (producer, seq) in a shared tally so
// the test can prove no message was lost or duplicated across all consumers.
import { parentPort, workerData } from 'node:worker_threads';
import { attachRing, MpmcRing, RingError, type RingDescriptor } from '../../../native-queue/index.js';
import { checkMessage, readU32 } from './stress-message.js';

interface ConsumerData {
  descriptor: RingDescriptor;
  producers: number;
  maxPayload: number;
  /** One SharedArrayBuffer per producer: byte `seq` counts deliveries of message seq. */
  tallies: SharedArrayBuffer[];
  /** spsc/mpsc: each producer's messages must arrive exactly in order (seq = previous + 1). */
  strictOrder: boolean;
  /** mpmc with receivers killed: a dead receiver's records are delivered again later, out of order. */
  anyOrder?: boolean;
  /** Counts the messages this consumer took (word 0), so a test can kill it mid-flight. */
  progress?: SharedArrayBuffer;
  mode: 'drain' | 'view' | 'receive';
  /**
   * drain/view: poll instead of falling back to receiveSync when nothing is there. A thread
   * killed between a copying receive and its tally loses that message by definition (the ring
   * handed it over), so a consumer the test kills must only take records by view, which are
   * marked consumed after the visit.
   */
  viewsOnly?: boolean;
  /**
   * viewsOnly: work on each view this long (microseconds, busy) before the next read call, as a
   * consumer that processes messages in place does. A victim that only checks its message holds
   * it for a microsecond and naps 1 ms whenever the others took everything first, so a kill
   * nearly always found it holding nothing; this is the time a kill finds it holding records.
   */
  holdMicros?: number;
  /** mpmc: where to keep this handle's recovery counters up to date (claimsAbandoned, recordsAdopted, releasesTakenOver), so a test can watch them while it runs. */
  recoveryOut?: SharedArrayBuffer;
}

const data = workerData as ConsumerData;
const ring = attachRing(data.descriptor);
const tallies = data.tallies.map((buffer) => new Uint8Array(buffer));
const lastSeq = new Array<number>(data.producers).fill(-1);
const received = new Array<number>(data.producers).fill(0);
const problems: string[] = [];
const progress = data.progress === undefined ? undefined : new Int32Array(data.progress);
/** How long take() holds each view (ms; 0: not at all). */
const holdMs = data.viewsOnly === true ? (data.holdMicros ?? 0) / 1000 : 0;

function take(message: Uint8Array): void {
  const problem = checkMessage(message, data.maxPayload);
  if (problem !== undefined) {
    if (problems.length < 10) problems.push(problem);
    return;
  }
  const producer = readU32(message, 0);
  const seq = readU32(message, 4);
  const tally = tallies[producer];
  if (tally === undefined || seq >= tally.length) {
    if (problems.length < 10) problems.push(`unknown producer ${producer} / seq ${seq}`);
    return;
  }
  const last = lastSeq[producer] as number;
  if (data.anyOrder !== true && (data.strictOrder ? seq !== last + 1 : seq <= last)) {
    if (problems.length < 10) problems.push(`producer ${producer}: seq ${seq} after ${last}`);
  }
  lastSeq[producer] = seq;
  received[producer] = (received[producer] as number) + 1;
  Atomics.add(tally, seq, 1);
  if (progress !== undefined) Atomics.add(progress, 0, 1);
  if (holdMs !== 0) {
    const until = performance.now() + holdMs;
    while (performance.now() < until) {
      // Holding the view (and, in drain, the rest of its run), as a consumer at work on it.
    }
  }
}

const nap = new Int32Array(new SharedArrayBuffer(4));
const recoveryOut = data.recoveryOut === undefined ? undefined : new Int32Array(data.recoveryOut);
let closed = false;
while (!closed) {
  if (recoveryOut !== undefined && ring instanceof MpmcRing) {
    Atomics.store(recoveryOut, 0, ring.claimsAbandoned);
    Atomics.store(recoveryOut, 1, ring.recordsAdopted);
    Atomics.store(recoveryOut, 2, ring.releasesTakenOver);
  }
  let got = 0;
  if (data.mode === 'drain') {
    got = ring.drain(take, 256);
  } else if (data.mode === 'view') {
    while (got < 256) {
      const view = ring.tryReceiveView();
      if (view === undefined) break;
      take(view);
      got++;
    }
  }
  if (got > 0) continue;
  if (data.viewsOnly === true) {
    Atomics.wait(nap, 0, 0, 1);
    continue;
  }
  try {
    take(ring.receiveSync(60_000));
  } catch (error) {
    if (error instanceof RingError && error.code === 'RING_CLOSED') closed = true;
    else throw error;
  }
}
// What this handle's recovery did (mpmc): the kill tests count their hits with it.
const recovery = ring instanceof MpmcRing ? { claimsAbandoned: ring.claimsAbandoned, recordsAdopted: ring.recordsAdopted, releasesTakenOver: ring.releasesTakenOver } : undefined;
parentPort?.postMessage({ received, problems, recovery });
