// A worker that blocks on a ring the way the test asks, and posts how the wait ended.
import { parentPort, workerData } from 'node:worker_threads';
import { attachRing, RingError, type RingDescriptor } from '../../../native-queue/index.js';

interface WaiterData {
  descriptor: RingDescriptor;
  role: 'receive' | 'send' | 'send-later';
  timeoutMs?: number;
  delayMs?: number;
}

const data = workerData as WaiterData;
const ring = attachRing(data.descriptor);
const nap = new Int32Array(new SharedArrayBuffer(4));

try {
  if (data.role === 'receive') {
    parentPort?.postMessage('waiting');
    const message = ring.receiveSync(data.timeoutMs);
    parentPort?.postMessage({ received: Array.from(message) });
  } else if (data.role === 'send') {
    let filled = 0;
    while (ring.trySend(new Uint8Array(8))) filled++;
    parentPort?.postMessage('waiting');
    ring.sendSync(new Uint8Array([filled & 255]), data.timeoutMs);
    parentPort?.postMessage({ sent: true });
  } else {
    Atomics.wait(nap, 0, 0, data.delayMs ?? 0);
    ring.sendSync(new Uint8Array([1, 2, 3]), 10_000);
    parentPort?.postMessage({ sent: true });
  }
} catch (error) {
  parentPort?.postMessage({ error: error instanceof RingError ? error.code : String(error) });
}
