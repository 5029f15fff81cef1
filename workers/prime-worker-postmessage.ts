// The demo's comparison pool worker: the same prime-counting jobs as prime-worker.ts, but each job
// arrives and each answer leaves by postMessage (a structured clone per message), the way a
// worker pool without shared memory does it (piscina, for one, moves every task this way).
import { parentPort } from 'node:worker_threads';
import { countPrimes, decodeJob, encodeResult } from '../src/cli/prime-jobs.js';

parentPort!.on('message', (job: Uint8Array | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  const { index, from, to } = decodeJob(job);
  parentPort!.postMessage(encodeResult(index, countPrimes(from, to)));
});
