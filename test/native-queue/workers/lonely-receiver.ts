// Run as its own process (not a worker): the main thread awaits a ring with nothing else to keep
// Node's event loop alive. If a pending wait did not hold the loop, the process would exit before
// printing how the wait ended.
import { createRing, RingError } from '../../../native-queue/index.js';

const ring = createRing(process.argv[2] === 'mpmc' ? 'mpmc' : 'spsc', { capacityBytes: 256, parkSliceMs: 20 });
const how = process.argv[3];
if (how === 'close') setTimeout(() => ring.close(), 300).unref();
try {
  await ring.receive(how === 'timeout' ? { timeoutMs: 300 } : {});
  console.log('RESULT received');
} catch (error) {
  console.log(`RESULT ${error instanceof RingError ? error.code : String(error)}`);
}
