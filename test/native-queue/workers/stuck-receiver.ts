// A receiver that claims a run with drain() and gets stuck inside its first visit, until the test
// terminates it: a thread killed while holding a whole run of records it never marked.
import { workerData } from 'node:worker_threads';
import { attachRing, type RingDescriptor } from '../../../native-queue/index.js';

const { descriptor, flag } = workerData as { descriptor: RingDescriptor; flag: SharedArrayBuffer };
const ring = attachRing(descriptor);
const signal = new Int32Array(flag);
ring.drain(() => {
  Atomics.store(signal, 0, 1); // inside the visit now
  Atomics.notify(signal, 0);
  Atomics.wait(signal, 0, 1); // until terminated
});
